//! The states that run blocks of states: Parallel (`Branches`) and Map (`ItemProcessor` or
//! the deprecated `Iterator`, its `ProcessorConfig`, the counts and their `...Path` forms,
//! `ItemReader`, and the Distributed-mode `ItemBatcher`, `ResultWriter` and `Label`).

use super::fields::{is_jsonata, Roots};
use super::{idx, ptr, MachineType, Parser};
use crate::model::*;
use serde_json::{Map, Value};

#[allow(non_camel_case_types)]
type Map_ = crate::model::Map;

/// Fields of a Parallel branch. A branch is not a state: AWS refuses a `QueryLanguage` on it.
const BRANCH_FIELDS: &[&str] = &["StartAt", "States", "Comment"];
/// Fields of a Map processor; AWS takes a `ProcessorConfig` in the legacy `Iterator` too.
const PROCESSOR_FIELDS: &[&str] = &["StartAt", "States", "Comment", "ProcessorConfig"];

/// No upper bound: AWS accepts any count and caps it when it runs.
const UNBOUNDED: u64 = u64::MAX;
/// `ReaderConfig.MaxItems` is at most 100,000,000.
const MAX_ITEMS: u64 = 100_000_000;
/// `MaxInputBytesPerBatch` is at most 256 KiB.
const MAX_BATCH_BYTES: u64 = 262_144;

const INPUT_TYPES: &[&str] = &["MANIFEST", "JSON", "CSV", "JSONL", "PARQUET"];
const TRANSFORMATIONS: &[&str] = &["NONE", "COMPACT", "FLATTEN"];
const OUTPUT_TYPES: &[&str] = &["JSON", "JSONL"];

/// Characters AWS forbids in names and labels: whitespace, brackets, wildcards, some
/// punctuation and control characters.
pub(crate) fn invalid_name_char(c: char) -> bool {
    c.is_whitespace()
        || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        || (c as u32) <= 0x1f
        || (0x7f..=0x9f).contains(&(c as u32))
}

/// `arn:PARTITION:states:::s3:ACTION` for one of `actions`.
fn s3_arn(s: &str, actions: &[&str]) -> bool {
    s.strip_prefix("arn:")
        .and_then(|rest| rest.split_once(":states:::s3:"))
        .is_some_and(|(partition, action)| !partition.contains(':') && actions.contains(&action))
}

impl Parser<'_> {
    pub(crate) fn parallel(&mut self, obj: &Map<String, Value>, base: &str) -> Kind {
        let location = ptr(base, "Branches");
        let mut branches = Vec::new();
        match obj.get("Branches") {
            Some(Value::Array(arr)) if !arr.is_empty() => {
                for (i, b) in arr.iter().enumerate() {
                    let bp = idx(&location, i);
                    match b.as_object() {
                        Some(bo) => {
                            self.require(bo, &bp, &["States", "StartAt"]);
                            self.only(bo, &bp, BRANCH_FIELDS);
                            branches.push(self.block(bo, &bp, None));
                        }
                        None => self.type_error(bp, "OBJECT"),
                    }
                }
            }
            Some(Value::Array(_)) => self.schema(location, "Array should have at least 1 item"),
            Some(_) => self.type_error(location, "ARRAY"),
            None => self.required(base, &["Branches"]),
        }
        Kind::Parallel(Parallel { branches })
    }

    pub(crate) fn map(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        ql: QueryLanguage,
        legacy_parameters: Option<Payload>,
    ) -> Kind {
        let (proc_key, proc_value) = match (obj.get("ItemProcessor"), obj.get("Iterator")) {
            (Some(v), Some(_)) => {
                self.exclusive(obj, base, "ItemProcessor", "Iterator");
                ("ItemProcessor", Some(v))
            }
            (Some(v), None) => ("ItemProcessor", Some(v)),
            (None, Some(v)) => ("Iterator", Some(v)),
            (None, None) => {
                self.required(base, &["ItemProcessor"]);
                ("ItemProcessor", None)
            }
        };
        let pp = ptr(base, proc_key);
        let empty = Map::new();
        let pobj = match proc_value {
            Some(Value::Object(m)) => {
                self.require(m, &pp, &["States", "StartAt"]);
                self.only(m, &pp, PROCESSOR_FIELDS);
                m
            }
            Some(_) => {
                self.type_error(&pp, "OBJECT");
                &empty
            }
            None => &empty,
        };
        let config = self.processor_config(pobj, &pp);
        let distributed = config.mode == ProcessorMode::Distributed;
        let processor = self.block(pobj, &pp, Some(config));
        if !distributed {
            for k in ["ItemBatcher", "ResultWriter", "Label"] {
                if obj.contains_key(k) {
                    self.schema(base, format!("Field '{k}' is only supported in DISTRIBUTED mode"));
                }
            }
        }
        let label = match obj.get("Label") {
            Some(l) if distributed => self.label(l, &ptr(base, "Label")),
            _ => None,
        };
        let item_selector = match (obj.get("ItemSelector"), legacy_parameters) {
            (Some(_), Some(_)) => {
                self.exclusive(obj, base, "ItemSelector", "Parameters");
                None
            }
            (Some(v), None) => self.payload(v, &ptr(base, "ItemSelector"), "ItemSelector", ql),
            (None, p) => p,
        };
        let items = match (ql, obj.get("Items")) {
            (QueryLanguage::Jsonata, Some(v)) if v.is_array() => self.jsonata(v, &ptr(base, "Items")),
            (QueryLanguage::Jsonata, Some(v)) => self.jsonata_expression(v, &ptr(base, "Items")),
            _ => None,
        };
        let items_path = if ql == QueryLanguage::JsonPath {
            self.path_field(obj, base, "ItemsPath")
        } else {
            PathField::Default
        };
        let count = (0, UNBOUNDED);
        let max_concurrency = self.dynamic_int(obj, base, "MaxConcurrency", ql, count, Roots::NoContext);
        let tolerated_failure_count =
            self.dynamic_int(obj, base, "ToleratedFailureCount", ql, count, Roots::NoContext);
        let tolerated_failure_percentage =
            self.dynamic_percentage(obj, base, "ToleratedFailurePercentage", ql);
        let item_reader = obj.get("ItemReader").cloned();
        if let Some(r) = &item_reader {
            self.item_reader(r, &ptr(base, "ItemReader"), ql);
        }
        let item_batcher = obj.get("ItemBatcher").filter(|_| distributed).cloned();
        if let Some(b) = &item_batcher {
            self.item_batcher(b, &ptr(base, "ItemBatcher"), ql);
        }
        let result_writer = obj.get("ResultWriter").filter(|_| distributed).cloned();
        if let Some(w) = &result_writer {
            self.result_writer(w, &ptr(base, "ResultWriter"), ql);
        }
        Kind::Map(Box::new(Map_ {
            processor,
            items_path,
            items,
            item_selector,
            max_concurrency,
            tolerated_failure_count,
            tolerated_failure_percentage,
            item_reader,
            item_batcher,
            result_writer,
            label,
        }))
    }

    fn processor_config(&mut self, pobj: &Map<String, Value>, pp: &str) -> ProcessorConfig {
        let Some(v) = pobj.get("ProcessorConfig") else {
            return ProcessorConfig::default();
        };
        let cp = ptr(pp, "ProcessorConfig");
        let Some(c) = v.as_object() else {
            self.type_error(cp, "OBJECT");
            return ProcessorConfig::default();
        };
        self.only(c, &cp, &["Mode", "ExecutionType"]);
        let mode = match c.get("Mode") {
            None => ProcessorMode::Inline,
            Some(v) => match v.as_str() {
                Some("INLINE") => ProcessorMode::Inline,
                Some("DISTRIBUTED") => ProcessorMode::Distributed,
                _ => {
                    self.enum_error(v, &ptr(&cp, "Mode"), &["INLINE", "DISTRIBUTED"]);
                    ProcessorMode::Inline
                }
            },
        };
        let execution_type = match c.get("ExecutionType") {
            None => None,
            Some(v) => match v.as_str() {
                Some(s @ ("STANDARD" | "EXPRESS")) => Some(s.to_string()),
                _ => {
                    self.enum_error(v, &ptr(&cp, "ExecutionType"), &["STANDARD", "EXPRESS"]);
                    None
                }
            },
        };
        if mode == ProcessorMode::Distributed && !c.contains_key("ExecutionType") {
            self.required(&cp, &["ExecutionType"]);
        }
        // A Distributed Map starts child workflow executions, which EXPRESS machines cannot.
        if mode == ProcessorMode::Distributed && self.machine_type == MachineType::Express {
            self.schema(
                ptr(&cp, "Mode"),
                "The field 'Mode' with value 'DISTRIBUTED' is not supported inside 'EXPRESS' state machines",
            );
        }
        ProcessorConfig { mode, execution_type }
    }

    /// `The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]`, or the type
    /// error when the value is not a string.
    pub(crate) fn enum_error(&mut self, v: &Value, location: &str, values: &[&str]) {
        if !v.is_string() {
            self.type_error(location, "STRING");
            return;
        }
        let key = location.rsplit('/').next().unwrap_or_default();
        self.schema(
            location,
            format!("The field '{key}' should have one of these values: [{}]", values.join(", ")),
        );
    }

    /// A Map Run label: at most 40 characters, none of the characters AWS forbids in names.
    fn label(&mut self, v: &Value, location: &str) -> Option<String> {
        let Some(s) = v.as_str() else {
            self.type_error(location, "STRING");
            return None;
        };
        let mut ok = true;
        if s.chars().count() > 40 {
            self.schema(location, "Label cannot exceed 40 characters");
            ok = false;
        }
        if let Some(c) = s.chars().find(|c| invalid_name_char(*c)) {
            self.schema(location, format!("Label contains invalid character: '{c}'"));
            ok = false;
        }
        ok.then(|| s.to_string())
    }

    /// The payload of an `ItemReader` or `ResultWriter`: `Parameters` in JSONPath, `Arguments`
    /// in JSONata; the other one is refused at its own location. Returns whether it is there.
    fn config_payload(&mut self, m: &Map<String, Value>, location: &str, ql: QueryLanguage) -> bool {
        let (own, other) = match ql {
            QueryLanguage::JsonPath => ("Parameters", "Arguments"),
            QueryLanguage::Jsonata => ("Arguments", "Parameters"),
        };
        if m.contains_key(other) {
            let (set, only) = match ql {
                QueryLanguage::JsonPath => ("JSONPath", "JSONata"),
                QueryLanguage::Jsonata => ("JSONata", "JSONPath"),
            };
            self.schema(
                ptr(location, other),
                format!("The QueryLanguage is set to '{set}', but field '{other}' is only supported for the '{only}' QueryLanguage"),
            );
        }
        let Some(v) = m.get(own) else { return false };
        let field = ptr(location, own);
        match ql {
            QueryLanguage::JsonPath => {
                self.template(v, &field, true);
            }
            QueryLanguage::Jsonata => {
                self.arguments(v, &field);
            }
        }
        true
    }

    fn item_reader(&mut self, v: &Value, location: &str, ql: QueryLanguage) {
        let Some(m) = v.as_object() else {
            self.type_error(location, "OBJECT");
            return;
        };
        self.only(m, location, &["Resource", "Parameters", "Arguments", "ReaderConfig"]);
        self.require(m, location, &["Resource"]);
        if let Some(r) = m.get("Resource") {
            if !r.as_str().is_some_and(|s| s3_arn(s, &["getObject", "listObjectsV2"])) {
                self.schema(
                    ptr(location, "Resource"),
                    "The field 'Resource' does not match any of the allowed values. Examples: [arn:<partition>:states:::s3:getObject, arn:<partition>:states:::s3:listObjectsV2]",
                );
            }
        }
        self.config_payload(m, location, ql);
        if let Some(c) = m.get("ReaderConfig") {
            let cp = ptr(location, "ReaderConfig");
            let Some(c) = c.as_object() else {
                self.type_error(cp, "OBJECT");
                return;
            };
            if let Some(t) = c.get("InputType") {
                if !t.as_str().is_some_and(|t| INPUT_TYPES.contains(&t)) {
                    self.enum_error(t, &ptr(&cp, "InputType"), INPUT_TYPES);
                }
            }
            self.dynamic_int(c, &cp, "MaxItems", ql, (0, MAX_ITEMS), Roots::NoContext);
        }
    }

    fn item_batcher(&mut self, v: &Value, location: &str, ql: QueryLanguage) {
        let Some(m) = v.as_object() else {
            self.type_error(location, "OBJECT");
            return;
        };
        self.only(
            m,
            location,
            &[
                "MaxItemsPerBatch",
                "MaxInputBytesPerBatch",
                "BatchInput",
                "MaxItemsPerBatchPath",
                "MaxInputBytesPerBatchPath",
            ],
        );
        if ql == QueryLanguage::Jsonata {
            for k in ["MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"] {
                if m.contains_key(k) {
                    self.schema(
                        location,
                        format!("The QueryLanguage is set to 'JSONata', but field '{k}' is only supported for the 'JSONPath' QueryLanguage"),
                    );
                }
            }
        }
        self.dynamic_int(m, location, "MaxItemsPerBatch", ql, (0, UNBOUNDED), Roots::NoContext);
        self.dynamic_int(m, location, "MaxInputBytesPerBatch", ql, (0, MAX_BATCH_BYTES), Roots::NoContext);
        if let Some(b) = m.get("BatchInput") {
            let bp = ptr(location, "BatchInput");
            if ql == QueryLanguage::Jsonata && is_jsonata(b) {
                self.jsonata(b, &bp);
            } else {
                self.payload(b, &bp, "BatchInput", ql);
            }
        }
    }

    /// `ResultWriter`: a `WriterConfig` alone, a `Resource` with its payload, or all three.
    fn result_writer(&mut self, v: &Value, location: &str, ql: QueryLanguage) {
        let Some(m) = v.as_object() else {
            self.type_error(location, "OBJECT");
            return;
        };
        self.only(m, location, &["Resource", "Parameters", "Arguments", "WriterConfig"]);
        let has_resource = m.contains_key("Resource");
        let has_payload = self.config_payload(m, location, ql);
        let has_config = m.contains_key("WriterConfig");
        if (!has_config && !has_resource) || has_resource != has_payload {
            let payload = if ql == QueryLanguage::Jsonata { "Arguments" } else { "Parameters" };
            self.schema(
                location,
                format!("The field 'ResultWriter' must specify WriterConfig alone, Resource with {payload}, or all three fields"),
            );
        }
        if let Some(r) = m.get("Resource") {
            if !r.as_str().is_some_and(|s| s3_arn(s, &["putObject"])) {
                self.schema(
                    ptr(location, "Resource"),
                    "The field 'Resource' does not match any of the allowed values. Examples: [arn:<partition>:states:::s3:putObject]",
                );
            }
        }
        if let Some(c) = m.get("WriterConfig") {
            let cp = ptr(location, "WriterConfig");
            let Some(c) = c.as_object() else {
                self.type_error(cp, "OBJECT");
                return;
            };
            self.only(c, &cp, &["Transformation", "OutputType"]);
            match (
                c.get("Transformation").and_then(Value::as_str),
                c.get("OutputType").and_then(Value::as_str),
            ) {
                (Some(t), Some(o)) => {
                    if !TRANSFORMATIONS.contains(&t) {
                        self.enum_error(&c["Transformation"], &ptr(&cp, "Transformation"), TRANSFORMATIONS);
                    }
                    if !OUTPUT_TYPES.contains(&o) {
                        self.enum_error(&c["OutputType"], &ptr(&cp, "OutputType"), OUTPUT_TYPES);
                    }
                }
                _ => self.required(&cp, &["Transformation", "OutputType"]),
            }
        }
    }
}
