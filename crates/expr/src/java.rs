//! How AWS's Java runtime renders JSON values as text: Jackson's compact serializer (used by
//! `States.JsonToString` and for the input quoted in error causes), Java's `Double.toString`
//! (so `1.0` stays `1.0` and `1e20` becomes `1.0E20`), and `Object.toString()` of the
//! `Map`/`List` a JSON value converts to (used by `States.Format`: `{Arg1=1, Arg2=[]}`).
//!
//! This module only formats; it never parses.

use serde_json::{Number, Value};
use std::fmt::Write as _;

/// Appends `f` as Java's `Double.toString(f)` would print it.
pub(crate) fn write_double(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f < 0.0 { "-Infinity" } else { "Infinity" });
        return;
    }
    if f.is_sign_negative() {
        out.push('-');
    }
    let a = f.abs();
    if a == 0.0 {
        out.push_str("0.0");
        return;
    }
    // Shortest round-trip digits, as `d.ddde±x`.
    let sci = format!("{a:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let n = digits.len() as i32;
    if (1e-3..1e7).contains(&a) {
        let point = exp + 1; // number of digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..-point {
                out.push('0');
            }
            out.push_str(digits);
        } else if point >= n {
            out.push_str(digits);
            for _ in 0..point - n {
                out.push('0');
            }
            out.push_str(".0");
        } else {
            let (int, frac) = digits.split_at(point as usize);
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('E');
        let _ = write!(out, "{exp}");
    }
}

/// Appends a JSON number the way Java prints the boxed number Jackson produced for it.
pub(crate) fn write_number(n: &Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else {
        write_double(n.as_f64().unwrap_or(f64::NAN), out);
    }
}

/// Compact JSON text as Jackson writes it.
pub(crate) fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

/// Appends compact JSON text as Jackson writes it (doubles via `Double.toString`, control
/// characters as `\u00XX` with upper-case hex, `/` and non-ASCII left alone).
pub(crate) fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_json_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let b = c as u32 as usize;
                out.push_str("\\u00");
                out.push(HEX[b >> 4] as char);
                out.push(HEX[b & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `String.valueOf(x)` of the Java object a JSON value converts to: strings unquoted, maps as
/// `{k=v, k2=v2}`, lists as `[a, b]`.
pub(crate) fn to_java_string(v: &Value) -> String {
    let mut out = String::new();
    write_java_string(v, &mut out);
    out
}

/// Appends `String.valueOf(x)`; see [`to_java_string`].
pub(crate) fn write_java_string(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_java_string(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push('=');
                write_java_string(item, out);
            }
            out.push('}');
        }
    }
}

/// Length of a string in UTF-16 code units, as Java's `String.length()` counts it.
pub(crate) fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(f: f64) -> String {
        let mut s = String::new();
        write_double(f, &mut s);
        s
    }

    #[test]
    fn doubles_print_like_java() {
        assert_eq!(d(1.0), "1.0");
        assert_eq!(d(0.1), "0.1");
        assert_eq!(d(1.1), "1.1");
        assert_eq!(d(-2.5), "-2.5");
        assert_eq!(d(100.0), "100.0");
        assert_eq!(d(1234567.0), "1234567.0");
        assert_eq!(d(12345678.0), "1.2345678E7");
        assert_eq!(d(1e7), "1.0E7");
        assert_eq!(d(1e20), "1.0E20");
        assert_eq!(d(0.001), "0.001");
        assert_eq!(d(0.0001), "1.0E-4");
        assert_eq!(d(1.5e-5), "1.5E-5");
        assert_eq!(d(0.0), "0.0");
        assert_eq!(d(-0.0), "-0.0");
        assert_eq!(d(123.456), "123.456");
        assert_eq!(d(f64::MAX), "1.7976931348623157E308");
    }

    #[test]
    fn jackson_json() {
        let v = json!({"a": 1, "b": [1.0, "x\u{1}\n\"/é"], "c": null, "d": 1e20});
        assert_eq!(to_json(&v), r#"{"a":1,"b":[1.0,"x\u0001\n\"/é"],"c":null,"d":1.0E20}"#);
    }

    #[test]
    fn java_to_string() {
        let v = json!({"Arg1": 1, "Arg2": [], "s": "x y", "n": null, "f": 1.5, "l": [1, [true]]});
        assert_eq!(to_java_string(&v), "{Arg1=1, Arg2=[], s=x y, n=null, f=1.5, l=[1, [true]]}");
    }
}
