//! Typed field readers shared by every state type: strings, integers in range, paths,
//! payload templates, JSONata templates, `...Path`/JSONata alternatives, Retry and Catch.

use super::{ptr, Parser};
use crate::diagnostic::Code;
use crate::model::*;
use crate::template::{expression_source, JsonataTemplate};
use serde_json::{Map, Value};
use statecraft_expr::{Call, Path, Template};
use std::collections::HashMap;

impl Parser {
    pub(crate) fn opt_string(&mut self, obj: &Map<String, Value>, base: &str, key: &str) -> Option<String> {
        match obj.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.schema(ptr(base, key), format!("The field '{key}' must be a string"));
                None
            }
        }
    }

    /// An integer in `[min, max]`.
    pub(crate) fn positive_int(
        &mut self,
        v: &Value,
        location: &str,
        key: &str,
        min: u64,
        max: u64,
    ) -> Option<u64> {
        let n = v.as_u64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64));
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(_) => {
                self.schema(
                    location,
                    format!("The value of the field '{key}' must be between {min} and {max}"),
                );
                None
            }
            None => {
                self.schema(location, format!("The value of the field '{key}' must be an integer"));
                None
            }
        }
    }

    /// A JSONPath-valued field (`InputPath`, `TimeoutSecondsPath`, ...).
    pub(crate) fn path(&mut self, v: &Value, location: &str, key: &str) -> Option<Path> {
        let Some(s) = v.as_str() else {
            self.schema(
                location,
                format!("The value for the field '{key}' must be a STRING that contains a JSONPath"),
            );
            return None;
        };
        match Path::parse(s) {
            Ok(p) => Some(p),
            Err(e) => {
                self.schema(
                    location,
                    format!("The value for the field '{key}' must be a valid JSONPath: {e}"),
                );
                None
            }
        }
    }

    /// A reference path (`ResultPath`, Choice `Variable`): a definite path.
    pub(crate) fn reference_path(&mut self, v: &Value, location: &str, key: &str) -> Option<Path> {
        let p = self.path(v, location, key)?;
        if !p.is_definite() {
            self.schema(location, format!("The value for the field '{key}' must be a valid ReferencePath"));
            return None;
        }
        Some(p)
    }

    /// `InputPath`/`OutputPath`/`ItemsPath`: absent, `null` or a path.
    pub(crate) fn path_field(&mut self, obj: &Map<String, Value>, base: &str, key: &str) -> PathField {
        match obj.get(key) {
            None => PathField::Default,
            Some(Value::Null) => PathField::Null,
            Some(v) => match self.path(v, &ptr(base, key), key) {
                Some(p) => PathField::Path(p),
                None => PathField::Default,
            },
        }
    }

    /// `ResultPath`: absent, `null` or a reference path.
    pub(crate) fn result_path_field(&mut self, obj: &Map<String, Value>, base: &str) -> PathField {
        match obj.get("ResultPath") {
            None => PathField::Default,
            Some(Value::Null) => PathField::Null,
            Some(v) => match self.reference_path(v, &ptr(base, "ResultPath"), "ResultPath") {
                Some(p) if matches!(p.root(), statecraft_expr::Root::Input) => PathField::Path(p),
                Some(_) => {
                    self.schema(
                        ptr(base, "ResultPath"),
                        "The value for the field 'ResultPath' must start with '$'",
                    );
                    PathField::Default
                }
                None => PathField::Default,
            },
        }
    }

    /// A JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`).
    pub(crate) fn template(
        &mut self,
        v: &Value,
        location: &str,
        key: &str,
        must_be_object: bool,
    ) -> Option<Template> {
        if must_be_object && !v.is_object() {
            self.schema(location, format!("The value for the field '{key}' must be an OBJECT"));
            return None;
        }
        match Template::compile(v) {
            Ok(t) => Some(t),
            Err(errors) => {
                for e in errors {
                    self.schema(format!("{location}{}", e.pointer), e.message);
                }
                None
            }
        }
    }

    /// A JSONata template (any JSON value, with `{% %}` strings).
    pub(crate) fn jsonata(&mut self, v: &Value, location: &str) -> Option<JsonataTemplate> {
        match JsonataTemplate::compile(v) {
            Ok(t) => Some(t),
            Err(errors) => {
                for e in errors {
                    self.schema(
                        format!("{location}{}", e.pointer),
                        format!("The JSONata expression is not valid: {}", e.message),
                    );
                }
                None
            }
        }
    }

    /// A payload in the state's query language.
    pub(crate) fn payload(
        &mut self,
        v: &Value,
        location: &str,
        key: &str,
        ql: QueryLanguage,
    ) -> Option<Payload> {
        match ql {
            QueryLanguage::JsonPath => self.template(v, location, key, true).map(Payload::JsonPath),
            QueryLanguage::Jsonata => {
                if key == "Assign" && !v.is_object() {
                    self.schema(location, "The value for the field 'Assign' must be an OBJECT");
                    return None;
                }
                self.jsonata(v, location).map(Payload::Jsonata)
            }
        }
    }

    /// A numeric field that may instead be given as `KEYPath` (JSONPath) or as a JSONata
    /// string (`{% %}`), e.g. `TimeoutSeconds`/`TimeoutSecondsPath`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn dynamic_int(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        key: &str,
        ql: QueryLanguage,
        min: u64,
        max: u64,
    ) -> Option<Dynamic<u64>> {
        let path_key = format!("{key}Path");
        match (obj.get(key), obj.get(&path_key)) {
            (Some(_), Some(_)) => {
                self.schema(base, format!("Only one of '{key}' and '{path_key}' may be set"));
                None
            }
            (Some(v), None) => {
                let location = ptr(base, key);
                if let Some(s) = v.as_str() {
                    if ql == QueryLanguage::Jsonata && expression_source(s).is_some() {
                        return self.jsonata(v, &location).map(Dynamic::Jsonata);
                    }
                }
                self.positive_int(v, &location, key, min, max).map(Dynamic::Literal)
            }
            (None, Some(v)) => {
                let location = ptr(base, &path_key);
                self.path(v, &location, &path_key).map(Dynamic::Path)
            }
            (None, None) => None,
        }
    }

    /// A number in [0, 100] or its Path/JSONata form (`ToleratedFailurePercentage`).
    pub(crate) fn dynamic_percentage(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        key: &str,
        ql: QueryLanguage,
    ) -> Option<Dynamic<f64>> {
        let path_key = format!("{key}Path");
        match (obj.get(key), obj.get(&path_key)) {
            (Some(_), Some(_)) => {
                self.schema(base, format!("Only one of '{key}' and '{path_key}' may be set"));
                None
            }
            (Some(v), None) => {
                let location = ptr(base, key);
                if let Some(s) = v.as_str() {
                    if ql == QueryLanguage::Jsonata && expression_source(s).is_some() {
                        return self.jsonata(v, &location).map(Dynamic::Jsonata);
                    }
                }
                match v.as_f64() {
                    Some(f) if (0.0..=100.0).contains(&f) => Some(Dynamic::Literal(f)),
                    _ => {
                        self.schema(
                            location,
                            format!("The value of the field '{key}' must be a number between 0 and 100"),
                        );
                        None
                    }
                }
            }
            (None, Some(v)) => self.path(v, &ptr(base, &path_key), &path_key).map(Dynamic::Path),
            (None, None) => None,
        }
    }

    /// A string field that may instead be a path or intrinsic call (`ErrorPath`) or a JSONata
    /// string (Fail's `Error`/`Cause`).
    pub(crate) fn dynamic_string(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        key: &str,
        ql: QueryLanguage,
    ) -> Option<Dynamic<String>> {
        let path_key = format!("{key}Path");
        match (obj.get(key), obj.get(&path_key)) {
            (Some(_), Some(_)) => {
                self.schema(base, format!("Only one of '{key}' and '{path_key}' may be set"));
                None
            }
            (Some(v), None) => {
                let location = ptr(base, key);
                match v.as_str() {
                    Some(s) if ql == QueryLanguage::Jsonata && expression_source(s).is_some() => {
                        self.jsonata(v, &location).map(Dynamic::Jsonata)
                    }
                    Some(s) => Some(Dynamic::Literal(s.to_string())),
                    None => {
                        self.schema(location, format!("The field '{key}' must be a string"));
                        None
                    }
                }
            }
            (None, Some(v)) => {
                let location = ptr(base, &path_key);
                let Some(s) = v.as_str() else {
                    self.schema(location, format!("The field '{path_key}' must be a string"));
                    return None;
                };
                if Call::looks_like_call(s) {
                    match Call::parse(s) {
                        Ok(c) => Some(Dynamic::Intrinsic(c)),
                        Err(e) => {
                            self.schema(location, format!("The value for the field '{path_key}' must be a valid JSONPath or a valid intrinsic function call: {e}"));
                            None
                        }
                    }
                } else {
                    self.path(v, &location, &path_key).map(Dynamic::Path)
                }
            }
            (None, None) => None,
        }
    }

    fn error_equals(&mut self, obj: &Map<String, Value>, base: &str) -> Vec<ErrorMatcher> {
        let location = ptr(base, "ErrorEquals");
        let Some(v) = obj.get("ErrorEquals") else {
            self.schema(base, "These fields are required: [ErrorEquals]");
            return Vec::new();
        };
        let Some(arr) = v.as_array() else {
            self.schema(location, "The field 'ErrorEquals' must be an array of strings");
            return Vec::new();
        };
        if arr.is_empty() {
            self.schema(location.clone(), "The field 'ErrorEquals' must contain at least one error name");
        }
        let mut out = Vec::new();
        for (i, e) in arr.iter().enumerate() {
            match e.as_str() {
                Some(s) => out.push(ErrorMatcher(s.to_string())),
                None => self.schema(format!("{location}/{i}"), "Error names must be strings"),
            }
        }
        if out.len() > 1 && out.iter().any(|m| m.0 == "States.ALL") {
            self.schema(location, "States.ALL must appear alone in ErrorEquals");
        }
        out
    }

    /// `States.ALL` may only appear in the last retrier or catcher.
    fn check_all_is_last(&mut self, lists: &[Vec<ErrorMatcher>], base: &str, key: &str) {
        for (i, list) in lists.iter().enumerate() {
            if i + 1 < lists.len() && list.iter().any(|m| m.0 == "States.ALL") {
                self.schema(
                    format!("{base}/{key}/{i}/ErrorEquals"),
                    "States.ALL must appear in the last rule",
                );
            }
        }
    }

    pub(crate) fn retriers(&mut self, v: &Value, base: &str) -> Vec<Retrier> {
        let location = ptr(base, "Retry");
        let Some(arr) = v.as_array() else {
            self.schema(location, "The field 'Retry' must be an array");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, r) in arr.iter().enumerate() {
            let rp = format!("{location}/{i}");
            let Some(obj) = r.as_object() else {
                self.schema(rp, "A retrier must be an object");
                continue;
            };
            for key in obj.keys() {
                if !matches!(
                    key.as_str(),
                    "ErrorEquals"
                        | "IntervalSeconds"
                        | "MaxAttempts"
                        | "BackoffRate"
                        | "MaxDelaySeconds"
                        | "JitterStrategy"
                        | "Comment"
                ) {
                    self.schema(
                        ptr(&rp, key),
                        format!("The field '{key}' is not supported by Step Functions"),
                    );
                }
            }
            let error_equals = self.error_equals(obj, &rp);
            let interval_seconds = match obj.get("IntervalSeconds") {
                Some(v) => self
                    .positive_int(v, &ptr(&rp, "IntervalSeconds"), "IntervalSeconds", 1, 99_999_999)
                    .unwrap_or(1),
                None => 1,
            };
            let max_attempts = match obj.get("MaxAttempts") {
                Some(v) => {
                    self.positive_int(v, &ptr(&rp, "MaxAttempts"), "MaxAttempts", 0, 99_999_999).unwrap_or(3)
                }
                None => 3,
            };
            let backoff_rate = match obj.get("BackoffRate") {
                Some(v) => match v.as_f64() {
                    Some(f) if f >= 1.0 => f,
                    _ => {
                        self.schema(ptr(&rp, "BackoffRate"), "The value of the field 'BackoffRate' must be a number greater than or equal to 1.0");
                        2.0
                    }
                },
                None => 2.0,
            };
            let max_delay_seconds = match obj.get("MaxDelaySeconds") {
                Some(v) => {
                    self.positive_int(v, &ptr(&rp, "MaxDelaySeconds"), "MaxDelaySeconds", 1, 31_622_400)
                }
                None => None,
            };
            let jitter = match obj.get("JitterStrategy") {
                None => Jitter::None,
                Some(v) => match v.as_str() {
                    Some("FULL") => Jitter::Full,
                    Some("NONE") => Jitter::None,
                    _ => {
                        self.schema(
                            ptr(&rp, "JitterStrategy"),
                            "The value of the field 'JitterStrategy' must be one of [FULL, NONE]",
                        );
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
        let lists: Vec<_> = out.iter().map(|r| r.error_equals.clone()).collect();
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
            self.schema(location, "The field 'Catch' must be an array");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, c) in arr.iter().enumerate() {
            let cp = format!("{location}/{i}");
            let Some(obj) = c.as_object() else {
                self.schema(cp, "A catcher must be an object");
                continue;
            };
            for key in obj.keys() {
                let ok = match key.as_str() {
                    "ErrorEquals" | "Next" | "Comment" | "Assign" => true,
                    "ResultPath" => ql == QueryLanguage::JsonPath,
                    "Output" => ql == QueryLanguage::Jsonata,
                    _ => false,
                };
                if !ok {
                    self.schema(
                        ptr(&cp, key),
                        format!("The field '{key}' is not supported by Step Functions"),
                    );
                }
            }
            let error_equals = self.error_equals(obj, &cp);
            let next = self.next_target(obj, &cp, names).unwrap_or(0);
            if !obj.contains_key("Next") {
                self.schema(&cp, "These fields are required: [Next]");
            }
            let result_path = self.result_path_field(obj, &cp);
            let assign = obj.get("Assign").and_then(|v| self.payload(v, &ptr(&cp, "Assign"), "Assign", ql));
            let output = match (ql, obj.get("Output")) {
                (QueryLanguage::Jsonata, Some(v)) => self.jsonata(v, &ptr(&cp, "Output")),
                _ => None,
            };
            out.push(Catcher { error_equals, next, result_path, assign, output });
        }
        let lists: Vec<_> = out.iter().map(|c| c.error_equals.clone()).collect();
        self.check_all_is_last(&lists, base, "Catch");
        out
    }

    /// Resolves `Next` (or another target field) to a state index of the block.
    pub(crate) fn target(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        key: &str,
        names: &HashMap<String, u32>,
    ) -> Option<u32> {
        let v = obj.get(key)?;
        let location = ptr(base, key);
        match v.as_str() {
            Some(s) => match names.get(s) {
                Some(i) => Some(*i),
                None => {
                    self.error(
                        Code::MissingTransitionTarget,
                        location,
                        format!("Missing '{key}' target: {s}"),
                    );
                    None
                }
            },
            None => {
                self.schema(location, format!("The field '{key}' must be a string"));
                None
            }
        }
    }

    pub(crate) fn next_target(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        names: &HashMap<String, u32>,
    ) -> Option<u32> {
        self.target(obj, base, "Next", names)
    }
}
