//! Reading a task's parameters (the request members, in PascalCase) into SDK request values.
//!
//! Members that are absent or `null` are left unset, as Step Functions does: the service then
//! answers with its own validation error (`The request must contain the parameter
//! MessageBody.`). A string member given any other JSON value gets that value's JSON text, as
//! Step Functions does for `MessageBody`, `Message` and `Detail`. A member no request has, or
//! a value that cannot be converted, fails the task with `States.Runtime` before anything is
//! sent.

use crate::error::Failure;
use base64::Engine;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The members of one request, consumed one by one; [`Params::finish`] rejects the rest.
pub(crate) struct Params<'a> {
    resource: &'a str,
    members: Map<String, Value>,
}

impl<'a> Params<'a> {
    /// `resource` is the ARN, for messages.
    pub(crate) fn new(resource: &'a str, input: &Value) -> Result<Params<'a>, Failure> {
        match input {
            Value::Object(map) => Ok(Params { resource, members: map.clone() }),
            Value::Null => Ok(Params { resource, members: Map::new() }),
            other => Err(Failure::runtime(format!(
                "The parameters of {resource} must be a JSON object, found {}",
                kind(other)
            ))),
        }
    }

    pub(crate) fn error(&self, member: &str, message: impl std::fmt::Display) -> Failure {
        Failure::runtime(format!("{}: parameter '{member}': {message}", self.resource))
    }

    /// The raw value of `member`, `None` when absent or null.
    pub(crate) fn value(&mut self, member: &str) -> Option<Value> {
        match self.members.remove(member) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    pub(crate) fn string(&mut self, member: &str) -> Option<String> {
        self.value(member).map(as_text)
    }

    pub(crate) fn i32(&mut self, member: &str) -> Result<Option<i32>, Failure> {
        match self.value(member) {
            None => Ok(None),
            Some(v) => to_i32(&v)
                .map(Some)
                .ok_or_else(|| self.error(member, format!("expected an integer, found {v}"))),
        }
    }

    pub(crate) fn bool(&mut self, member: &str) -> Result<Option<bool>, Failure> {
        match self.value(member) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(v) => Err(self.error(member, format!("expected a boolean, found {v}"))),
        }
    }

    pub(crate) fn strings(&mut self, member: &str) -> Result<Option<Vec<String>>, Failure> {
        match self.value(member) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items.into_iter().map(as_text).collect())),
            Some(v) => Err(self.error(member, format!("expected an array of strings, found {}", kind(&v)))),
        }
    }

    pub(crate) fn string_map(&mut self, member: &str) -> Result<Option<HashMap<String, String>>, Failure> {
        match self.value(member) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.into_iter().map(|(k, v)| (k, as_text(v))).collect())),
            Some(v) => Err(self.error(member, format!("expected an object of strings, found {}", kind(&v)))),
        }
    }

    /// A map member whose values are objects, each converted by `f` (which names what is wrong).
    pub(crate) fn object_map<T>(
        &mut self,
        member: &str,
        f: impl Fn(&Map<String, Value>) -> Result<T, String>,
    ) -> Result<Option<HashMap<String, T>>, Failure> {
        let Some(v) = self.value(member) else { return Ok(None) };
        let Value::Object(map) = v else {
            return Err(self.error(member, format!("expected an object, found {}", kind(&v))));
        };
        let mut out = HashMap::with_capacity(map.len());
        for (key, value) in &map {
            let converted = match value {
                Value::Object(obj) => f(obj),
                other => Err(format!("expected an object, found {}", kind(other))),
            };
            out.insert(key.clone(), converted.map_err(|e| self.error(&format!("{member}.{key}"), e))?);
        }
        Ok(Some(out))
    }

    /// A list member whose items are objects, each converted by `f`.
    pub(crate) fn object_list<T>(
        &mut self,
        member: &str,
        f: impl Fn(&Map<String, Value>) -> Result<T, String>,
    ) -> Result<Option<Vec<T>>, Failure> {
        let Some(v) = self.value(member) else { return Ok(None) };
        let Value::Array(items) = v else {
            return Err(self.error(member, format!("expected an array, found {}", kind(&v))));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let converted = match item {
                Value::Object(obj) => f(obj),
                other => Err(format!("expected an object, found {}", kind(other))),
            };
            out.push(converted.map_err(|e| self.error(&format!("{member}[{i}]"), e))?);
        }
        Ok(Some(out))
    }

    /// Rejects the members nothing consumed: they belong to no request this integration sends.
    pub(crate) fn finish(self) -> Result<(), Failure> {
        let mut rest: Vec<&String> = self.members.keys().collect();
        if rest.is_empty() {
            return Ok(());
        }
        rest.sort();
        let names: Vec<String> = rest.iter().map(|k| format!("'{k}'")).collect();
        Err(Failure::runtime(format!(
            "{}: the parameter{} {} {} not supported",
            self.resource,
            if names.len() == 1 { "" } else { "s" },
            names.join(", "),
            if names.len() == 1 { "is" } else { "are" }
        )))
    }
}

/// A string member's value: strings as they are, anything else as its JSON text.
pub(crate) fn as_text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

pub(crate) fn to_i32(v: &Value) -> Option<i32> {
    match v {
        Value::Number(n) => n.as_i64().and_then(|i| i32::try_from(i).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A blob member: base64 text, as blobs are written in JSON.
pub(crate) fn blob(v: &Value) -> Result<Vec<u8>, String> {
    match v {
        Value::String(s) => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| format!("expected base64 text: {e}")),
        other => Err(format!("expected base64 text, found {}", kind(other))),
    }
}

pub(crate) fn to_base64(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Reads the members of a nested structure (a message attribute, an event entry) and rejects
/// the ones left over.
pub(crate) struct Fields<'m> {
    map: &'m Map<String, Value>,
    used: Vec<&'static str>,
}

impl<'m> Fields<'m> {
    pub(crate) fn new(map: &'m Map<String, Value>) -> Fields<'m> {
        Fields { map, used: Vec::new() }
    }

    pub(crate) fn value(&mut self, name: &'static str) -> Option<&'m Value> {
        self.used.push(name);
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn string(&mut self, name: &'static str) -> Option<String> {
        self.value(name).cloned().map(as_text)
    }

    pub(crate) fn strings(&mut self, name: &'static str) -> Result<Option<Vec<String>>, String> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items.iter().cloned().map(as_text).collect())),
            Some(v) => Err(format!("{name}: expected an array of strings, found {}", kind(v))),
        }
    }

    pub(crate) fn finish(self) -> Result<(), String> {
        let mut rest: Vec<&String> = self.map.keys().filter(|k| !self.used.contains(&k.as_str())).collect();
        rest.sort();
        match rest.first() {
            None => Ok(()),
            Some(k) => Err(format!("the field '{k}' is not supported")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_take_json_text_of_other_values() {
        let input = json!({"MessageBody": {"a": 1}, "QueueUrl": "q", "DelaySeconds": "5", "Other": null});
        let mut p = Params::new("arn:aws:states:::sqs:sendMessage", &input).unwrap();
        assert_eq!(p.string("MessageBody").as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(p.string("QueueUrl").as_deref(), Some("q"));
        assert_eq!(p.i32("DelaySeconds").unwrap(), Some(5));
        assert_eq!(p.string("Other"), None);
        assert!(p.finish().is_ok());
    }

    #[test]
    fn unknown_and_mistyped_members_fail_with_states_runtime() {
        let input = json!({"QueueUrl": "q", "MessageBodyy": "x"});
        let mut p = Params::new("arn:aws:states:::sqs:sendMessage", &input).unwrap();
        p.string("QueueUrl");
        let f = p.finish().unwrap_err();
        assert_eq!(f.error, "States.Runtime");
        assert!(f.cause.contains("'MessageBodyy' is not supported"), "{}", f.cause);

        let mut p = Params::new("r", &json!({"DelaySeconds": "soon"})).unwrap();
        assert!(p.i32("DelaySeconds").unwrap_err().cause.contains("expected an integer"));
        assert!(Params::new("r", &json!([1])).is_err());
    }
}
