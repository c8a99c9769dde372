//! JSON syntax as AWS reads a definition. AWS parses definitions with Jackson (its recorded
//! diagnostics quote Jackson's messages and locations: `Unrecognized token 'not': was expecting
//! (...)` at `[Source: (String)"not a definition"; line: 1, column: 4]`), so this scanner
//! reproduces Jackson's syntax errors: the same message for the same mistake, and the same line
//! and column (1-based, counted in UTF-16 units, the column just after the offending input).
//!
//! It also records duplicate keys, which Jackson (and serde_json) silently collapse to the last
//! one: a `States` object that names a state twice must still be reported.
//!
//! Like Jackson's `ObjectMapper.readTree`, the scan stops after the first complete value:
//! anything after it is ignored. The scanner is iterative (an explicit stack), so no nesting
//! depth can overflow the call stack. It does not build values; serde_json does that once the
//! syntax is known to be good.

use std::collections::HashSet;

/// A syntax error, worded and located as Jackson does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// Jackson's message followed by `\n at ` and the location, as AWS reports it.
    pub(crate) message: String,
    /// `[Source: (String)"..."; line: L, column: C]`.
    pub(crate) location: String,
}

/// A key that appears more than once in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DuplicateKey {
    /// Location of the object that holds the key, written as AWS writes locations
    /// (`/States/P/Branches[0]/States`; `""` for the root).
    pub(crate) object: String,
    pub(crate) key: String,
}

/// The result of a successful scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scanned {
    /// Byte offset just after the first value: what Jackson reads, the rest is ignored.
    pub(crate) end: usize,
    pub(crate) duplicates: Vec<DuplicateKey>,
}

/// Jackson's list of what may start a value.
const VALUE_LIST: &str = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
/// Jackson shows at most this many characters of the source in a location.
const MAX_CONTENT_SNIPPET: usize = 500;
/// Jackson cuts an unrecognized token at this length.
const MAX_ERROR_TOKEN_LENGTH: usize = 256;

/// An open container. `segment` is its part of the location (`/key` or `[i]`; `None` for the
/// root): full locations are built only for a duplicate key, so deep nesting stays linear.
enum Frame {
    Object { segment: Option<String>, keys: HashSet<String>, line: usize, column: usize },
    Array { segment: Option<String>, next_index: usize, line: usize, column: usize },
}

impl Frame {
    fn segment(&self) -> Option<&str> {
        match self {
            Frame::Object { segment, .. } | Frame::Array { segment, .. } => segment.as_deref(),
        }
    }

    fn type_desc(&self) -> &'static str {
        match self {
            Frame::Object { .. } => "Object",
            Frame::Array { .. } => "Array",
        }
    }
}

/// Where the scan stands after a value.
enum Step {
    /// A container was just opened.
    Opened,
    /// A value (scalar or container) is complete.
    Done,
}

struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    /// UTF-16 units consumed on the current line.
    col: usize,
    stack: Vec<Frame>,
    duplicates: Vec<DuplicateKey>,
}

/// Scans `text` as Jackson would read it.
pub(crate) fn scan(text: &str) -> Result<Scanned, SyntaxError> {
    let mut s = Scanner { text, pos: 0, line: 1, col: 0, stack: Vec::new(), duplicates: Vec::new() };
    s.run()?;
    Ok(Scanned { end: s.pos, duplicates: s.duplicates })
}

/// `'x' (code 120)`, `(CTRL-CHAR, code 10)`: how Jackson describes a character.
fn char_desc(c: char) -> String {
    let code = c as u32;
    if code < 0x20 || (0x7f..=0x9f).contains(&code) {
        format!("(CTRL-CHAR, code {code})")
    } else if code > 255 {
        format!("'{c}' (code {code} / 0x{code:x})")
    } else {
        format!("'{c}' (code {code})")
    }
}

/// Java's `Character.isJavaIdentifierStart`, closely enough for error messages.
fn java_identifier_start(c: char) -> bool {
    c.is_alphabetic() || c == '$' || c == '_'
}

/// Java's `Character.isJavaIdentifierPart`, closely enough for error messages.
fn java_identifier_part(c: char) -> bool {
    let code = c as u32;
    c.is_alphanumeric()
        || c == '$'
        || c == '_'
        || code <= 8
        || (0x0e..=0x1b).contains(&code)
        || (0x7f..=0x9f).contains(&code)
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    /// Consumes one character inside a token. Jackson counts a line break only where it
    /// skips whitespace; inside a token any character just moves the column.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        self.col += c.len_utf16();
        Some(c)
    }

    /// Consumes one character between tokens, counting line breaks (`\r\n` is one).
    fn bump_between(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        match c {
            '\n' => {
                self.line += 1;
                self.col = 0;
            }
            '\r' => {
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
                self.line += 1;
                self.col = 0;
            }
            _ => self.col += c.len_utf16(),
        }
        Some(c)
    }

    /// Skips JSON whitespace and consumes the next character, if any.
    fn next_significant(&mut self) -> Option<char> {
        loop {
            match self.bump_between()? {
                ' ' | '\t' | '\n' | '\r' => continue,
                c => return Some(c),
            }
        }
    }

    /// `[Source: (String)"..."; line: L, column: C]`.
    fn location_at(&self, line: usize, column: usize) -> String {
        let total: usize = self.text.encode_utf16().count();
        let mut shown = String::new();
        let mut units = 0;
        for c in self.text.chars() {
            if units + c.len_utf16() > MAX_CONTENT_SNIPPET {
                break;
            }
            units += c.len_utf16();
            shown.push(c);
        }
        let truncated = total - units;
        let suffix = if truncated > 0 { format!("[truncated {truncated} chars]") } else { String::new() };
        format!("[Source: (String)\"{shown}\"{suffix}; line: {line}, column: {column}]")
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        let location = self.location_at(self.line, self.col + 1);
        SyntaxError { message: format!("{}\n at {location}", message.into()), location }
    }

    fn unexpected_char(&self, c: char, comment: &str) -> SyntaxError {
        self.error(format!("Unexpected character ({}): {comment}", char_desc(c)))
    }

    fn invalid_eof(&self, comment: &str) -> SyntaxError {
        self.error(format!("Unexpected end-of-input{comment}"))
    }

    /// `Unrecognized token 'xyz'`: `matched` plus the identifier characters that follow.
    fn invalid_token(&mut self, matched: &str) -> SyntaxError {
        let mut token = matched.to_string();
        while let Some(c) = self.peek() {
            if !java_identifier_part(c) {
                break;
            }
            self.bump();
            token.push(c);
            if token.chars().count() >= MAX_ERROR_TOKEN_LENGTH {
                token.push_str("...");
                break;
            }
        }
        self.error(format!("Unrecognized token '{token}': was expecting {VALUE_LIST}"))
    }

    /// EOF inside an open container.
    fn eof_in_container(&self) -> SyntaxError {
        match self.stack.last() {
            Some(f) => {
                let (line, column) = match f {
                    Frame::Object { line, column, .. } | Frame::Array { line, column, .. } => {
                        (*line, *column)
                    }
                };
                self.invalid_eof(&format!(
                    ": expected close marker for {} (start marker at {})",
                    f.type_desc(),
                    self.location_at(line, column)
                ))
            }
            None => self.invalid_eof(""),
        }
    }

    fn run(&mut self) -> Result<(), SyntaxError> {
        let Some(c) = self.next_significant() else {
            // Nothing but whitespace: Jackson reads no value at all.
            return Err(self.invalid_eof(""));
        };
        let mut step = self.value(c, None)?;
        loop {
            step = match step {
                Step::Opened => {
                    // Just after `{` or `[`: a first member or the closer.
                    let Some(n) = self.next_significant() else {
                        return Err(self.eof_in_container());
                    };
                    if n == ']' || n == '}' {
                        self.close(n)?;
                        Step::Done
                    } else {
                        self.member(n)?
                    }
                }
                Step::Done if self.stack.is_empty() => return Ok(()),
                Step::Done => {
                    // A value just ended inside the innermost container.
                    let Some(c) = self.next_significant() else {
                        return Err(self.eof_in_container());
                    };
                    if c == ']' || c == '}' {
                        self.close(c)?;
                        Step::Done
                    } else if c != ',' {
                        let desc = self.stack.last().map_or("root", Frame::type_desc);
                        return Err(self
                            .unexpected_char(c, &format!("was expecting comma to separate {desc} entries")));
                    } else {
                        let Some(c) = self.next_significant() else {
                            let desc = self.stack.last().map_or("root", Frame::type_desc);
                            return Err(self.invalid_eof(&format!(" within/between {desc} entries")));
                        };
                        self.member(c)?
                    }
                }
            };
        }
    }

    /// A member of the innermost container starting with `c` (after `,` or the opener).
    fn member(&mut self, c: char) -> Result<Step, SyntaxError> {
        let segment = match self.stack.last_mut() {
            Some(Frame::Object { .. }) => {
                if c != '"' {
                    return Err(self.unexpected_char(c, "was expecting double-quote to start field name"));
                }
                let key = self.string(true)?;
                let fresh = match self.stack.last_mut() {
                    Some(Frame::Object { keys, .. }) => keys.insert(key.clone()),
                    _ => true,
                };
                if !fresh {
                    let object: String = self.stack.iter().filter_map(Frame::segment).collect();
                    self.duplicates.push(DuplicateKey { object, key: key.clone() });
                }
                match self.next_significant() {
                    Some(':') => {}
                    Some(other) => {
                        return Err(self.unexpected_char(
                            other,
                            "was expecting a colon to separate field name and value",
                        ))
                    }
                    None => return Err(self.invalid_eof(" within/between Object entries")),
                }
                let Some(v) = self.next_significant() else {
                    return Err(self.invalid_eof(" within/between Object entries"));
                };
                return self.value(v, Some(format!("/{key}")));
            }
            Some(Frame::Array { next_index, .. }) => {
                *next_index += 1;
                Some(format!("[{}]", *next_index - 1))
            }
            None => None,
        };
        self.value(c, segment)
    }

    /// Closes the innermost container with `c`.
    fn close(&mut self, c: char) -> Result<(), SyntaxError> {
        let Some(frame) = self.stack.last() else {
            return Ok(());
        };
        let (expected, line, column) = match frame {
            Frame::Object { line, column, .. } => ('}', *line, *column),
            Frame::Array { line, column, .. } => (']', *line, *column),
        };
        if c != expected {
            return Err(self.error(format!(
                "Unexpected close marker '{c}': expected '{expected}' (for {} starting at {})",
                frame.type_desc(),
                self.location_at(line, column)
            )));
        }
        self.stack.pop();
        Ok(())
    }

    /// A value starting with `c` (already consumed): a scalar read whole, or a container
    /// opened.
    fn value(&mut self, c: char, segment: Option<String>) -> Result<Step, SyntaxError> {
        let (line, column) = (self.line, self.col);
        match c {
            '{' => {
                self.stack.push(Frame::Object { segment, keys: HashSet::new(), line, column });
                return Ok(Step::Opened);
            }
            '[' => {
                self.stack.push(Frame::Array { segment, next_index: 0, line, column });
                return Ok(Step::Opened);
            }
            ']' | '}' => return Err(self.unexpected_char(c, "expected a value")),
            '"' => {
                self.string(false)?;
            }
            't' => self.literal("true")?,
            'f' => self.literal("false")?,
            'n' => self.literal("null")?,
            '-' | '0'..='9' => self.number(c)?,
            'N' => self.non_standard("NaN")?,
            'I' => self.non_standard("Infinity")?,
            _ if java_identifier_start(c) => return Err(self.invalid_token(&c.to_string())),
            _ => return Err(self.unexpected_char(c, &format!("expected a valid value {VALUE_LIST}"))),
        }
        Ok(Step::Done)
    }

    /// The rest of `word` after its first character, as Jackson's `_matchToken` checks it.
    fn literal(&mut self, word: &str) -> Result<(), SyntaxError> {
        for (i, expected) in word.char_indices().skip(1) {
            if self.peek() != Some(expected) {
                return Err(self.invalid_token(&word[..i]));
            }
            self.bump();
        }
        if let Some(c) = self.peek() {
            if c >= '0' && c != ']' && c != '}' && java_identifier_part(c) {
                return Err(self.invalid_token(word));
            }
        }
        Ok(())
    }

    fn non_standard(&mut self, word: &str) -> Result<(), SyntaxError> {
        self.literal(word)?;
        Err(self.error(format!(
            "Non-standard token '{word}': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow"
        )))
    }

    fn digits(&mut self) -> usize {
        let mut n = 0;
        while matches!(self.peek(), Some('0'..='9')) {
            self.bump();
            n += 1;
        }
        n
    }

    fn number(&mut self, first: char) -> Result<(), SyntaxError> {
        let lead = if first == '-' {
            match self.bump() {
                Some(d @ '0'..='9') => d,
                Some(other) => {
                    return Err(self.error(format!(
                        "Unexpected character ({}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
                        char_desc(other)
                    )))
                }
                None => return Err(self.invalid_eof(" in a Number value")),
            }
        } else {
            first
        };
        if lead == '0' && matches!(self.peek(), Some('0'..='9')) {
            return Err(self.error("Invalid numeric value: Leading zeroes not allowed"));
        }
        self.digits();
        if self.peek() == Some('.') {
            self.bump();
            if self.digits() == 0 {
                return match self.bump() {
                    Some(c) => Err(self.error(format!(
                        "Unexpected character ({}) in numeric value: Decimal point not followed by a digit",
                        char_desc(c)
                    ))),
                    None => Err(self.invalid_eof(" in a Number value")),
                };
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if self.digits() == 0 {
                return match self.bump() {
                    Some(c) => Err(self.error(format!(
                        "Unexpected character ({}) in numeric value: Exponent indicator not followed by a digit",
                        char_desc(c)
                    ))),
                    None => Err(self.invalid_eof(" in a Number value")),
                };
            }
        }
        if self.stack.is_empty() {
            if let Some(c) = self.peek() {
                if !matches!(c, ' ' | '\t' | '\n' | '\r' | ']' | '}' | ',') {
                    self.bump();
                    return Err(self.unexpected_char(c, "Expected space separating root-level values"));
                }
            }
        }
        Ok(())
    }

    /// A string after its opening quote; returns its decoded text.
    fn string(&mut self, name: bool) -> Result<String, SyntaxError> {
        let what = if name { "name" } else { "string value" };
        let mut out = String::new();
        let mut pending_high: Option<u16> = None;
        loop {
            let Some(c) = self.bump() else {
                return Err(if name {
                    self.invalid_eof(" in field name")
                } else {
                    self.invalid_eof(": was expecting closing quote for a string value")
                });
            };
            match c {
                '"' => break,
                '\\' => {
                    let Some(e) = self.bump() else {
                        return Err(self.invalid_eof(" in character escape sequence"));
                    };
                    let decoded = match e {
                        '"' => '"',
                        '\\' => '\\',
                        '/' => '/',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        'u' => {
                            let mut unit: u32 = 0;
                            for _ in 0..4 {
                                let Some(h) = self.bump() else {
                                    return Err(self.invalid_eof(" in character escape sequence"));
                                };
                                let Some(d) = h.to_digit(16) else {
                                    return Err(self.unexpected_char(
                                        h,
                                        "expected a hex-digit for character escape sequence",
                                    ));
                                };
                                unit = unit * 16 + d;
                            }
                            let unit = unit as u16;
                            match (pending_high.take(), unit) {
                                (Some(hi), 0xDC00..=0xDFFF) => {
                                    let code = 0x10000
                                        + ((u32::from(hi) - 0xD800) << 10)
                                        + (u32::from(unit) - 0xDC00);
                                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                                }
                                (hi, 0xD800..=0xDBFF) => {
                                    if hi.is_some() {
                                        out.push('\u{FFFD}');
                                    }
                                    pending_high = Some(unit);
                                }
                                (hi, _) => {
                                    if hi.is_some() {
                                        out.push('\u{FFFD}');
                                    }
                                    out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
                                }
                            }
                            continue;
                        }
                        other => {
                            return Err(
                                self.error(format!("Unrecognized character escape {}", char_desc(other)))
                            )
                        }
                    };
                    if pending_high.take().is_some() {
                        out.push('\u{FFFD}');
                    }
                    out.push(decoded);
                }
                c if (c as u32) < 0x20 => {
                    return Err(self.error(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in {what}",
                        char_desc(c)
                    )));
                }
                c => {
                    if pending_high.take().is_some() {
                        out.push('\u{FFFD}');
                    }
                    out.push(c);
                }
            }
        }
        if pending_high.is_some() {
            out.push('\u{FFFD}');
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> SyntaxError {
        scan(text).expect_err(text)
    }

    #[test]
    fn unrecognized_token_as_aws_records_it() {
        let e = err("not a definition");
        assert_eq!(e.location, "[Source: (String)\"not a definition\"; line: 1, column: 4]");
        assert_eq!(
            e.message,
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]"
        );
    }

    #[test]
    fn jackson_messages_for_common_mistakes() {
        let cases: &[(&str, &str, usize, usize)] = &[
            ("{\"a\": 1,}", "Unexpected character ('}' (code 125)): was expecting double-quote to start field name", 1, 10),
            ("{\"a\" 1}", "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value", 1, 7),
            ("[1 2]", "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries", 1, 5),
            ("[1,]", "Unexpected character (']' (code 93)): expected a value", 1, 5),
            ("{\"a\": tru}", "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 10),
            ("{\"a\": 'x'}", "Unexpected character (''' (code 39)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 8),
            ("{\"a\": \"x\ny\"}", "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value", 1, 10),
            ("{\"a\": \"\\x\"}", "Unrecognized character escape 'x' (code 120)", 1, 10),
            ("{\"a\": 01}", "Invalid numeric value: Leading zeroes not allowed", 1, 8),
            ("{\"a\": 1]", "Unexpected close marker ']': expected '}' (for Object starting at [Source: (String)\"{\"a\": 1]\"; line: 1, column: 1])", 1, 9),
            ("{\"a\": \"x", "Unexpected end-of-input: was expecting closing quote for a string value", 1, 9),
        ];
        for (text, message, line, column) in cases {
            let e = err(text);
            let loc = format!("line: {line}, column: {column}]");
            assert!(e.message.starts_with(message), "{text}: {}", e.message);
            assert!(e.location.ends_with(&loc), "{text}: {} (want {loc})", e.location);
        }
    }

    #[test]
    fn end_of_input_names_the_open_container() {
        let e = err("{\n  \"a\": [1, 2");
        assert!(e.message.starts_with(
            "Unexpected end-of-input: expected close marker for Array (start marker at [Source: (String)\"{\n  \"a\": [1, 2\"; line: 2, column: 8])"
        ), "{}", e.message);
    }

    #[test]
    fn long_sources_are_truncated_as_jackson_does() {
        let text = format!("{{\"a\": \"{}\" x", "b".repeat(600));
        let e = err(&text);
        assert!(e.location.contains("[truncated 110 chars]; line: 1, column: 611]"), "{}", e.location);
    }

    #[test]
    fn records_duplicate_keys_with_their_object() {
        let s = scan(r#"{"States": {"A": {"Type": "Pass"}, "A": {}, "B": {"x": 1, "x": 2}}, "L": [{"a/b": 1, "a/b": 2}]}"#)
            .unwrap();
        assert_eq!(
            s.duplicates,
            vec![
                DuplicateKey { object: "/States".into(), key: "A".into() },
                DuplicateKey { object: "/States/B".into(), key: "x".into() },
                DuplicateKey { object: "/L[0]".into(), key: "a/b".into() },
            ]
        );
    }

    #[test]
    fn stops_after_the_first_value_and_survives_deep_nesting() {
        let s = scan("{\"a\": 1} trailing").unwrap();
        assert_eq!(s.end, 8);
        let deep = "[".repeat(100_000);
        assert!(scan(&deep).is_err());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(scan(&deep).is_ok());
    }
}
