//! The JSONPath parser: Jayway's `PathCompiler` grammar (dot and bracket notation, `..`, `*`,
//! indexes, unions, slices, `[?(...)]` filters, `length()`), with AWS's roots in front of it
//! (`$`, `$$`, `$name`). Quirks are Jayway's on purpose, e.g. a quoted bracket property keeps its
//! backslashes (`$['a\'b']` names the key `a\'b`), and a slice step (`[1:5:2]`) is ignored.

use super::filter;
use super::{Root, Slice, Token};

/// Deepest filter nesting accepted; keeps adversarial input from exhausting the stack.
pub(crate) const MAX_DEPTH: usize = 32;
/// Most tokens in one path; evaluation recurses once per token.
const MAX_TOKENS: usize = 512;

/// Parses a whole path with an AWS root. Returns the root and the tokens.
pub(crate) fn parse_path(src: &str) -> Result<(Root, Vec<Token>), String> {
    let s = src.trim();
    let (root, rest) = if let Some(rest) = s.strip_prefix("$$") {
        (Root::Context, rest)
    } else if let Some(rest) = s.strip_prefix('$') {
        match rest.chars().next() {
            None | Some('.') | Some('[') => (Root::Input, rest),
            Some(_) => {
                let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
                if end == 0 {
                    return Err(format!(
                        "Illegal character at position 1 in path '{s}': expected '.' or '['"
                    ));
                }
                (Root::Variable(rest[..end].to_string()), &rest[end..])
            }
        }
    } else {
        return Err(format!("Path must start with '$': '{s}'"));
    };
    let tokens = parse_tokens(rest, 0)?;
    Ok((root, tokens))
}

/// Parses the part of a path after its root (`.a[0]...`). `depth` counts enclosing filters.
pub(crate) fn parse_tokens(rest: &str, depth: usize) -> Result<Vec<Token>, String> {
    if depth > MAX_DEPTH {
        return Err("Path nesting is too deep".to_string());
    }
    let mut p = Parser { s: rest, pos: 0, depth, tokens: Vec::new() };
    p.run()?;
    Ok(p.tokens)
}

struct Parser<'s> {
    s: &'s str,
    pos: usize,
    depth: usize,
    tokens: Vec<Token>,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl<'s> Parser<'s> {
    fn cur(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i..).and_then(|t| t.chars().next())
    }

    /// Position of the next non-whitespace character at or after `i`.
    fn significant(&self, i: usize) -> Option<(usize, char)> {
        self.s.get(i..)?.char_indices().find(|&(_, c)| !is_ws(c)).map(|(j, c)| (i + j, c))
    }

    fn run(&mut self) -> Result<(), String> {
        while let Some(c) = self.cur() {
            if self.tokens.len() >= MAX_TOKENS {
                return Err(format!("A path may not have more than {MAX_TOKENS} elements"));
            }
            match c {
                '[' => self.bracket()?,
                '.' => self.dot()?,
                _ => {
                    return Err(format!(
                        "Illegal character '{c}' at position {}: expected '.' or '['",
                        self.pos
                    ))
                }
            }
            if matches!(self.tokens.last(), Some(Token::Length)) && self.pos < self.s.len() {
                return Err("A function must be the last element of a path".to_string());
            }
        }
        if matches!(self.tokens.last(), Some(Token::Scan)) {
            return Err("Path must not end with a '.' or '..'".to_string());
        }
        Ok(())
    }

    fn dot(&mut self) -> Result<(), String> {
        if self.at(self.pos + 1) == Some('.') {
            self.tokens.push(Token::Scan);
            self.pos += 2;
        } else {
            self.pos += 1;
        }
        match self.cur() {
            None => Err("Path must not end with a '.' or '..'".to_string()),
            Some('.') => Err(format!("Character '.' on position {} is not valid", self.pos)),
            Some('[') => self.bracket(),
            Some('*') => {
                self.pos += 1;
                self.tokens.push(Token::Wildcard);
                Ok(())
            }
            Some(' ') => Err(format!("Could not parse token starting at position {}", self.pos)),
            Some(_) => self.property_or_function(),
        }
    }

    fn property_or_function(&mut self) -> Result<(), String> {
        let start = self.pos;
        let rest = &self.s[start..];
        let end = rest.find(['.', '[', '(', ' ']).map_or(self.s.len(), |i| start + i);
        let name = &self.s[start..end];
        match self.at(end) {
            Some(' ') => Err(format!(
                "Use bracket notion ['my prop'] if your property contains blank characters. position: {end}"
            )),
            Some('(') => {
                let (close, _) = self
                    .significant(end + 1)
                    .filter(|&(_, c)| c == ')')
                    .ok_or_else(|| format!("Arguments to function: '{name}' are not supported"))?;
                if name != "length" {
                    return Err(format!("Function with name: {name} is not supported"));
                }
                self.tokens.push(Token::Length);
                self.pos = close + 1;
                Ok(())
            }
            _ => {
                self.tokens.push(Token::Property { names: vec![name.to_string()], quote: '\'' });
                self.pos = end;
                Ok(())
            }
        }
    }

    fn bracket(&mut self) -> Result<(), String> {
        let open = self.pos;
        let Some((i, c)) = self.significant(open + 1) else {
            return Err(format!("Could not parse token starting at position {open}"));
        };
        match c {
            '\'' | '"' => self.bracket_property(c),
            '*' => {
                match self.significant(i + 1) {
                    Some((j, ']')) => self.pos = j + 1,
                    _ => {
                        return Err(format!("Expected wildcard token to end with ']' on position {}", i + 1))
                    }
                }
                self.tokens.push(Token::Wildcard);
                Ok(())
            }
            '?' => self.filter(i),
            c if c.is_ascii_digit() || c == '-' || c == ':' => self.array(open),
            _ => Err(format!("Could not parse token starting at position {open}. Expected ?, ', 0-9, * ")),
        }
    }

    fn bracket_property(&mut self, delim: char) -> Result<(), String> {
        let mut props = Vec::new();
        let mut in_escape = false;
        let mut in_property = false;
        let mut last_comma = false;
        let mut start = 0;
        let mut end = None;
        let mut last_close = self.pos;
        for (j, c) in self.s[self.pos + 1..].char_indices() {
            let j = self.pos + 1 + j;
            if in_escape {
                in_escape = false;
            } else if c == '\\' {
                in_escape = true;
            } else if c == ']' && !in_property {
                if last_comma {
                    return Err(format!("Found empty property at index {j}"));
                }
                end = Some(j);
                break;
            } else if c == delim {
                if in_property {
                    match self.significant(j + 1) {
                        Some((_, ']')) | Some((_, ',')) => {}
                        _ => {
                            return Err(format!(
                                "Property must be separated by comma or Property must be terminated close square bracket at index {j}"
                            ))
                        }
                    }
                    props.push(self.s[start..j].to_string());
                    in_property = false;
                    last_close = j;
                } else {
                    start = j + c.len_utf8();
                    in_property = true;
                    last_comma = false;
                }
            } else if c == ',' && !in_property {
                if last_comma {
                    return Err(format!("Found empty property at index {j}"));
                }
                last_comma = true;
            }
        }
        if in_property {
            return Err(format!("Property has not been closed - missing closing {delim}"));
        }
        let Some(end) = end else {
            return Err("Property has not been closed - missing closing ]".to_string());
        };
        if props.is_empty() {
            return Err(format!("Could not parse token starting at position {last_close}"));
        }
        self.pos = end + 1;
        self.tokens.push(Token::Property { names: props, quote: delim });
        Ok(())
    }

    fn array(&mut self, open: usize) -> Result<(), String> {
        let close =
            self.s[open..].find(']').map(|i| open + i).ok_or("Expected ']' to close an array index")?;
        let expr = self.s[open + 1..close].trim();
        if !expr.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '-' | ':' | ' ')) {
            return Err(format!("Could not parse token starting at position {open}. Expected ?, ', 0-9, * "));
        }
        let token = if expr.contains(':') { Token::Slice(parse_slice(expr)?) } else { parse_indexes(expr)? };
        self.tokens.push(token);
        self.pos = close + 1;
        Ok(())
    }

    fn filter(&mut self, question: usize) -> Result<(), String> {
        let open = match self.significant(question + 1) {
            Some((i, '(')) => i,
            _ => return Err(format!("Could not parse token starting at position {}", self.pos)),
        };
        let close = closing_paren(self.s, open).ok_or("Could not find the end of a filter expression")?;
        let end = match self.significant(close + 1) {
            Some((i, ']')) => i,
            _ => return Err(format!("Could not parse token starting at position {}", self.pos)),
        };
        let expr = filter::parse(&self.s[open..=close], self.depth + 1)
            .map_err(|e| format!("Could not compile inline filter : [?{}]: {e}", &self.s[open..=close]))?;
        self.tokens.push(Token::Filter(Box::new(expr)));
        self.pos = end + 1;
        Ok(())
    }
}

/// Index of the `)` that closes the `(` at `open`, skipping quoted strings and `/regex/`.
pub(crate) fn closing_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = s[open..].char_indices().map(|(i, c)| (open + i, c));
    while let Some((i, c)) = chars.next() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            '\'' | '"' | '/' => {
                let mut escaped = false;
                loop {
                    let (_, d) = chars.next()?;
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Java's `Integer.parseInt`: optional sign, decimal digits, 32-bit range.
fn parse_int(s: &str) -> Result<i32, String> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("For input string: \"{s}\""));
    }
    s.parse::<i32>().map_err(|_| format!("For input string: \"{s}\""))
}

fn parse_indexes(expr: &str) -> Result<Token, String> {
    let mut indexes = Vec::new();
    for part in expr.split(',') {
        let part = part.trim_matches(is_ws);
        indexes
            .push(parse_int(part).map_err(|e| format!("Failed to parse ArrayIndexOperation: {expr}: {e}"))?);
    }
    Ok(Token::Index(indexes))
}

fn parse_slice(expr: &str) -> Result<Slice, String> {
    // Java's String.split(":") drops trailing empty strings.
    let mut parts: Vec<&str> = expr.split(':').collect();
    while parts.last() == Some(&"") {
        parts.pop();
    }
    let read = |i: usize| -> Result<Option<i32>, String> {
        match parts.get(i) {
            None | Some(&"") => Ok(None),
            Some(t) => {
                parse_int(t).map(Some).map_err(|e| format!("Failed to parse SliceOperation: {expr}: {e}"))
            }
        }
    };
    match (read(0)?, read(1)?) {
        (Some(from), None) => Ok(Slice::From(from)),
        (Some(from), Some(to)) => Ok(Slice::Between(from, to)),
        (None, Some(to)) => Ok(Slice::To(to)),
        (None, None) => Err(format!("Failed to parse SliceOperation: {expr}")),
    }
}
