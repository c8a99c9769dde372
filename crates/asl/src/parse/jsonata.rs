//! JSONata fields (`{% expression %}` strings): what AWS refuses before compiling them, and
//! AWS's codes for the rest. An expression that does not parse is `INVALID_JSONATA_EXPRESSION`
//! with the JSONata message without its code (`Unexpected end of expression`, not
//! `S0207: Unexpected end of expression`); `$$` and `$states.errorOutput` outside a catcher are
//! `UNSUPPORTED_JSONATA_EXPRESSION`. Both are located at the field, or at the object or array
//! that holds the string when the expression sits inside a template.

use super::{idx, ptr, Parser};
use crate::diagnostic::Code;
use crate::template::{expression_source, JsonataTemplate};
use serde_json::Value;

/// The location of the object or array holding the node at `pointer` (a JSON pointer relative
/// to `v`, as expr and the JSONata templates report them), in AWS's location form under `base`.
/// `base` itself when the pointer is empty.
pub(crate) fn holder(v: &Value, base: &str, pointer: &str) -> String {
    let tokens: Vec<String> =
        pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    let mut loc = base.to_string();
    let mut cur = Some(v);
    for t in tokens.iter().take(tokens.len().saturating_sub(1)) {
        match cur {
            Some(Value::Array(a)) if t.parse::<usize>().is_ok() => {
                let i = t.parse::<usize>().unwrap_or(0);
                loc = idx(&loc, i);
                cur = a.get(i);
            }
            Some(Value::Object(m)) => {
                loc = ptr(&loc, t);
                cur = m.get(t.as_str());
            }
            _ => {
                loc = ptr(&loc, t);
                cur = None;
            }
        }
    }
    loc
}

/// Every `{% %}` expression in `v`, with its JSON pointer relative to `v`.
fn expressions<'a>(v: &'a Value, pointer: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) => {
            if let Some(src) = expression_source(s) {
                out.push((pointer, src));
            }
        }
        Value::Object(m) => {
            for (k, child) in m {
                let token = k.replace('~', "~0").replace('/', "~1");
                expressions(child, format!("{pointer}/{token}"), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                expressions(child, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// What AWS refuses in an expression without evaluating it: the `$$` of JSONPath and, outside
/// a catcher's `Output` and `Assign`, `$states.errorOutput`. Reads the expression as JSONata
/// tokens, so the same text inside a string literal or a comment does not count.
fn unsupported(src: &str, in_catcher: bool) -> Option<&'static str> {
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' && q != b'`' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'$' if b.get(i + 1) == Some(&b'$') => return Some("Reference to '$$' is not supported."),
            b'$' => {
                let name_end = i
                    + 1
                    + b[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
                if &src[i + 1..name_end] == "states" && !in_catcher {
                    let rest = src[name_end..].trim_start();
                    if let Some(field) = rest.strip_prefix('.') {
                        let field = field.trim_start();
                        let word: String =
                            field.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                        if word == "errorOutput" {
                            return Some("Field '$states.errorOutput' does not exist.");
                        }
                    }
                }
                i = name_end;
            }
            _ => i += 1,
        }
    }
    None
}

/// `S0207: Unexpected end of expression` -> `Unexpected end of expression`.
fn without_code(message: &str) -> &str {
    match message.split_once(": ") {
        Some((code, rest))
            if code.len() == 5
                && code.starts_with(|c: char| c.is_ascii_uppercase())
                && code[1..].bytes().all(|c| c.is_ascii_digit()) =>
        {
            rest
        }
        _ => message,
    }
}

impl Parser<'_> {
    /// A JSONata template (any JSON value, with `{% %}` strings).
    pub(crate) fn jsonata(&mut self, v: &Value, location: &str) -> Option<JsonataTemplate> {
        let mut found = Vec::new();
        expressions(v, String::new(), &mut found);
        let mut refused = false;
        for (pointer, src) in found {
            if let Some(message) = unsupported(src, self.in_catcher) {
                self.error(Code::UnsupportedJsonataExpression, holder(v, location, &pointer), message);
                refused = true;
            }
        }
        if refused {
            return None;
        }
        match JsonataTemplate::compile(v) {
            Ok(t) => Some(t),
            Err(errors) => {
                for e in errors {
                    self.error(
                        Code::InvalidJsonataExpression,
                        holder(v, location, &e.pointer),
                        without_code(&e.message),
                    );
                }
                None
            }
        }
    }

    /// A JSONata expression field: only a `{% %}` string is accepted (`Items`, `Condition`).
    pub(crate) fn jsonata_expression(&mut self, v: &Value, location: &str) -> Option<JsonataTemplate> {
        if !super::fields::is_jsonata(v) {
            self.type_error(location, "JSONATA_EXPRESSION");
            return None;
        }
        self.jsonata(v, location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_what_aws_refuses_outside_literals() {
        assert_eq!(unsupported("$$", false), Some("Reference to '$$' is not supported."));
        assert_eq!(unsupported("$$.a + 1", false), Some("Reference to '$$' is not supported."));
        assert_eq!(unsupported("'$$' & \"$$\" /* $$ */", false), None);
        assert_eq!(
            unsupported("$states.errorOutput", false),
            Some("Field '$states.errorOutput' does not exist.")
        );
        assert_eq!(
            unsupported("$states . errorOutput.Cause", false),
            Some("Field '$states.errorOutput' does not exist.")
        );
        assert_eq!(unsupported("$states.errorOutput", true), None);
        assert_eq!(unsupported("$states.input.errorOutput", false), None);
        assert_eq!(unsupported("$statesX.errorOutput", false), None);
    }

    #[test]
    fn strips_the_jsonata_code() {
        assert_eq!(without_code("S0207: Unexpected end of expression"), "Unexpected end of expression");
        assert_eq!(without_code("Something: else"), "Something: else");
    }

    #[test]
    fn holder_locations_use_aws_form() {
        let v = json!({"a": [{"b": "x"}], "c/d": {"e": 1}});
        assert_eq!(holder(&v, "/States/S/Output", ""), "/States/S/Output");
        assert_eq!(holder(&v, "/States/S/Output", "/a/0/b"), "/States/S/Output/a[0]");
        assert_eq!(holder(&v, "/States/S/Output", "/c~1d/e"), "/States/S/Output/c/d");
    }
}
