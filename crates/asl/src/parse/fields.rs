//! Typed field readers shared by every state type: strings, integers in range, paths,
//! payload templates, JSONata templates, the `X`/`XPath`/JSONata alternatives of numeric and
//! string fields, and transition targets.

use super::{ptr, Parser};
use crate::diagnostic::Code;
use crate::model::*;
use crate::template::{expression_source, JsonataTemplate};
use serde_json::{Map, Value};
use statecraft_expr::{Call, Path, Template};
use std::collections::HashMap;

/// The pointer of the object that holds the field at `pointer`.
pub(crate) fn parent(pointer: &str) -> &str {
    match pointer.rfind('/') {
        Some(0) => "/",
        Some(i) => &pointer[..i],
        None => pointer,
    }
}

/// A JSONata string: `{% expression %}`.
pub(crate) fn is_jsonata(v: &Value) -> bool {
    v.as_str().and_then(expression_source).is_some()
}

impl Parser<'_> {
    pub(crate) fn opt_string(&mut self, obj: &Map<String, Value>, base: &str, key: &str) -> Option<String> {
        match obj.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.schema(ptr(base, key), format!("The value for the field '{key}' must be a STRING"));
                None
            }
        }
    }

    /// A boolean field.
    pub(crate) fn opt_bool(&mut self, obj: &Map<String, Value>, base: &str, key: &str) -> Option<bool> {
        match obj.get(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.schema(ptr(base, key), format!("The value for the field '{key}' must be a BOOLEAN"));
                None
            }
        }
    }

    /// An integer in `[min, max]` (`1.0` counts as an integer).
    pub(crate) fn int_in(&mut self, v: &Value, location: &str, key: &str, min: u64, max: u64) -> Option<u64> {
        let n = v
            .as_i64()
            .map(i128::from)
            .or_else(|| v.as_u64().map(i128::from))
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e30).map(|f| f as i128));
        match n {
            Some(n) if (i128::from(min)..=i128::from(max)).contains(&n) => Some(n as u64),
            Some(_) => {
                self.schema(
                    location,
                    format!("The value for the field '{key}' must be an INTEGER between {min} and {max}"),
                );
                None
            }
            None => {
                self.schema(location, format!("The value for the field '{key}' must be an INTEGER"));
                None
            }
        }
    }

    /// A JSONPath-valued field (`InputPath`, `TimeoutSecondsPath`, `Variable`, ...).
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

    /// A reference path (`ResultPath`, `...Path` of numbers): a path that selects one node.
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

    /// `ResultPath`: absent, `null` or a reference path into the state's input (`$...`).
    pub(crate) fn result_path_field(&mut self, obj: &Map<String, Value>, base: &str) -> PathField {
        let location = ptr(base, "ResultPath");
        match obj.get("ResultPath") {
            None => PathField::Default,
            Some(Value::Null) => PathField::Null,
            Some(v) => match self.reference_path(v, &location, "ResultPath") {
                Some(p) if matches!(p.root(), statecraft_expr::Root::Input) => PathField::Path(p),
                Some(_) => {
                    self.schema(
                        location,
                        "The value for the field 'ResultPath' must be a valid ReferencePath",
                    );
                    PathField::Default
                }
                None => PathField::Default,
            },
        }
    }

    /// A JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`).
    /// A bad `.$` binding is reported, as AWS does, at the object that holds it.
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
        self.no_dollar(v, location);
        match Template::compile(v) {
            Ok(t) => Some(t),
            Err(errors) => {
                for e in errors {
                    let field = format!("{location}{}", e.pointer);
                    let holder =
                        if e.pointer.is_empty() { location.to_string() } else { parent(&field).to_string() };
                    self.schema(holder, e.message);
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

    /// A JSONata expression field: only a `{% %}` string is accepted (`Items`, `Condition`).
    pub(crate) fn jsonata_expression(
        &mut self,
        v: &Value,
        location: &str,
        key: &str,
    ) -> Option<JsonataTemplate> {
        if !is_jsonata(v) {
            self.schema(location, format!("The value for the field '{key}' must be a JSONata expression"));
            return None;
        }
        self.jsonata(v, location)
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
            return self.int_in(v, &location, key, range.0, range.1).map(Dynamic::Literal);
        }
        match obj.get(&path_key) {
            Some(v) if ql == QueryLanguage::JsonPath => {
                self.reference_path(v, &ptr(base, &path_key), &path_key).map(Dynamic::Path)
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
            return match v.as_f64() {
                Some(f) if (0.0..=100.0).contains(&f) => Some(Dynamic::Literal(f)),
                _ => {
                    self.schema(
                        location,
                        format!("The value for the field '{key}' must be a NUMBER between 0 and 100"),
                    );
                    None
                }
            };
        }
        match obj.get(&path_key) {
            Some(v) if ql == QueryLanguage::JsonPath => {
                self.reference_path(v, &ptr(base, &path_key), &path_key).map(Dynamic::Path)
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
                    self.schema(location, format!("The value for the field '{key}' must be a STRING"));
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
                        format!("Missing '{key}' target: {s}"),
                    );
                    None
                }
            },
            None => {
                self.schema(location, format!("The value for the field '{key}' must be a STRING"));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parent;

    #[test]
    fn parent_pointer() {
        assert_eq!(parent("/States/A/Parameters/x.$"), "/States/A/Parameters");
        assert_eq!(parent("/StartAt"), "/");
    }
}
