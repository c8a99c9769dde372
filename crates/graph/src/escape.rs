//! Escaping of arbitrary text (state names may hold any character but control characters,
//! and JSONata conditions anything at all) for each output format.

/// Text for XML content and attribute values. Characters XML 1.0 cannot hold at all (control
/// characters but tab and newlines, U+FFFE, U+FFFF) become U+FFFD.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The inside of a DOT double-quoted string: quotes and backslashes escaped (so Graphviz's
/// `\N`, `\l`... escapes cannot be triggered), line breaks as `\n`, other control characters
/// replaced.
pub fn dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The inside of a Mermaid double-quoted label. Mermaid has no backslash escapes: characters
/// that would end the string, start an entity, be read as HTML or start a Markdown string
/// are written as Mermaid entity codes (`#quot;`, `#35;`...). Line breaks become spaces.
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Undoes [`mermaid`] (for tests and tools that read the output back).
pub fn unmermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let entity = tail.find(';').map(|j| &tail[1..j]);
        let decoded = match entity {
            Some("quot") => Some('"'),
            Some("lt") => Some('<'),
            Some("gt") => Some('>'),
            Some("amp") => Some('&'),
            Some(num) => num.parse::<u32>().ok().and_then(char::from_u32),
            None => None,
        };
        match (decoded, entity) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &tail[e.len() + 2..];
            }
            _ => {
                out.push('#');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_each_format() {
        let name = "a \"b\" <c> & #d `e` |f| \\N";
        assert_eq!(xml(name), "a &quot;b&quot; &lt;c&gt; &amp; #d `e` |f| \\N");
        assert_eq!(dot(name), "a \\\"b\\\" <c> & #d `e` |f| \\\\N");
        assert_eq!(unmermaid(&mermaid(name)), name);
        assert!(!mermaid(name).contains('"'));
        assert_eq!(xml("x\u{1}y"), "x\u{FFFD}y");
    }
}
