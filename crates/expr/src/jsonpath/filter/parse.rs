//! The filter parser: Jayway's `FilterCompiler` grammar, with `||` binding looser than `&&`,
//! `!` negating, string literals in either quote with Java escapes, `/regex/flags`, and JSON
//! literals as lenient as json-smart's (single-quoted strings allowed).

use super::{Expr, FilterPath, Op, Operand, Pattern};
use crate::jsonpath::parse as path_parse;
use serde_json::{Number, Value};

/// Parses `(...)`, the parenthesised body of `[?(...)]`.
pub(crate) fn parse(src: &str, depth: usize) -> Result<Expr, String> {
    if depth > path_parse::MAX_DEPTH {
        return Err("Filter nesting is too deep".to_string());
    }
    let mut p = FilterParser { s: src, pos: 0, depth, nesting: 0 };
    let expr = p.or()?;
    p.skip_ws();
    if p.pos < src.len() {
        return Err(format!("Unexpected '{}' at position {}", &src[p.pos..], p.pos));
    }
    Ok(expr)
}

struct FilterParser<'s> {
    s: &'s str,
    pos: usize,
    depth: usize,
    nesting: usize,
}

impl FilterParser<'_> {
    fn skip_ws(&mut self) {
        let rest = &self.s[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn eat(&mut self, t: &str) -> bool {
        self.skip_ws();
        if self.s[self.pos..].starts_with(t) {
            self.pos += t.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.nesting += 1;
        if self.nesting > 4 * path_parse::MAX_DEPTH {
            return Err("Filter expression is nested too deeply".to_string());
        }
        self.skip_ws();
        let expr = if self.s[self.pos..].starts_with('!') && !self.s[self.pos..].starts_with("!=") {
            self.pos += 1;
            Expr::Not(Box::new(self.unary()?))
        } else if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err("Failed to parse filter. Brackets are not balanced.".to_string());
            }
            e
        } else {
            self.relation()?
        };
        self.nesting -= 1;
        Ok(expr)
    }

    fn relation(&mut self) -> Result<Expr, String> {
        let left = self.operand()?;
        self.skip_ws();
        match self.peek() {
            None | Some(')') | Some('&') | Some('|') => match left {
                Operand::Path(p) => Ok(Expr::Exists(p)),
                _ => Err("Expected a path in an existence check".to_string()),
            },
            Some(_) => {
                let op = self.operator()?;
                let right = self.operand()?;
                Ok(Expr::Compare(left, op, right))
            }
        }
    }

    fn operator(&mut self) -> Result<Op, String> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        let is_op_char = |c: char| matches!(c, '<' | '>' | '=' | '~' | '!');
        let len = if rest.starts_with(is_op_char) {
            rest.find(|c: char| !is_op_char(c)).unwrap_or(rest.len())
        } else {
            rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len())
        };
        let word = &rest[..len];
        self.pos += len;
        Ok(match word.to_ascii_lowercase().as_str() {
            "==" => Op::Eq,
            "!=" | "<>" => Op::Ne,
            "===" => Op::TypeSafeEq,
            "!==" => Op::TypeSafeNe,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "=~" => Op::Regex,
            "in" => Op::In,
            "nin" => Op::Nin,
            "subsetof" => Op::SubsetOf,
            "anyof" => Op::AnyOf,
            "noneof" => Op::NoneOf,
            "size" => Op::Size,
            "empty" => Op::Empty,
            "contains" => Op::Contains,
            _ => return Err(format!("Filter operator {word} is not supported!")),
        })
    }

    fn operand(&mut self) -> Result<Operand, String> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        let Some(c) = rest.chars().next() else {
            return Err("Expected a value".to_string());
        };
        match c {
            '@' | '$' => self.path(c == '@'),
            '\'' | '"' => {
                let end = find_unescaped(rest, 1, c).ok_or("String not closed")?;
                let s = unescape(&rest[1..end]);
                self.pos += end + 1;
                Ok(Operand::Value(Value::String(s)))
            }
            '/' => {
                let end = find_unescaped(rest, 1, '/').ok_or("Pattern not closed")?;
                let body = &rest[1..end];
                let flags_len =
                    rest[end + 1..].find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len() - end - 1);
                let flags = &rest[end + 1..end + 1 + flags_len];
                let mut inline = String::new();
                for f in flags.chars() {
                    match f {
                        'i' | 'm' | 's' | 'x' => inline.push(f),
                        'u' | 'U' | 'd' => {}
                        _ => return Err(format!("Unsupported regex flag {f}")),
                    }
                }
                let full = if inline.is_empty() {
                    format!("^(?:{body})$")
                } else {
                    format!("(?{inline})^(?:{body})$")
                };
                let re = regex_lite::Regex::new(&full).map_err(|e| e.to_string())?;
                self.pos += end + 1 + flags_len;
                Ok(Operand::Pattern(Pattern { src: rest[..end + 1 + flags_len].to_string(), re }))
            }
            '[' | '{' => {
                let (v, used) = lenient_json(rest, self.depth)?;
                self.pos += used;
                Ok(Operand::Value(v))
            }
            't' | 'f' | 'n' => {
                for (word, v) in
                    [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)]
                {
                    if rest.starts_with(word) {
                        self.pos += word.len();
                        return Ok(Operand::Value(v));
                    }
                }
                Err("Expected a literal".to_string())
            }
            _ => {
                let len = rest
                    .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
                    .unwrap_or(rest.len());
                let v =
                    parse_number(&rest[..len]).ok_or_else(|| format!("Invalid number '{}'", &rest[..len]))?;
                self.pos += len;
                Ok(Operand::Value(v))
            }
        }
    }

    fn path(&mut self, current: bool) -> Result<Operand, String> {
        let start = self.pos;
        let mut i = start + 1;
        let bytes = self.s.as_bytes();
        while i < self.s.len() {
            let c = bytes[i];
            if c == b'[' {
                i = closing_bracket(self.s, i).ok_or("Square brackets does not match in filter")? + 1;
                continue;
            }
            if c == b'(' && bytes.get(i + 1) == Some(&b')') {
                i += 2;
                continue;
            }
            if c.is_ascii_whitespace()
                || matches!(c, b'<' | b'>' | b'=' | b'~' | b'!' | b'&' | b'|' | b')' | b',')
            {
                break;
            }
            i += 1;
        }
        let tokens = path_parse::parse_tokens(&self.s[start + 1..i], self.depth)?;
        self.pos = i;
        let definite = crate::jsonpath::definite(&tokens);
        Ok(Operand::Path(FilterPath { current, tokens, definite }))
    }
}

/// Index of the `]` closing the `[` at `open`, skipping quoted strings.
fn closing_bracket(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = s[open..].char_indices().map(|(i, c)| (open + i, c));
    while let Some((i, c)) = chars.next() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            '\'' | '"' => {
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
            '(' => {
                let close = path_parse::closing_paren(s, i)?;
                for (j, _) in chars.by_ref() {
                    if j == close {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Byte index of the first `quote` at or after `from` not preceded by a backslash.
fn find_unescaped(s: &str, from: usize, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s[from..].char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(from + i);
        }
    }
    None
}

/// Jayway's `Utils.unescape`: Java string escapes, unknown ones keep the character.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            None => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
        }
    }
    out
}

/// Number literal as `BigDecimal` reads it; integers stay integers.
pub(super) fn parse_number(s: &str) -> Option<Value> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if body.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Value::from(i));
        }
    }
    let f: f64 = s.parse().ok()?;
    Number::from_f64(f).map(Value::Number)
}

/// A JSON array or object literal, leniently (single-quoted strings allowed, as json-smart does).
/// Returns the value and the bytes consumed.
fn lenient_json(s: &str, depth: usize) -> Result<(Value, usize), String> {
    let mut p = Lenient { s, pos: 0 };
    let v = p.value(depth)?;
    Ok((v, p.pos))
}

struct Lenient<'s> {
    s: &'s str,
    pos: usize,
}

impl Lenient<'_> {
    fn ws(&mut self) {
        let rest = &self.s[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > 4 * path_parse::MAX_DEPTH {
            return Err("JSON literal is nested too deeply".to_string());
        }
        self.ws();
        let rest = &self.s[self.pos..];
        match rest.chars().next() {
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s[self.pos..].starts_with(']') {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s[self.pos..].chars().next() {
                        Some(',') => self.pos += 1,
                        Some(']') => {
                            self.pos += 1;
                            return Ok(Value::Array(items));
                        }
                        _ => return Err("Invalid JSON array literal".to_string()),
                    }
                }
            }
            Some('{') => {
                self.pos += 1;
                let mut map = serde_json::Map::new();
                self.ws();
                if self.s[self.pos..].starts_with('}') {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                loop {
                    self.ws();
                    let Value::String(k) = self.value(depth + 1)? else {
                        return Err("Invalid JSON object key".to_string());
                    };
                    self.ws();
                    if !self.s[self.pos..].starts_with(':') {
                        return Err("Expected ':' in JSON object literal".to_string());
                    }
                    self.pos += 1;
                    let v = self.value(depth + 1)?;
                    map.insert(k, v);
                    self.ws();
                    match self.s[self.pos..].chars().next() {
                        Some(',') => self.pos += 1,
                        Some('}') => {
                            self.pos += 1;
                            return Ok(Value::Object(map));
                        }
                        _ => return Err("Invalid JSON object literal".to_string()),
                    }
                }
            }
            Some(q @ ('"' | '\'')) => {
                let end = find_unescaped(rest, 1, q).ok_or("String not closed")?;
                self.pos += end + 1;
                Ok(Value::String(unescape(&rest[1..end])))
            }
            Some(_) => {
                for (word, v) in
                    [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)]
                {
                    if rest.starts_with(word) {
                        self.pos += word.len();
                        return Ok(v);
                    }
                }
                let len = rest
                    .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')))
                    .unwrap_or(rest.len());
                let v = parse_number(&rest[..len]).ok_or("Invalid JSON literal")?;
                self.pos += len;
                Ok(v)
            }
            None => Err("Unexpected end of JSON literal".to_string()),
        }
    }
}
