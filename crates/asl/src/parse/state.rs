//! One state: its `Type`, the fields it may have in its query language, its transition, its
//! input/output processing fields, and the simple state types (Pass, Wait, Succeed, Fail).
//! Task, Choice, Map and Parallel have their own modules.

use super::fields::{is_jsonata, Roots};
use super::{ptr, Parser};
use crate::model::*;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Fields any state type may have.
const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

/// The state types, in AWS's order for the `Type` message.
const TYPES: &str = "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]";

/// The type-specific fields of each state type (besides the shared fields below).
fn own_fields(t: StateType) -> &'static [&'static str] {
    match t {
        StateType::Pass => &["Result"],
        StateType::Task => &[
            "Resource",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
        ],
        StateType::Choice => &["Choices", "Default"],
        StateType::Wait => &["Seconds", "Timestamp", "SecondsPath", "TimestampPath"],
        StateType::Succeed => &[],
        StateType::Fail => &["Error", "Cause", "ErrorPath", "CausePath"],
        StateType::Parallel => &["Branches"],
        StateType::Map => &[
            "Iterator",
            "ItemProcessor",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "Label",
        ],
    }
}

/// Whether a field is allowed on a state type, in one query language or the other.
fn field_allowed(t: StateType, key: &str) -> bool {
    use StateType::*;
    if COMMON.contains(&key) || own_fields(t).contains(&key) {
        return true;
    }
    match key {
        "Next" | "End" => !matches!(t, Choice | Succeed | Fail),
        "InputPath" | "OutputPath" | "Output" => t != Fail,
        "Parameters" | "ResultPath" => matches!(t, Pass | Task | Parallel | Map),
        "ResultSelector" | "Retry" | "Catch" => matches!(t, Task | Parallel | Map),
        "Assign" => !matches!(t, Succeed | Fail),
        "Arguments" => matches!(t, Task | Parallel),
        _ => false,
    }
}

/// Fields that exist only in JSONPath states.
pub(crate) fn jsonpath_only(key: &str) -> bool {
    matches!(
        key,
        "InputPath"
            | "OutputPath"
            | "Parameters"
            | "ResultSelector"
            | "ResultPath"
            | "Result"
            | "ItemsPath"
            | "Iterator"
            | "SecondsPath"
            | "TimestampPath"
            | "TimeoutSecondsPath"
            | "HeartbeatSecondsPath"
            | "ErrorPath"
            | "CausePath"
            | "MaxConcurrencyPath"
            | "ToleratedFailureCountPath"
            | "ToleratedFailurePercentagePath"
    )
}

/// Fields that exist only in JSONata states.
fn jsonata_only(key: &str) -> bool {
    matches!(key, "Arguments" | "Output" | "Items")
}

impl Parser<'_> {
    /// Reports the fields of `obj` that its type does not have, and (unless `mixed`, see
    /// [`Parser::state`]) the fields its query language does not have.
    fn check_fields(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        t: StateType,
        ql: QueryLanguage,
        mixed: bool,
    ) {
        for key in obj.keys() {
            if !field_allowed(t, key) {
                self.unsupported(base, key);
            } else if mixed {
                continue;
            } else if ql == QueryLanguage::Jsonata && jsonpath_only(key) {
                self.schema(
                    base,
                    format!("The QueryLanguage is set to 'JSONata', but field '{key}' is only supported for the 'JSONPath' QueryLanguage"),
                );
            } else if ql == QueryLanguage::JsonPath && jsonata_only(key) {
                self.schema(
                    base,
                    format!("The QueryLanguage is set to 'JSONPath', but field '{key}' is only supported for the 'JSONata' QueryLanguage"),
                );
            }
        }
    }

    pub(crate) fn state(&mut self, name: &str, v: &Value, base: &str, names: &HashMap<String, u32>) -> State {
        let mut s = State {
            name: name.into(),
            pointer: base.to_string(),
            comment: None,
            query_language: self.top_query_language,
            transition: Transition::End,
            input_path: PathField::Default,
            output_path: PathField::Default,
            parameters: None,
            result_selector: None,
            result_path: PathField::Default,
            arguments: None,
            output: None,
            assign: None,
            retry: Vec::new(),
            catch: Vec::new(),
            kind: Kind::Succeed,
        };
        let Some(obj) = v.as_object() else {
            self.type_error(base, "OBJECT");
            self.terminal();
            return s;
        };
        let t = match (obj.get("Type"), obj.get("Type").and_then(Value::as_str).and_then(StateType::parse)) {
            (_, Some(t)) => t,
            (Some(t), None) => {
                if t.is_string() {
                    self.schema(
                        ptr(base, "Type"),
                        format!("The field 'Type' should have one of these values: {TYPES}"),
                    );
                } else {
                    self.type_error(ptr(base, "Type"), "STRING");
                }
                self.opaque(obj, names);
                return s;
            }
            (None, None) => {
                self.required(base, &["Type"]);
                self.opaque(obj, names);
                return s;
            }
        };
        // A state's own QueryLanguage overrides the machine's, except that a JSONata machine
        // cannot have JSONPath states. AWS reports that alone: the state's fields are not also
        // checked against either language.
        let (ql, mixed) = match obj.get("QueryLanguage") {
            None => (self.top_query_language, false),
            Some(v) => {
                let q = self.query_language(v, &ptr(base, "QueryLanguage"));
                let mixed = q == QueryLanguage::JsonPath && self.top_query_language == QueryLanguage::Jsonata;
                if mixed {
                    self.schema(
                        base,
                        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                    );
                }
                (q, mixed)
            }
        };
        self.check_fields(obj, base, t, ql, mixed);
        s.comment = self.opt_string(obj, base, "Comment");
        s.query_language = ql;
        s.transition = self.transition(obj, base, t, names);
        if ql == QueryLanguage::JsonPath {
            s.input_path = self.path_field(obj, base, "InputPath");
            s.output_path = self.path_field(obj, base, "OutputPath");
            if field_allowed(t, "ResultPath") {
                s.result_path = self.result_path_field(obj, base);
            }
            if let Some(v) = obj.get("Parameters").filter(|_| field_allowed(t, "Parameters")) {
                s.parameters =
                    self.template(v, &ptr(base, "Parameters"), t != StateType::Pass).map(Payload::JsonPath);
            }
            if let Some(v) = obj.get("ResultSelector").filter(|_| field_allowed(t, "ResultSelector")) {
                s.result_selector =
                    self.template(v, &ptr(base, "ResultSelector"), true).map(Payload::JsonPath);
            }
        } else {
            if let Some(v) = obj.get("Arguments").filter(|_| field_allowed(t, "Arguments")) {
                s.arguments = self.arguments(v, &ptr(base, "Arguments"));
            }
            if let Some(v) = obj.get("Output").filter(|_| field_allowed(t, "Output")) {
                s.output = self.jsonata(v, &ptr(base, "Output"));
            }
        }
        if let Some(v) = obj.get("Assign").filter(|_| field_allowed(t, "Assign")) {
            s.assign = self.payload(v, &ptr(base, "Assign"), "Assign", ql);
        }
        if let Some(v) = obj.get("Retry").filter(|_| field_allowed(t, "Retry")) {
            s.retry = self.retriers(v, base);
        }
        if let Some(v) = obj.get("Catch").filter(|_| field_allowed(t, "Catch")) {
            s.catch = self.catchers(v, base, ql, names);
        }
        s.kind = match t {
            StateType::Pass => self.pass(obj, base, ql),
            StateType::Task => self.task(obj, base, ql),
            StateType::Choice => self.choice(obj, base, ql, names),
            StateType::Wait => self.wait(obj, base, ql),
            StateType::Succeed => {
                self.terminal();
                Kind::Succeed
            }
            StateType::Fail => {
                self.terminal();
                Kind::Fail(Fail {
                    error: self.dynamic_string(obj, base, "Error", ql),
                    cause: self.dynamic_string(obj, base, "Cause", ql),
                })
            }
            StateType::Parallel => self.parallel(obj, base),
            StateType::Map => {
                let legacy_parameters = s.parameters.take();
                self.map(obj, base, ql, legacy_parameters)
            }
        };
        s
    }

    /// A state whose type is unknown: its transitions still count, silently, and it may be
    /// terminal, so that one error does not make others appear.
    fn opaque(&mut self, obj: &Map<String, Value>, names: &HashMap<String, u32>) {
        self.terminal();
        let mut targets: Vec<&Value> = ["Next", "Default"].iter().filter_map(|k| obj.get(*k)).collect();
        for list in ["Choices", "Catch"] {
            if let Some(Value::Array(rules)) = obj.get(list) {
                targets.extend(rules.iter().filter_map(|r| r.get("Next")));
            }
        }
        for t in targets {
            if let Some(i) = t.as_str().and_then(|n| names.get(n)) {
                self.edge(*i);
            }
        }
    }

    /// JSONata `Arguments`: an object or a single expression.
    pub(crate) fn arguments(
        &mut self,
        v: &Value,
        location: &str,
    ) -> Option<crate::template::JsonataTemplate> {
        if !v.is_object() && !is_jsonata(v) {
            self.type_error(location, "OBJECT");
            return None;
        }
        self.jsonata(v, location)
    }

    /// `Next` or `"End": true`, exactly one of them.
    fn transition(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        t: StateType,
        names: &HashMap<String, u32>,
    ) -> Transition {
        if matches!(t, StateType::Choice | StateType::Succeed | StateType::Fail) {
            return Transition::End;
        }
        let end = match obj.get("End") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                // Reported; the state most likely meant to end, so nothing more is said.
                self.opt_bool(obj, base, "End");
                self.terminal();
                return Transition::End;
            }
        };
        match (obj.contains_key("Next"), end) {
            (true, true) => {
                self.schema(base, "The fields 'Next' and 'End' are mutually exclusive");
                Transition::End
            }
            (true, false) => {
                self.target(obj, base, "Next", names).map(Transition::Next).unwrap_or(Transition::End)
            }
            (false, true) => {
                self.terminal();
                Transition::End
            }
            (false, false) => {
                if !obj.contains_key("End") {
                    self.required(base, &["Next or End"]);
                } else {
                    self.schema(
                        ptr(base, "End"),
                        "The value for the field 'End' must be true when there is no 'Next'",
                    );
                }
                Transition::End
            }
        }
    }

    fn pass(&mut self, obj: &Map<String, Value>, base: &str, ql: QueryLanguage) -> Kind {
        let result = obj.get("Result").filter(|_| ql == QueryLanguage::JsonPath).cloned();
        if let Some(r) = &result {
            self.pass_result_is_static(r, &ptr(base, "Result"));
        }
        Kind::Pass(Pass { result })
    }

    fn wait(&mut self, obj: &Map<String, Value>, base: &str, ql: QueryLanguage) -> Kind {
        let keys: &[&str] = match ql {
            QueryLanguage::JsonPath => &["Seconds", "Timestamp", "SecondsPath", "TimestampPath"],
            QueryLanguage::Jsonata => &["Seconds", "Timestamp"],
        };
        let present: Vec<&str> = keys.iter().copied().filter(|k| obj.contains_key(*k)).collect();
        let fallback = Kind::Wait(Wait::Seconds(Dynamic::Literal(0)));
        match present.as_slice() {
            [] => {
                self.schema(base, format!("Exactly one of these fields is required: [{}]", keys.join(", ")));
                fallback
            }
            ["Seconds" | "SecondsPath"] => {
                let d = self.dynamic_int(obj, base, "Seconds", ql, (0, 99_999_999), Roots::Any);
                d.map(|d| Kind::Wait(Wait::Seconds(d))).unwrap_or(fallback)
            }
            ["Timestamp"] => {
                let v = &obj["Timestamp"];
                let location = ptr(base, "Timestamp");
                let d = match v.as_str() {
                    Some(_) if ql == QueryLanguage::Jsonata && is_jsonata(v) => {
                        self.jsonata(v, &location).map(Dynamic::Jsonata)
                    }
                    Some(s) if crate::timestamp::parse(s).is_some() => Some(Dynamic::Literal(s.to_string())),
                    _ => {
                        self.schema(location, "String does not match RFC3339 timestamp");
                        None
                    }
                };
                d.map(|d| Kind::Wait(Wait::Timestamp(d))).unwrap_or(fallback)
            }
            ["TimestampPath"] => {
                let v = &obj["TimestampPath"];
                let d = self.reference_path(v, &ptr(base, "TimestampPath"), Roots::Any);
                d.map(|p| Kind::Wait(Wait::Timestamp(Dynamic::Path(p)))).unwrap_or(fallback)
            }
            _ => {
                self.schema(base, format!("Exactly one of these fields is required: [{}]", keys.join(", ")));
                fallback
            }
        }
    }
}
