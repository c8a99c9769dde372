//! AWS's warnings (severity WARNING: they never make a definition invalid): `NO_DOLLAR`, a
//! template field without `.$` whose value looks like a path or an intrinsic call; `NO_PATH`,
//! a plain field whose value looks like a path where a `...Path` field exists; and
//! `PASS_RESULT_IS_STATIC`, a Pass state `Result` with `.$` fields, which are never evaluated.

use super::Parser;
use crate::diagnostic::Code;
use serde_json::Value;
use statecraft_expr::Call;

/// `$`, `$.a`, `$[0]`, `$$`, `$$.Execution.Id`: text that reads as a JSONPath.
fn looks_like_path(s: &str) -> bool {
    matches!(s, "$" | "$$") || ["$.", "$[", "$$.", "$$["].iter().any(|p| s.starts_with(p))
}

fn looks_like_call(s: &str) -> bool {
    Call::looks_like_call(s) && s.contains('(') && Call::parse(s).is_ok()
}

fn has_dollar_key(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| k.ends_with(".$") || has_dollar_key(v)),
        Value::Array(a) => a.iter().any(has_dollar_key),
        _ => false,
    }
}

impl Parser<'_> {
    /// `NO_DOLLAR` for every field of the template at `location` that looks dynamic but is
    /// not, reported at the object that holds it.
    pub(crate) fn no_dollar(&mut self, v: &Value, location: &str) {
        let mut stack = vec![(v, location.to_string())];
        while let Some((v, at)) = stack.pop() {
            match v {
                Value::Object(m) => {
                    for (k, child) in m {
                        let child_at = super::ptr(&at, k);
                        match child {
                            Value::String(s)
                                if !k.ends_with(".$") && (looks_like_path(s) || looks_like_call(s)) =>
                            {
                                self.error(
                                    Code::NoDollar,
                                    at.clone(),
                                    format!("The value of the field '{k}' looks like a JSONPath or an intrinsic function call, but the field name does not end with '.$'"),
                                );
                            }
                            Value::Object(_) | Value::Array(_) if !k.ends_with(".$") => {
                                stack.push((child, child_at))
                            }
                            _ => {}
                        }
                    }
                }
                Value::Array(a) => {
                    for (i, child) in a.iter().enumerate() {
                        stack.push((child, super::idx(&at, i)));
                    }
                }
                _ => {}
            }
        }
    }

    /// `NO_PATH` for a plain string field whose value looks like a path.
    pub(crate) fn no_path(&mut self, s: &str, location: &str, key: &str) {
        if looks_like_path(s) {
            self.error(
                Code::NoPath,
                location,
                format!("The value of the field '{key}' looks like a JSONPath, but the field name does not end with 'Path'"),
            );
        }
    }

    /// `PASS_RESULT_IS_STATIC` for a Pass `Result` with `.$` fields.
    pub(crate) fn pass_result_is_static(&mut self, result: &Value, location: &str) {
        if has_dollar_key(result) {
            self.error(
                Code::PassResultIsStatic,
                location,
                "The 'Result' of a Pass state is static: its fields ending with '.$' are not evaluated (use 'Parameters')",
            );
        }
    }
}
