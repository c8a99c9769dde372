//! Where a JSON pointer (`/States/Check/Choices/0/Next`, as validation diagnostics and graph
//! nodes name places in a definition) is in the definition's text: line and column, so the
//! console can mark the line a diagnostic is about and scroll to a state clicked on the graph.
//!
//! A small scanner of its own, because the parsed value has no positions. It never panics:
//! text that is not JSON yields the places found before the first error, and nesting deeper
//! than [`MAX_DEPTH`] is not descended into.

use std::collections::HashMap;

/// Deeper containers are skipped (ASL's own limits are far lower).
pub const MAX_DEPTH: usize = 256;

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The position of every member and element of `text`, by JSON pointer: a member is placed
/// at its key, an element at its value, the root at its first character.
pub fn positions(text: &str) -> HashMap<String, Position> {
    let mut s = Scanner { b: text.as_bytes(), text, i: 0, out: HashMap::new(), seen: (0, 1, 1) };
    s.ws();
    let root = s.pos();
    s.out.insert(String::new(), root);
    let _ = s.value("", 0);
    s.out
}

/// Escapes one reference token of a JSON pointer.
pub fn escape_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

struct Scanner<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    out: HashMap<String, Position>,
    /// Where `pos` last counted to: byte offset, line, column (positions only move forward,
    /// so counting is linear overall).
    seen: (usize, usize, usize),
}

impl Scanner<'_> {
    fn pos(&mut self) -> Position {
        let (from, mut line, mut column) = self.seen;
        let to = self.i.max(from);
        for c in self.text.get(from..to).unwrap_or_default().chars() {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        self.seen = (to, line, column);
        Position { line, column }
    }

    fn ws(&mut self) {
        while self.b.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Scans one value; `None` when the text stops being JSON.
    fn value(&mut self, pointer: &str, depth: usize) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'{' if depth < MAX_DEPTH => self.object(pointer, depth),
            b'[' if depth < MAX_DEPTH => self.array(pointer, depth),
            b'{' | b'[' => self.skip_container(),
            b'"' => self.string().map(|_| ()),
            _ => {
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
                {
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }

    fn object(&mut self, pointer: &str, depth: usize) -> Option<()> {
        self.i += 1;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            let at = self.pos();
            let key = self.string()?;
            let child = format!("{pointer}/{}", escape_token(&key));
            self.out.entry(child.clone()).or_insert(at);
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.value(&child, depth + 1)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, pointer: &str, depth: usize) -> Option<()> {
        self.i += 1;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        let mut n = 0usize;
        loop {
            self.ws();
            let child = format!("{pointer}/{n}");
            let at = self.pos();
            self.out.entry(child.clone()).or_insert(at);
            self.value(&child, depth + 1)?;
            n += 1;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A string literal, decoded.
    fn string(&mut self) -> Option<String> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i;
        self.i += 1;
        loop {
            match self.peek()? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    break;
                }
                _ => self.i += 1,
            }
        }
        let raw = self.text.get(start..self.i)?;
        serde_json::from_str(raw).ok()
    }

    /// Skips a container too deep to index, minding strings.
    fn skip_container(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.i += 1;
                        return Some(());
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_placed_at_their_keys() {
        let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"End\": true},\n    \"a/b~c\": {\n      \"Choices\": [ {\"Next\": \"A\"}, 1 ]\n    }\n  }\n}";
        let p = positions(text);
        assert_eq!(p[""], Position { line: 1, column: 1 });
        assert_eq!(p["/StartAt"], Position { line: 2, column: 3 });
        assert_eq!(p["/States/A"], Position { line: 4, column: 5 });
        assert_eq!(p["/States/A/End"], Position { line: 4, column: 27 });
        assert_eq!(p["/States/a~1b~0c"], Position { line: 5, column: 5 });
        assert_eq!(p["/States/a~1b~0c/Choices/0"], Position { line: 6, column: 20 });
        assert_eq!(p["/States/a~1b~0c/Choices/0/Next"], Position { line: 6, column: 21 });
        assert_eq!(p["/States/a~1b~0c/Choices/1"], Position { line: 6, column: 35 });
    }

    #[test]
    fn escaped_keys_and_unicode_columns() {
        let p = positions("{\"é\": {\"q\\\"x\": 1}}");
        assert_eq!(p["/é/q\"x"], Position { line: 1, column: 8 });
    }

    #[test]
    fn broken_or_hostile_text_never_panics() {
        for text in ["", "{", "{\"a\"", "{\"a\":", "[1,", "\"\\", "{\"a\": [}", "}}}", "nul", "{\"x\":\"\\u"]
        {
            let _ = positions(text);
        }
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let p = positions(&deep);
        assert!(p.len() <= MAX_DEPTH + 2);
        let p = positions("{\"A\": 1, \"B\": ");
        assert!(p.contains_key("/A") && p.contains_key("/B"));
    }
}
