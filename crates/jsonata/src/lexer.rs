//! Tokenizer for JSONata source text. Produces one token at a time; whether `/` starts a regex
//! literal depends on the previous token (after an operand it is division).

use crate::Error;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An operator or punctuation symbol (`.`, `:=`, `and`, ...).
    Op(&'static str),
    Name(String),
    Var(String),
    Str(String),
    Num(f64),
    Value(Lit),
    Regex {
        pattern: String,
        flags: String,
    },
    End,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Lit {
    True,
    False,
    Null,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    /// Character offset just after the token (upstream reports positions this way).
    pub(crate) pos: usize,
}

const OPS2: [&str; 10] = ["..", ":=", "!=", "<=", ">=", "**", "~>", "?:", "??", "||"];
const OPS1: &str = ".[]{}(),@#;:?+-*/%|=<>^&!~";

pub(crate) struct Lexer<'s> {
    chars: Vec<char>,
    pos: usize,
    _src: &'s str,
}

impl<'s> Lexer<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Lexer { chars: src.chars().collect(), pos: 0, _src: src }
    }

    fn err(&self, code: &str, msg: &str, pos: usize) -> Error {
        Error::new(code, msg).at(pos)
    }

    pub(crate) fn next(&mut self, regex_ok: bool) -> Result<Token, Error> {
        let c = &self.chars;
        // whitespace and comments
        loop {
            while self.pos < c.len() && c[self.pos].is_whitespace() {
                self.pos += 1;
            }
            if self.pos + 1 < c.len() && c[self.pos] == '/' && c[self.pos + 1] == '*' {
                let start = self.pos;
                self.pos += 2;
                loop {
                    if self.pos + 1 >= c.len() {
                        return Err(self.err("S0106", "Comment has no closing tag", start));
                    }
                    if c[self.pos] == '*' && c[self.pos + 1] == '/' {
                        self.pos += 2;
                        break;
                    }
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        if self.pos >= c.len() {
            return Ok(Token { tok: Tok::End, pos: self.pos });
        }
        let ch = c[self.pos];
        if regex_ok && ch == '/' {
            self.pos += 1;
            return self.regex();
        }
        if self.pos + 1 < c.len() {
            let two: String = [ch, c[self.pos + 1]].iter().collect();
            if let Some(op) = OPS2.iter().find(|o| **o == two) {
                if *op != "||" {
                    self.pos += 2;
                    return Ok(Token { tok: Tok::Op(op), pos: self.pos });
                }
            }
        }
        if ch == '!' || ch == '~' {
            return Err(Error::new("S0204", format!("Unknown operator: {ch}"))
                .at(self.pos + 1)
                .tok(ch.to_string()));
        }
        if let Some(i) = OPS1.find(ch) {
            self.pos += 1;
            let op = &OPS1[i..i + ch.len_utf8()];
            let op: &'static str = OP_TABLE.iter().find(|o| **o == op).copied().unwrap_or(".");
            return Ok(Token { tok: Tok::Op(op), pos: self.pos });
        }
        if ch == '"' || ch == '\'' {
            self.pos += 1;
            return self.string(ch);
        }
        if ch.is_ascii_digit() {
            return self.number();
        }
        if ch == '`' {
            let start = self.pos;
            self.pos += 1;
            let mut s = String::new();
            loop {
                if self.pos >= c.len() {
                    return Err(self.err(
                        "S0105",
                        "Quoted property name must be terminated with a backquote (`)",
                        start,
                    ));
                }
                if c[self.pos] == '`' {
                    self.pos += 1;
                    return Ok(Token { tok: Tok::Name(s), pos: self.pos });
                }
                s.push(c[self.pos]);
                self.pos += 1;
            }
        }
        // names and variables
        let var = ch == '$';
        if var {
            self.pos += 1;
        }
        let start = self.pos;
        if var && self.pos < c.len() && c[self.pos] == '$' {
            self.pos += 1;
        } else {
            while self.pos < c.len() && !c[self.pos].is_whitespace() && !OPS1.contains(c[self.pos]) {
                self.pos += 1;
            }
        }
        let name: String = c[start..self.pos].iter().collect();
        if var {
            return Ok(Token { tok: Tok::Var(name), pos: self.pos });
        }
        let tok = match name.as_str() {
            "and" => Tok::Op("and"),
            "or" => Tok::Op("or"),
            "in" => Tok::Op("in"),
            "true" => Tok::Value(Lit::True),
            "false" => Tok::Value(Lit::False),
            "null" => Tok::Value(Lit::Null),
            _ => Tok::Name(name),
        };
        Ok(Token { tok, pos: self.pos })
    }

    fn regex(&mut self) -> Result<Token, Error> {
        let c = &self.chars;
        let start = self.pos;
        let mut depth = 0i32; // inside [...]
        let mut pattern = String::new();
        loop {
            if self.pos >= c.len() {
                return Err(self.err("S0302", "No terminating / in regular expression", start));
            }
            let ch = c[self.pos];
            if ch == '/' && depth == 0 {
                break;
            }
            if ch == '\\' && self.pos + 1 < c.len() {
                pattern.push(ch);
                pattern.push(c[self.pos + 1]);
                self.pos += 2;
                continue;
            }
            if ch == '[' {
                depth = 1;
            } else if ch == ']' {
                depth = 0;
            }
            pattern.push(ch);
            self.pos += 1;
        }
        if pattern.is_empty() {
            return Err(self.err("S0301", "Empty regular expressions are not allowed", self.pos));
        }
        self.pos += 1;
        let mut flags = String::new();
        while self.pos < c.len() && matches!(c[self.pos], 'i' | 'm') {
            flags.push(c[self.pos]);
            self.pos += 1;
        }
        Ok(Token { tok: Tok::Regex { pattern, flags }, pos: self.pos })
    }

    fn string(&mut self, quote: char) -> Result<Token, Error> {
        let c = &self.chars;
        let start = self.pos;
        let mut s = String::new();
        while self.pos < c.len() {
            let ch = c[self.pos];
            if ch == '\\' {
                self.pos += 1;
                let Some(&e) = c.get(self.pos) else { break };
                match e {
                    '"' | '\\' | '/' | '\'' => s.push(e),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'u' => {
                        let code = self.hex4(self.pos + 1).ok_or_else(|| {
                            self.err(
                                "S0104",
                                "The escape sequence \\u must be followed by 4 hex digits",
                                self.pos,
                            )
                        })?;
                        self.pos += 4;
                        if (0xD800..0xDC00).contains(&code)
                            && c.get(self.pos + 1) == Some(&'\\')
                            && c.get(self.pos + 2) == Some(&'u')
                        {
                            if let Some(lo) = self.hex4(self.pos + 3) {
                                if (0xDC00..0xE000).contains(&lo) {
                                    let cp = 0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00);
                                    s.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                                    self.pos += 6;
                                    self.pos += 1;
                                    continue;
                                }
                            }
                        }
                        s.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    other => {
                        return Err(Error::new("S0103", format!("Unsupported escape sequence: \\{other}"))
                            .at(self.pos)
                            .tok(other.to_string()));
                    }
                }
                self.pos += 1;
            } else if ch == quote {
                self.pos += 1;
                return Ok(Token { tok: Tok::Str(s), pos: self.pos });
            } else {
                s.push(ch);
                self.pos += 1;
            }
        }
        Err(self.err("S0101", "String literal must be terminated by a matching quote", start))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        if at + 4 > self.chars.len() {
            return None;
        }
        let s: String = self.chars[at..at + 4].iter().collect();
        if !s.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(&s, 16).ok()
    }

    fn number(&mut self) -> Result<Token, Error> {
        let c = &self.chars;
        let start = self.pos;
        let digits = |p: &mut usize| {
            let s = *p;
            while *p < c.len() && c[*p].is_ascii_digit() {
                *p += 1;
            }
            *p > s
        };
        let mut p = self.pos;
        if c[p] == '0' {
            p += 1;
        } else {
            digits(&mut p);
        }
        if p + 1 < c.len() && c[p] == '.' && c[p + 1].is_ascii_digit() {
            p += 1;
            digits(&mut p);
        }
        if p < c.len() && (c[p] == 'e' || c[p] == 'E') {
            let mut q = p + 1;
            if q < c.len() && (c[q] == '+' || c[q] == '-') {
                q += 1;
            }
            if digits(&mut q) {
                p = q;
            }
        }
        let text: String = c[start..p].iter().collect();
        self.pos = p;
        let n: f64 = text.parse().unwrap_or(f64::NAN);
        if !n.is_finite() {
            return Err(Error::new("S0102", format!("Number out of range: {text}")).at(self.pos).tok(text));
        }
        Ok(Token { tok: Tok::Num(n), pos: self.pos })
    }
}

const OP_TABLE: [&str; 26] = [
    ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<",
    ">", "^", "&", "!", "~",
];
