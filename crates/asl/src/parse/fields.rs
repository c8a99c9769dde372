//! Typed field readers shared by every state type: strings, integers in range, paths,
//! payload templates, JSONata templates, the `X`/`XPath`/JSONata alternatives of numeric and
//! string fields, and transition targets.

use super::jsonata::holder;
use super::{ptr, Parser};
use crate::diagnostic::Code;
use crate::model::*;
use crate::template::expression_source;
use serde_json::{Map, Value};
use statecraft_expr::{Call, Path, Root, Template};
use std::collections::HashMap;

/// A JSONata string: `{% expression %}`.
pub(crate) fn is_jsonata(v: &Value) -> bool {
    v.as_str().and_then(expression_source).is_some()
}

/// Where a reference path may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Roots {
    /// The state's input only (`ResultPath`).
    Input,
    /// The input or a variable, not the context object (the `...Path` of Map numbers: AWS
    /// accepts `$$` only in `ItemsPath`).
    NoContext,
    /// Any root.
    Any,
}

/// An integer value, when `v` is one (`1.0` counts).
fn integer(v: &Value) -> Option<i128> {
    v.as_i64()
        .map(i128::from)
        .or_else(|| v.as_u64().map(i128::from))
        .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e30).map(|f| f as i128))
}

impl Parser<'_> {
    pub(crate) fn opt_string(&mut self, obj: &Map<String, Value>, base: &str, key: &str) -> Option<String> {
        match obj.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.type_error(ptr(base, key), "STRING");
                None
            }
        }
    }

    /// A boolean field.
    pub(crate) fn opt_bool(&mut self, obj: &Map<String, Value>, base: &str, key: &str) -> Option<bool> {
        match obj.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.type_error(ptr(base, key), "BOOLEAN");
                None
            }
        }
    }

    /// An integer in `[min, max]`, worded as AWS words it: `Minimum value is 0`, `Maximum
    /// value is 99999999`, `Expected value of type [INTEGER]`.
    pub(crate) fn int_in(&mut self, v: &Value, location: &str, min: u64, max: u64) -> Option<u64> {
        match integer(v) {
            Some(n) if n < i128::from(min) => {
                self.schema(location, format!("Minimum value is {min}"));
                None
            }
            Some(n) if n > i128::from(max) => {
                self.schema(location, format!("Maximum value is {max}"));
                None
            }
            Some(n) => Some(n as u64),
            None => {
                self.type_error(location, "INTEGER");
                None
            }
        }
    }

    /// A number in `[min, max]` (`BackoffRate`, `ToleratedFailurePercentage`); AWS writes the
    /// bounds as decimals (`Minimum value is 1.0`).
    pub(crate) fn number_in(&mut self, v: &Value, location: &str, min: f64, max: Option<f64>) -> Option<f64> {
        match v.as_f64() {
            Some(f) if f < min => {
                self.schema(location, format!("Minimum value is {min:?}"));
                None
            }
            Some(f) if max.is_some_and(|m| f > m) => {
                self.schema(location, format!("Maximum value is {:?}", max.unwrap_or_default()));
                None
            }
            Some(f) => Some(f),
            None => {
                self.type_error(location, "NUMBER");
                None
            }
        }
    }

    /// A JSONPath-valued field (`InputPath`, `Variable`, ...).
    pub(crate) fn path(&mut self, v: &Value, location: &str, key: &str) -> Option<Path> {
        let parsed = v.as_str().map(Path::parse);
        match parsed {
            Some(Ok(p)) => Some(p),
            _ => {
                self.schema(location, format!("The value for the field '{key}' must be a valid JSONPath"));
                None
            }
        }
    }

    /// A reference path: a path that selects one node, from an allowed root.
    pub(crate) fn reference_path(&mut self, v: &Value, location: &str, roots: Roots) -> Option<Path> {
        let p = v.as_str().and_then(|s| Path::parse(s).ok()).filter(|p| {
            p.is_definite()
                && match (roots, p.root()) {
                    (Roots::Input, Root::Input) => true,
                    (Roots::Input, _) => false,
                    (Roots::NoContext, Root::Context) => false,
                    _ => true,
                }
        });
        if p.is_none() {
            self.schema(location, "Value is not a Reference Path");
        }
        p
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

    /// `ResultPath`: absent, `null` or a reference path into the state's input (`$...`).
    pub(crate) fn result_path_field(&mut self, obj: &Map<String, Value>, base: &str) -> PathField {
        match obj.get("ResultPath") {
            None => PathField::Default,
            Some(Value::Null) => PathField::Null,
            Some(v) => match self.reference_path(v, &ptr(base, "ResultPath"), Roots::Input) {
                Some(p) => PathField::Path(p),
                None => PathField::Default,
            },
        }
    }

    /// A JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`).
    /// A bad `.$` binding is reported, as AWS does, at the object that holds it.
    pub(crate) fn template(&mut self, v: &Value, location: &str, must_be_object: bool) -> Option<Template> {
        if must_be_object && !v.is_object() {
            self.type_error(location, "OBJECT");
            return None;
        }
        self.no_dollar(v, location);
        match Template::compile(v) {
            Ok(t) => Some(t),
            Err(errors) => {
                for e in errors {
                    self.schema(holder(v, location, &e.pointer), e.message);
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
            QueryLanguage::JsonPath => self.template(v, location, true).map(Payload::JsonPath),
            QueryLanguage::Jsonata => {
                if key == "Assign" && !v.is_object() {
                    self.type_error(location, "OBJECT");
                    return None;
                }
                self.jsonata(v, location).map(Payload::Jsonata)
            }
        }
    }

    /// An integer field that may instead be given as `KEYPath` (JSONPath states) or as a
    /// JSONata string (JSONata states), e.g. `TimeoutSeconds`/`TimeoutSecondsPath`. The query
    /// language tables have already refused `KEYPath` in a JSONata state.
    pub(crate) fn dynamic_int(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        key: &str,
        ql: QueryLanguage,
        range: (u64, u64),
        roots: Roots,
    ) -> Option<Dynamic<u64>> {
        let path_key = format!("{key}Path");
        if !self.exclusive(obj, base, key, &path_key) {
            return None;
        }
        if let Some(v) = obj.get(key) {
            let location = ptr(base, key);
            if ql == QueryLanguage::Jsonata && is_jsonata(v) {
                return self.jsonata(v, &location).map(Dynamic::Jsonata);
            }
            return self.int_in(v, &location, range.0, range.1).map(Dynamic::Literal);
        }
        match obj.get(&path_key) {
            Some(v) if ql == QueryLanguage::JsonPath => {
                self.reference_path(v, &ptr(base, &path_key), roots).map(Dynamic::Path)
            }
            _ => None,
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
        if !self.exclusive(obj, base, key, &path_key) {
            return None;
        }
        if let Some(v) = obj.get(key) {
            let location = ptr(base, key);
            if ql == QueryLanguage::Jsonata && is_jsonata(v) {
                return self.jsonata(v, &location).map(Dynamic::Jsonata);
            }
            return self.number_in(v, &location, 0.0, Some(100.0)).map(Dynamic::Literal);
        }
        match obj.get(&path_key) {
            Some(v) if ql == QueryLanguage::JsonPath => {
                self.reference_path(v, &ptr(base, &path_key), Roots::NoContext).map(Dynamic::Path)
            }
            _ => None,
        }
    }

    /// A string field that may instead be a path or intrinsic call (`ErrorPath`, JSONPath
    /// states) or a JSONata string (JSONata states): Fail's `Error` and `Cause`.
    pub(crate) fn dynamic_string(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        key: &str,
        ql: QueryLanguage,
    ) -> Option<Dynamic<String>> {
        let path_key = format!("{key}Path");
        if !self.exclusive(obj, base, key, &path_key) {
            return None;
        }
        if let Some(v) = obj.get(key) {
            let location = ptr(base, key);
            return match v.as_str() {
                Some(_) if ql == QueryLanguage::Jsonata && is_jsonata(v) => {
                    self.jsonata(v, &location).map(Dynamic::Jsonata)
                }
                Some(s) => {
                    if ql == QueryLanguage::JsonPath {
                        self.no_path(s, &location, key);
                    }
                    Some(Dynamic::Literal(s.to_string()))
                }
                None => {
                    self.type_error(location, "STRING");
                    None
                }
            };
        }
        let v = obj.get(&path_key).filter(|_| ql == QueryLanguage::JsonPath)?;
        let location = ptr(base, &path_key);
        let parsed = match v.as_str() {
            Some(s) if Call::looks_like_call(s) => Call::parse(s).ok().map(Dynamic::Intrinsic),
            Some(s) => Path::parse(s).ok().map(Dynamic::Path),
            None => None,
        };
        if parsed.is_none() {
            self.schema(
                location,
                format!("The value for the field '{path_key}' must be a valid JSONPath or a valid intrinsic function call"),
            );
        }
        parsed
    }

    /// Resolves a transition field (`Next`, `Default`) to a state index of the block, and
    /// records the transition for the reachability check.
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
                Some(i) => {
                    self.edge(*i);
                    Some(*i)
                }
                None => {
                    self.error(
                        Code::MissingTransitionTarget,
                        location,
                        format!("Missing 'Next' target: {s}"),
                    );
                    None
                }
            },
            None => {
                self.type_error(location, "STRING");
                None
            }
        }
    }
}
