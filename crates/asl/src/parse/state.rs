//! One state: its `Type`, which fields it may have in its query language, its transition, its
//! input/output processing fields and its type-specific fields.

use super::{ptr, MachineType, Parser};
use crate::diagnostic::Code;
use crate::model::*;
use crate::resource::{Pattern, Resource};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Fields any state type may have.
const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];

/// The type-specific fields of each state type (besides the I/O fields below).
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

/// Whether a field is allowed on a state type, independent of the query language.
fn field_allowed(t: StateType, key: &str) -> bool {
    use StateType::*;
    if COMMON.contains(&key) || own_fields(t).contains(&key) {
        return true;
    }
    match key {
        "Next" | "End" => !matches!(t, Choice | Succeed | Fail),
        "InputPath" | "OutputPath" => t != Fail,
        "Parameters" | "ResultPath" => matches!(t, Pass | Task | Parallel | Map),
        "ResultSelector" | "Retry" | "Catch" => matches!(t, Task | Parallel | Map),
        "Assign" => !matches!(t, Succeed | Fail),
        "Output" => t != Fail,
        "Arguments" => matches!(t, Task | Parallel),
        _ => false,
    }
}

/// Fields that exist only in JSONPath states.
fn jsonpath_only(key: &str) -> bool {
    matches!(
        key,
        "InputPath"
            | "OutputPath"
            | "Parameters"
            | "ResultSelector"
            | "ResultPath"
            | "ItemsPath"
            | "SecondsPath"
            | "TimestampPath"
            | "TimeoutSecondsPath"
            | "HeartbeatSecondsPath"
            | "ErrorPath"
            | "CausePath"
            | "MaxConcurrencyPath"
            | "ToleratedFailureCountPath"
            | "ToleratedFailurePercentagePath"
            | "Iterator"
    )
}

/// Fields that exist only in JSONata states.
fn jsonata_only(key: &str) -> bool {
    matches!(key, "Arguments" | "Output" | "Items")
}

impl Parser {
    pub(crate) fn state(
        &mut self,
        name: &str,
        v: &Value,
        base: &str,
        parent_ql: QueryLanguage,
        names: &HashMap<String, u32>,
    ) -> State {
        let placeholder = |kind| State {
            name: name.into(),
            pointer: base.to_string(),
            comment: None,
            query_language: parent_ql,
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
            kind,
        };
        let Some(obj) = v.as_object() else {
            self.schema(base, "A state must be an object");
            return placeholder(Kind::Succeed);
        };
        let t = match obj.get("Type") {
            Some(Value::String(s)) => match StateType::parse(s) {
                Some(t) => t,
                None => {
                    self.schema(
                        ptr(base, "Type"),
                        format!("The value of the field 'Type' is not valid: {s}"),
                    );
                    return placeholder(Kind::Succeed);
                }
            },
            _ => {
                self.schema(base, "These fields are required: [Type]");
                return placeholder(Kind::Succeed);
            }
        };
        let ql = match obj.get("QueryLanguage") {
            None => parent_ql,
            Some(v) => {
                match self.query_language(v, &ptr(base, "QueryLanguage")) {
                    Some(QueryLanguage::JsonPath) if self.top_query_language == QueryLanguage::Jsonata => {
                        self.schema(base, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine");
                        QueryLanguage::Jsonata
                    }
                    Some(q) => q,
                    None => parent_ql,
                }
            }
        };
        for key in obj.keys() {
            if !field_allowed(t, key) {
                self.schema(ptr(base, key), format!("The field '{key}' is not supported by Step Functions"));
            } else if ql == QueryLanguage::Jsonata && jsonpath_only(key) {
                self.schema(ptr(base, key), format!("The field '{key}' is not supported for JSONata. Please use 'Arguments', 'Output' or 'Assign' fields"));
            } else if ql == QueryLanguage::JsonPath && jsonata_only(key) {
                self.schema(ptr(base, key), format!("The field '{key}' is only supported for JSONata"));
            } else if ql == QueryLanguage::Jsonata && key == "Result" {
                self.schema(
                    ptr(base, key),
                    "The field 'Result' is not supported for JSONata. Please use 'Output'",
                );
            }
        }
        let comment = self.opt_string(obj, base, "Comment");
        let transition = self.transition(obj, base, t, names);
        let mut s = placeholder(Kind::Succeed);
        s.comment = comment;
        s.query_language = ql;
        s.transition = transition;
        if ql == QueryLanguage::JsonPath {
            s.input_path = self.path_field(obj, base, "InputPath");
            s.output_path = self.path_field(obj, base, "OutputPath");
            s.result_path = self.result_path_field(obj, base);
            if let Some(v) = obj.get("Parameters") {
                s.parameters = self
                    .template(v, &ptr(base, "Parameters"), "Parameters", t != StateType::Pass)
                    .map(Payload::JsonPath);
            }
            if let Some(v) = obj.get("ResultSelector") {
                s.result_selector = self
                    .template(v, &ptr(base, "ResultSelector"), "ResultSelector", true)
                    .map(Payload::JsonPath);
            }
        } else {
            if let Some(v) = obj.get("Arguments") {
                s.arguments = self.jsonata(v, &ptr(base, "Arguments"));
            }
            if let Some(v) = obj.get("Output") {
                s.output = self.jsonata(v, &ptr(base, "Output"));
            }
        }
        if let Some(v) = obj.get("Assign") {
            s.assign = self.payload(v, &ptr(base, "Assign"), "Assign", ql);
        }
        if let Some(v) = obj.get("Retry") {
            s.retry = self.retriers(v, base);
        }
        if let Some(v) = obj.get("Catch") {
            s.catch = self.catchers(v, base, ql, names);
        }
        s.kind = match t {
            StateType::Pass => Kind::Pass(Pass { result: obj.get("Result").cloned() }),
            StateType::Task => self.task(obj, base, ql),
            StateType::Choice => self.choice(obj, base, ql, names),
            StateType::Wait => self.wait(obj, base, ql),
            StateType::Succeed => Kind::Succeed,
            StateType::Fail => Kind::Fail(Fail {
                error: self.dynamic_string(obj, base, "Error", ql),
                cause: self.dynamic_string(obj, base, "Cause", ql),
            }),
            StateType::Parallel => self.parallel(obj, base),
            StateType::Map => {
                let legacy_parameters = s.parameters.take();
                self.map(obj, base, ql, legacy_parameters)
            }
        };
        s
    }

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
                self.schema(ptr(base, "End"), "The field 'End' must be a boolean");
                false
            }
        };
        match (obj.contains_key("Next"), end) {
            (true, true) => {
                self.schema(base, "Only one of 'Next' and 'End' may be set");
                Transition::End
            }
            (true, false) => {
                self.next_target(obj, base, names).map(Transition::Next).unwrap_or(Transition::End)
            }
            (false, true) => Transition::End,
            (false, false) => {
                self.schema(base, "These fields are required: [Next or End]");
                Transition::End
            }
        }
    }

    fn task(&mut self, obj: &Map<String, Value>, base: &str, ql: QueryLanguage) -> Kind {
        let location = ptr(base, "Resource");
        let resource = match obj.get("Resource") {
            Some(Value::String(s)) => match Resource::parse(s) {
                Ok(r) => Some(r),
                Err(msg) => {
                    self.schema(&location, msg);
                    None
                }
            },
            Some(_) => {
                self.schema(&location, "The field 'Resource' must be a string");
                None
            }
            None => {
                self.schema(base, "These fields are required: [Resource]");
                None
            }
        };
        if let Some(r) = &resource {
            if self.machine_type == MachineType::Express {
                match r.pattern() {
                    Pattern::Sync | Pattern::Sync2 => self.schema(
                        &location,
                        "Express state machine does not support '.sync' service integration ",
                    ),
                    Pattern::WaitForTaskToken => self.schema(
                        &location,
                        "Express state machine does not support '.waitForTaskToken' service integration ",
                    ),
                    Pattern::RequestResponse => {}
                }
            }
        }
        let timeout_seconds = self.dynamic_int(obj, base, "TimeoutSeconds", ql, 1, 99_999_999);
        let heartbeat_seconds = self.dynamic_int(obj, base, "HeartbeatSeconds", ql, 1, 99_999_998);
        if let (Some(Dynamic::Literal(t)), Some(Dynamic::Literal(h))) = (&timeout_seconds, &heartbeat_seconds)
        {
            if h >= t {
                self.schema(
                    ptr(base, "HeartbeatSeconds"),
                    "HeartbeatSeconds must be smaller than TimeoutSeconds",
                );
            }
        }
        let credentials = obj.get("Credentials").cloned();
        if let Some(c) = &credentials {
            let cp = ptr(base, "Credentials");
            match c.as_object() {
                Some(m) if m.contains_key("RoleArn") || m.contains_key("RoleArn.$") => {}
                _ => self.schema(cp, "The field 'RoleArn' is required but was missing"),
            }
        }
        match resource {
            Some(resource) => {
                Kind::Task(Box::new(Task { resource, timeout_seconds, heartbeat_seconds, credentials }))
            }
            None => Kind::Succeed,
        }
    }

    fn choice(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        ql: QueryLanguage,
        names: &HashMap<String, u32>,
    ) -> Kind {
        if !obj.contains_key("Choices") {
            self.schema(base, "These fields are required: [Choices]");
        }
        let choices = self.choice_rules(obj, base, ql, names);
        let default = self.target(obj, base, "Default", names);
        Kind::Choice(Choice { choices, default })
    }

    fn wait(&mut self, obj: &Map<String, Value>, base: &str, ql: QueryLanguage) -> Kind {
        let present: Vec<&str> = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        if present.len() != 1 {
            self.schema(base, "A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'");
            return Kind::Wait(Wait::Seconds(Dynamic::Literal(0)));
        }
        if present[0].starts_with("Seconds") {
            let d = self.dynamic_int(obj, base, "Seconds", ql, 0, 99_999_999);
            return Kind::Wait(Wait::Seconds(d.unwrap_or(Dynamic::Literal(0))));
        }
        let d = match (obj.get("Timestamp"), obj.get("TimestampPath")) {
            (Some(v), _) => {
                let location = ptr(base, "Timestamp");
                match v.as_str() {
                    Some(s)
                        if ql == QueryLanguage::Jsonata
                            && crate::template::expression_source(s).is_some() =>
                    {
                        self.jsonata(v, &location).map(Dynamic::Jsonata)
                    }
                    Some(s) if crate::timestamp::parse(s).is_some() => Some(Dynamic::Literal(s.to_string())),
                    _ => {
                        self.schema(location, "String does not match RFC3339 timestamp");
                        None
                    }
                }
            }
            (None, Some(v)) => self.path(v, &ptr(base, "TimestampPath"), "TimestampPath").map(Dynamic::Path),
            (None, None) => None,
        };
        Kind::Wait(Wait::Timestamp(d.unwrap_or(Dynamic::Literal(String::new()))))
    }

    fn parallel(&mut self, obj: &Map<String, Value>, base: &str) -> Kind {
        let location = ptr(base, "Branches");
        let mut branches = Vec::new();
        match obj.get("Branches") {
            Some(Value::Array(arr)) if !arr.is_empty() => {
                for (i, b) in arr.iter().enumerate() {
                    let bp = format!("{location}/{i}");
                    match b.as_object() {
                        Some(bo) => {
                            self.sub_block_fields(bo, &bp);
                            branches.push(self.block(bo, &bp, self.top_query_language, None));
                        }
                        None => self.schema(bp, "A branch must be an object"),
                    }
                }
            }
            Some(_) => self.schema(location, "The field 'Branches' must be a non-empty array"),
            None => self.schema(base, "These fields are required: [Branches]"),
        }
        Kind::Parallel(Parallel { branches })
    }

    /// Fields of a branch or processor object.
    fn sub_block_fields(&mut self, obj: &Map<String, Value>, base: &str) {
        let mut missing = Vec::new();
        for k in ["StartAt", "States"] {
            if !obj.contains_key(k) {
                missing.push(k);
            }
        }
        if !missing.is_empty() {
            self.schema(base, format!("These fields are required: [{}]", missing.join(", ")));
        }
        for key in obj.keys() {
            if !matches!(key.as_str(), "StartAt" | "States" | "Comment" | "ProcessorConfig" | "QueryLanguage")
            {
                self.schema(ptr(base, key), format!("The field '{key}' is not supported by Step Functions"));
            }
        }
    }

    fn map(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        ql: QueryLanguage,
        legacy_parameters: Option<Payload>,
    ) -> Kind {
        let (proc_key, proc_obj) = match (obj.get("ItemProcessor"), obj.get("Iterator")) {
            (Some(_), Some(_)) => {
                self.schema(base, "Only one of 'ItemProcessor' and 'Iterator' may be set");
                ("ItemProcessor", obj.get("ItemProcessor"))
            }
            (Some(v), None) => ("ItemProcessor", Some(v)),
            (None, Some(v)) => ("Iterator", Some(v)),
            (None, None) => {
                self.schema(base, "These fields are required: [ItemProcessor]");
                ("ItemProcessor", None)
            }
        };
        let pp = ptr(base, proc_key);
        let empty = Map::new();
        let pobj = match proc_obj {
            Some(Value::Object(m)) => m,
            Some(_) => {
                self.schema(&pp, format!("The field '{proc_key}' must be an object"));
                &empty
            }
            None => &empty,
        };
        if proc_obj.is_some() {
            self.sub_block_fields(pobj, &pp);
        }
        let config = self.processor_config(pobj, &pp);
        let distributed = config.mode == ProcessorMode::Distributed;
        let processor = self.block(pobj, &pp, self.top_query_language, Some(config));
        if let Some(l) = obj.get("Label") {
            self.label(l, &ptr(base, "Label"));
        }
        let item_selector = match (obj.get("ItemSelector"), legacy_parameters) {
            (Some(_), Some(_)) => {
                self.schema(base, "Only one of 'ItemSelector' and 'Parameters' may be set");
                None
            }
            (Some(v), None) => self.payload(v, &ptr(base, "ItemSelector"), "ItemSelector", ql),
            (None, p) => p,
        };
        let items = match (ql, obj.get("Items")) {
            (QueryLanguage::Jsonata, Some(v)) => self.jsonata(v, &ptr(base, "Items")),
            _ => None,
        };
        let map = Map_ {
            processor,
            items_path: if ql == QueryLanguage::JsonPath {
                self.path_field(obj, base, "ItemsPath")
            } else {
                PathField::Default
            },
            items,
            item_selector,
            max_concurrency: self.dynamic_int(obj, base, "MaxConcurrency", ql, 0, 99_999_999),
            tolerated_failure_count: self.dynamic_int(obj, base, "ToleratedFailureCount", ql, 0, 99_999_999),
            tolerated_failure_percentage: self.dynamic_percentage(
                obj,
                base,
                "ToleratedFailurePercentage",
                ql,
            ),
            item_reader: obj.get("ItemReader").cloned(),
            item_batcher: obj.get("ItemBatcher").cloned(),
            result_writer: obj.get("ResultWriter").cloned(),
            label: obj.get("Label").and_then(|v| v.as_str()).map(str::to_string),
        };
        if !distributed {
            for k in ["ItemReader", "ItemBatcher", "ResultWriter", "Label"] {
                if obj.contains_key(k) && k != "ItemReader" {
                    self.schema(
                        ptr(base, k),
                        format!("The field '{k}' is only supported for a Map state in DISTRIBUTED mode"),
                    );
                }
            }
        }
        Kind::Map(Box::new(map))
    }

    fn processor_config(&mut self, pobj: &Map<String, Value>, pp: &str) -> ProcessorConfig {
        let Some(v) = pobj.get("ProcessorConfig") else {
            return ProcessorConfig::default();
        };
        let cp = ptr(pp, "ProcessorConfig");
        let Some(c) = v.as_object() else {
            self.schema(cp, "The field 'ProcessorConfig' must be an object");
            return ProcessorConfig::default();
        };
        let mode = match c.get("Mode").and_then(|m| m.as_str()) {
            None | Some("INLINE") => ProcessorMode::Inline,
            Some("DISTRIBUTED") => ProcessorMode::Distributed,
            Some(other) => {
                self.schema(ptr(&cp, "Mode"), format!("The value of the field 'Mode' is not valid: {other}"));
                ProcessorMode::Inline
            }
        };
        let execution_type = match c.get("ExecutionType") {
            None => None,
            Some(v) => match v.as_str() {
                Some(s @ ("STANDARD" | "EXPRESS")) => Some(s.to_string()),
                _ => {
                    self.schema(
                        ptr(&cp, "ExecutionType"),
                        "The value of the field 'ExecutionType' must be one of [STANDARD, EXPRESS]",
                    );
                    None
                }
            },
        };
        if mode == ProcessorMode::Distributed && execution_type.is_none() {
            self.schema(cp.clone(), "These fields are required: [ExecutionType]");
        }
        for key in c.keys() {
            if !matches!(key.as_str(), "Mode" | "ExecutionType") {
                self.schema(ptr(&cp, key), format!("The field '{key}' is not supported by Step Functions"));
            }
        }
        ProcessorConfig { mode, execution_type }
    }

    fn label(&mut self, v: &Value, location: &str) {
        let Some(s) = v.as_str() else {
            self.schema(location, "The field 'Label' must be a string");
            return;
        };
        if s.chars().count() > 40 {
            self.schema(location, "Label cannot exceed 40 characters");
        }
        if let Some(c) = s.chars().find(|c| invalid_name_char(*c)) {
            self.error(
                Code::SchemaValidationFailed,
                location,
                format!("Label contains invalid character: '{c}'"),
            );
        }
    }
}

/// Characters AWS forbids in names and labels: whitespace, brackets, wildcards, some
/// punctuation and control characters.
pub(crate) fn invalid_name_char(c: char) -> bool {
    c.is_whitespace()
        || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        || (c as u32) <= 0x1f
        || (0x7f..=0x9f).contains(&(c as u32))
}

#[allow(non_camel_case_types)]
type Map_ = crate::model::Map;
