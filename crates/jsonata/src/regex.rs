//! Regular expression literals (`/ab+c/i`) with JavaScript semantics as far as `fancy-regex`
//! allows (look-around and back-references included). Offsets are reported in characters.

use crate::Error;

#[derive(Debug)]
pub(crate) struct JsRegex {
    pub(crate) re: fancy_regex::Regex,
    pub(crate) source: String,
}

/// One match: byte offsets of the whole match and of each capture group.
pub(crate) struct Found {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) groups: Vec<Option<(usize, usize)>>,
}

impl JsRegex {
    pub(crate) fn new(pattern: &str, flags: &str) -> Result<JsRegex, Error> {
        let mut prefix = String::new();
        if flags.contains('i') || flags.contains('m') {
            prefix.push_str("(?");
            if flags.contains('i') {
                prefix.push('i');
            }
            if flags.contains('m') {
                prefix.push('m');
            }
            prefix.push(')');
        }
        let translated = translate(pattern);
        let re = fancy_regex::RegexBuilder::new(&format!("{prefix}{translated}"))
            .backtrack_limit(1_000_000)
            .build()
            .map_err(|e| Error::new("S0303", format!("Invalid regular expression: {e}")))?;
        Ok(JsRegex { re, source: pattern.to_string() })
    }

    pub(crate) fn find_at(&self, s: &str, at: usize) -> Result<Option<Found>, Error> {
        if at > s.len() {
            return Ok(None);
        }
        let caps = self
            .re
            .captures_from_pos(s, at)
            .map_err(|e| Error::new("D1012", format!("Regular expression evaluation failed: {e}")))?;
        Ok(caps.map(|c| {
            let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or((at, at));
            Found {
                start: m.0,
                end: m.1,
                groups: (1..c.len()).map(|i| c.get(i).map(|g| (g.start(), g.end()))).collect(),
            }
        }))
    }
}

/// Adjusts JavaScript-only syntax for the Rust engine.
fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            // JavaScript's \d and \w are ASCII-only (without the `u` flag).
            match n {
                'd' if !in_class => out.push_str("[0-9]"),
                'd' => out.push_str("0-9"),
                'D' if !in_class => out.push_str("[^0-9]"),
                'w' if !in_class => out.push_str("[A-Za-z0-9_]"),
                'w' => out.push_str("A-Za-z0-9_"),
                'W' if !in_class => out.push_str("[^A-Za-z0-9_]"),
                '/' => out.push('/'),
                _ => {
                    out.push(c);
                    out.push(n);
                }
            }
            i += 2;
            continue;
        }
        if c == '[' && !in_class {
            in_class = true;
            out.push(c);
            if chars.get(i + 1) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            if chars.get(i + 1) == Some(&']') {
                // `[]` matches nothing in JavaScript; `[^]` matches anything.
                out.push_str("\\s\\S");
            }
            i += 1;
            continue;
        }
        if c == '[' && in_class {
            out.push_str("\\[");
            i += 1;
            continue;
        }
        if c == ']' && in_class {
            in_class = false;
        }
        out.push(c);
        i += 1;
    }
    out
}
