//! Comparing an execution's outcome with its expectation, and describing the differences
//! for a person: one line per differing JSON path (`$.charge.receipt`), then both documents.

use super::spec::Expectation;
use serde_json::Value;
use statecraft_runtime::Outcome;
use std::fmt::Write;

/// At most this many differing paths are listed.
const MAX_PATHS: usize = 20;

/// `None` when the outcome meets the expectation, else the report of what differs.
pub(super) fn check(want: &Expectation, got: &Outcome) -> Option<String> {
    let mut report = String::new();
    let status = got.status.as_str();
    if want.status != status {
        let _ = writeln!(report, "status: expected {}, got {status}", want.status);
    }
    let as_value = |s: &Option<String>| s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()));
    for (key, expected, actual) in
        [("error", &want.error, as_value(&got.error)), ("cause", &want.cause, as_value(&got.cause))]
    {
        if let Some(expected) = expected {
            if *expected != actual {
                let _ = writeln!(report, "{key}: expected {expected}, got {actual}");
            }
        }
    }
    let mut output_shown = false;
    if let Some(expected) = &want.output {
        let actual = got.output.clone().unwrap_or(Value::Null);
        let mut lines = Vec::new();
        diff(expected, &actual, "$", &mut lines);
        if !lines.is_empty() {
            let _ = writeln!(report, "output differs:");
            let more = lines.len().saturating_sub(MAX_PATHS);
            for l in lines.iter().take(MAX_PATHS) {
                let _ = writeln!(report, "  {l}");
            }
            if more > 0 {
                let _ = writeln!(report, "  ... and {more} more");
            }
            let _ = writeln!(report, "expected output: {}", compact(expected));
            let _ = writeln!(report, "  actual output: {}", compact(&actual));
            output_shown = true;
        }
    }
    if report.is_empty() {
        return None;
    }
    // The rest of what the execution did, to see why.
    if let (false, Some(o)) = (output_shown, &got.output) {
        let _ = writeln!(report, "actual output: {}", compact(o));
    }
    if let (None, Some(e)) = (&want.error, &got.error) {
        let _ = writeln!(report, "actual error: {e}");
    }
    if let (None, Some(c)) = (&want.cause, &got.cause) {
        let _ = writeln!(report, "actual cause: {c}");
    }
    Some(report)
}

/// JSON equality where numbers compare by value (`1` equals `1.0`).
pub(super) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y
                || match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                    (Some(p), Some(q), _, _) => p == q,
                    (_, _, Some(p), Some(q)) => p == q,
                    _ => x.as_f64() == y.as_f64(),
                }
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn diff(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    if same(expected, actual) {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = child(path, k);
                match a.get(k) {
                    Some(av) => diff(ev, av, &p, out),
                    None => out.push(format!("- {p}: {} (missing)", compact(ev))),
                }
            }
            for (k, av) in a {
                if !e.contains_key(k) {
                    out.push(format!("+ {}: {} (unexpected)", child(path, k), compact(av)));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff(ev, av, &format!("{path}[{i}]"), out);
            }
        }
        _ => {
            out.push(format!("- {path}: {}", compact(expected)));
            out.push(format!("+ {path}: {}", compact(actual)));
        }
    }
}

/// `$.key`, or `$["odd key"]` when the key is not a plain identifier.
fn child(path: &str, key: &str) -> String {
    let plain = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", Value::String(key.to_string()))
    }
}

/// One-line JSON, cut when very long.
fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 400 {
        let cut: String = s.chars().take(399).collect();
        format!("{cut}…")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_differing_paths() {
        let mut out = Vec::new();
        diff(
            &json!({"a": 1, "b": {"c": [1, 2]}, "gone": true}),
            &json!({"a": 1.0, "b": {"c": [1, 3]}, "new": null}),
            "$",
            &mut out,
        );
        assert_eq!(
            out,
            vec!["- $.b.c[1]: 2", "+ $.b.c[1]: 3", "- $.gone: true (missing)", "+ $.new: null (unexpected)"]
        );
        assert!(same(&json!({"x": [1, 2.0]}), &json!({"x": [1.0, 2]})));
        assert_eq!(child("$", "a b"), "$[\"a b\"]");
    }
}
