//! `Retry` and `Catch`: retriers and catchers, their `ErrorEquals` lists (non-empty, no
//! unknown `States.*` name, `States.ALL` alone and only in the last rule), retry timing
//! fields with AWS's ranges, and catcher targets.

use super::{idx, ptr, Parser};
use crate::model::*;
use serde_json::{Map, Value};
use statecraft_expr::StatesError;
use std::collections::HashMap;

const RETRIER_FIELDS: &[&str] = &[
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
];

/// The largest `IntervalSeconds`/`MaxAttempts` AWS accepts.
const MAX_INT: u64 = 99_999_999;
/// `MaxDelaySeconds` is at most one year (366 days).
const MAX_DELAY_SECONDS: u64 = 31_622_400;

/// Whether `name` is one of AWS's predefined error names. `States.Http.Socket` is raised by
/// HTTP Tasks; it is not among the names the interpreter raises itself.
fn predefined(name: &str) -> bool {
    StatesError::parse(name).is_some() || name == "States.Http.Socket"
}

impl Parser<'_> {
    fn error_equals(&mut self, obj: &Map<String, Value>, base: &str) -> Vec<ErrorMatcher> {
        let location = ptr(base, "ErrorEquals");
        let Some(v) = obj.get("ErrorEquals") else {
            self.required(base, &["ErrorEquals"]);
            return Vec::new();
        };
        let Some(arr) = v.as_array() else {
            self.type_error(location, "ARRAY");
            return Vec::new();
        };
        if arr.is_empty() {
            self.schema(location.clone(), "Array should have at least 1 item");
        }
        let mut out = Vec::new();
        for (i, e) in arr.iter().enumerate() {
            match e.as_str() {
                Some(s) if s.starts_with("States.") && !predefined(s) => {
                    self.schema(idx(&location, i), format!("The error name '{s}' is not a predefined error: names starting with 'States.' are reserved"));
                }
                Some(s) => out.push(ErrorMatcher(s.to_string())),
                None => self.type_error(idx(&location, i), "STRING"),
            }
        }
        if arr.len() > 1 && out.iter().any(|m| m.0 == "States.ALL") {
            self.schema(location, "'States.ALL' must appear alone in 'ErrorEquals'");
        }
        out
    }

    /// `States.ALL` may only appear in the last retrier or catcher.
    fn check_all_is_last(&mut self, lists: &[Vec<ErrorMatcher>], base: &str, key: &str) {
        for (i, list) in lists.iter().enumerate() {
            if i + 1 < lists.len() && list.iter().any(|m| m.0 == "States.ALL") {
                self.schema(
                    ptr(&idx(&ptr(base, key), i), "ErrorEquals"),
                    format!("'States.ALL' must appear only in the last element of '{key}'"),
                );
            }
        }
    }

    pub(crate) fn retriers(&mut self, v: &Value, base: &str) -> Vec<Retrier> {
        let location = ptr(base, "Retry");
        let Some(arr) = v.as_array() else {
            self.type_error(location, "ARRAY");
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut lists = Vec::new();
        for (i, r) in arr.iter().enumerate() {
            let rp = idx(&location, i);
            let Some(obj) = r.as_object() else {
                self.type_error(rp, "OBJECT");
                continue;
            };
            self.only(obj, &rp, RETRIER_FIELDS);
            self.opt_string(obj, &rp, "Comment");
            let error_equals = self.error_equals(obj, &rp);
            lists.push(error_equals.clone());
            let int = |p: &mut Self, key: &str, min: u64, max: u64| {
                obj.get(key).and_then(|v| p.int_in(v, &ptr(&rp, key), min, max))
            };
            let interval_seconds = int(self, "IntervalSeconds", 1, MAX_INT).unwrap_or(1);
            let max_attempts = int(self, "MaxAttempts", 0, MAX_INT).unwrap_or(3);
            let max_delay_seconds = int(self, "MaxDelaySeconds", 1, MAX_DELAY_SECONDS);
            let backoff_rate = obj
                .get("BackoffRate")
                .and_then(|v| self.number_in(v, &ptr(&rp, "BackoffRate"), 1.0, None))
                .unwrap_or(2.0);
            let jitter = match obj.get("JitterStrategy") {
                None => Jitter::None,
                Some(v) => match v.as_str() {
                    Some("FULL") => Jitter::Full,
                    Some("NONE") => Jitter::None,
                    _ => {
                        self.enum_error(v, &ptr(&rp, "JitterStrategy"), &["FULL", "NONE"]);
                        Jitter::None
                    }
                },
            };
            out.push(Retrier {
                error_equals,
                interval_seconds,
                max_attempts,
                backoff_rate,
                max_delay_seconds,
                jitter,
            });
        }
        self.check_all_is_last(&lists, base, "Retry");
        out
    }

    pub(crate) fn catchers(
        &mut self,
        v: &Value,
        base: &str,
        ql: QueryLanguage,
        names: &HashMap<String, u32>,
    ) -> Vec<Catcher> {
        let location = ptr(base, "Catch");
        let Some(arr) = v.as_array() else {
            self.type_error(location, "ARRAY");
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut lists = Vec::new();
        for (i, c) in arr.iter().enumerate() {
            let cp = idx(&location, i);
            let Some(obj) = c.as_object() else {
                self.type_error(cp, "OBJECT");
                continue;
            };
            for key in obj.keys() {
                match key.as_str() {
                    "ErrorEquals" | "Next" | "Comment" | "Assign" => {}
                    "ResultPath" if ql == QueryLanguage::JsonPath => {}
                    "Output" if ql == QueryLanguage::Jsonata => {}
                    "ResultPath" => self.schema(
                        &cp,
                        "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage",
                    ),
                    "Output" => self.schema(
                        &cp,
                        "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
                    ),
                    _ => self.unsupported(&cp, key),
                }
            }
            self.opt_string(obj, &cp, "Comment");
            let error_equals = self.error_equals(obj, &cp);
            lists.push(error_equals.clone());
            self.require(obj, &cp, &["Next"]);
            let next = self.target(obj, &cp, "Next", names).unwrap_or(0);
            let result_path = if ql == QueryLanguage::JsonPath {
                self.result_path_field(obj, &cp)
            } else {
                PathField::Default
            };
            // A catcher's Output and Assign may read $states.errorOutput.
            self.in_catcher = true;
            let assign = obj.get("Assign").and_then(|v| self.payload(v, &ptr(&cp, "Assign"), "Assign", ql));
            let output = match (ql, obj.get("Output")) {
                (QueryLanguage::Jsonata, Some(v)) => self.jsonata(v, &ptr(&cp, "Output")),
                _ => None,
            };
            self.in_catcher = false;
            out.push(Catcher { error_equals, next, result_path, assign, output });
        }
        self.check_all_is_last(&lists, base, "Catch");
        out
    }
}
