//! The states that run blocks of states: Parallel (`Branches`) and Map (`ItemProcessor` or
//! the deprecated `Iterator`, its `ProcessorConfig`, and the Distributed-mode fields
//! `ItemReader`, `ItemBatcher`, `ResultWriter` and `Label`).

use super::fields::is_jsonata;
use super::{ptr, Parser};
use crate::model::*;
use serde_json::{Map, Value};

#[allow(non_camel_case_types)]
type Map_ = crate::model::Map;

/// Fields of a Parallel branch or a Map processor. `QueryLanguage` is tolerated: a nested
/// state's language comes from the machine and its own field, so it has no effect here.
const BLOCK_FIELDS: &[&str] = &["StartAt", "States", "Comment", "QueryLanguage"];
const PROCESSOR_FIELDS: &[&str] = &["StartAt", "States", "Comment", "QueryLanguage", "ProcessorConfig"];

/// The largest `MaxConcurrency`, `ToleratedFailureCount` and `MaxItems` AWS accepts.
const MAX_COUNT: u64 = 99_999_999;
/// `MaxInputBytesPerBatch` is at most 256 KiB.
const MAX_BATCH_BYTES: u64 = 262_144;

/// Characters AWS forbids in names and labels: whitespace, brackets, wildcards, some
/// punctuation and control characters.
pub(crate) fn invalid_name_char(c: char) -> bool {
    c.is_whitespace()
        || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        || (c as u32) <= 0x1f
        || (0x7f..=0x9f).contains(&(c as u32))
}

impl Parser<'_> {
    pub(crate) fn parallel(&mut self, obj: &Map<String, Value>, base: &str) -> Kind {
        let location = ptr(base, "Branches");
        let mut branches = Vec::new();
        match obj.get("Branches") {
            Some(Value::Array(arr)) if !arr.is_empty() => {
                for (i, b) in arr.iter().enumerate() {
                    let bp = format!("{location}/{i}");
                    match b.as_object() {
                        Some(bo) => {
                            self.require(bo, &bp, &["States", "StartAt"]);
                            self.only(bo, &bp, BLOCK_FIELDS);
                            branches.push(self.block(bo, &bp, None));
                        }
                        None => self.schema(bp, "The value for a branch must be an OBJECT"),
                    }
                }
            }
            Some(_) => self.schema(location, "The value for the field 'Branches' must be a non-empty ARRAY"),
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
                // AWS takes a ProcessorConfig in the legacy Iterator too (recorded cases).
                self.only(m, &pp, PROCESSOR_FIELDS);
                m
            }
            Some(_) => {
                self.schema(&pp, format!("The value for the field '{proc_key}' must be an OBJECT"));
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
                    self.schema(
                        base,
                        format!("The field '{k}' is only supported for a Map state in DISTRIBUTED mode"),
                    );
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
            (QueryLanguage::Jsonata, Some(v)) => self.jsonata_expression(v, &ptr(base, "Items"), "Items"),
            _ => None,
        };
        let items_path = if ql == QueryLanguage::JsonPath {
            self.path_field(obj, base, "ItemsPath")
        } else {
            PathField::Default
        };
        let max_concurrency = self.dynamic_int(obj, base, "MaxConcurrency", ql, (0, MAX_COUNT));
        let tolerated_failure_count =
            self.dynamic_int(obj, base, "ToleratedFailureCount", ql, (0, MAX_COUNT));
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
            self.schema(cp, "The value for the field 'ProcessorConfig' must be an OBJECT");
            return ProcessorConfig::default();
        };
        self.only(c, &cp, &["Mode", "ExecutionType"]);
        let mode = match c.get("Mode") {
            None => ProcessorMode::Inline,
            Some(v) => match v.as_str() {
                Some("INLINE") => ProcessorMode::Inline,
                Some("DISTRIBUTED") => ProcessorMode::Distributed,
                _ => {
                    self.enum_error(v, &ptr(&cp, "Mode"), "Mode", &["INLINE", "DISTRIBUTED"]);
                    ProcessorMode::Inline
                }
            },
        };
        let execution_type = match c.get("ExecutionType") {
            None => None,
            Some(v) => match v.as_str() {
                Some(s @ ("STANDARD" | "EXPRESS")) => Some(s.to_string()),
                _ => {
                    self.enum_error(v, &ptr(&cp, "ExecutionType"), "ExecutionType", &["STANDARD", "EXPRESS"]);
                    None
                }
            },
        };
        if mode == ProcessorMode::Distributed && !c.contains_key("ExecutionType") {
            self.required(&cp, &["ExecutionType"]);
        }
        // A Distributed Map starts child workflow executions, which EXPRESS machines cannot.
        if mode == ProcessorMode::Distributed && self.machine_type == super::MachineType::Express {
            self.schema(
                ptr(&cp, "Mode"),
                "The field 'Mode' with value 'DISTRIBUTED' is not supported inside 'EXPRESS' state machines",
            );
        }
        ProcessorConfig { mode, execution_type }
    }

    /// `The value for 'Mode' must be one of the values: [INLINE, DISTRIBUTED] but was 'X'`.
    pub(crate) fn enum_error(&mut self, v: &Value, location: &str, key: &str, values: &[&str]) {
        let was = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.schema(
            location,
            format!(
                "The value for '{key}' must be one of the values: [{}] but was '{was}'",
                values.join(", ")
            ),
        );
    }

    /// A Map Run label: at most 40 characters, none of the characters AWS forbids in names.
    fn label(&mut self, v: &Value, location: &str) -> Option<String> {
        let Some(s) = v.as_str() else {
            self.schema(location, "The value for the field 'Label' must be a STRING");
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

    /// `Parameters` (JSONPath) or `Arguments` (JSONata) of an `ItemReader` or `ResultWriter`.
    fn config_payload(&mut self, m: &Map<String, Value>, location: &str, ql: QueryLanguage) {
        match ql {
            QueryLanguage::JsonPath => {
                if let Some(v) = m.get("Parameters") {
                    self.template(v, &ptr(location, "Parameters"), "Parameters", true);
                }
                if m.contains_key("Arguments") {
                    self.schema(
                        location,
                        "The field 'Arguments' is only supported when 'QueryLanguage' is 'JSONata'",
                    );
                }
            }
            QueryLanguage::Jsonata => {
                if let Some(v) = m.get("Arguments") {
                    self.arguments(v, &ptr(location, "Arguments"));
                }
                if m.contains_key("Parameters") {
                    self.schema(location, "The field 'Parameters' is not supported when 'QueryLanguage' is 'JSONata'; use 'Arguments'");
                }
            }
        }
    }

    /// An S3 resource of a Distributed Map: `arn:PARTITION:states:::s3:ACTION`.
    fn s3_resource(&mut self, m: &Map<String, Value>, location: &str, actions: &[&str]) {
        let Some(v) = m.get("Resource") else { return };
        let field = ptr(location, "Resource");
        let Some(s) = v.as_str() else {
            self.schema(field, "The value for the field 'Resource' must be a STRING");
            return;
        };
        let action = s.strip_prefix("arn:").and_then(|rest| rest.split_once(":states:::s3:"));
        let ok = matches!(action, Some((partition, action)) if !partition.contains(':') && actions.contains(&action));
        if !ok {
            self.schema(field, crate::resource::not_recognized_message(s));
        }
    }

    fn item_reader(&mut self, v: &Value, location: &str, ql: QueryLanguage) {
        let Some(m) = v.as_object() else {
            self.schema(location, "The value for the field 'ItemReader' must be an OBJECT");
            return;
        };
        self.only(m, location, &["Resource", "Parameters", "Arguments", "ReaderConfig"]);
        self.require(m, location, &["Resource"]);
        self.s3_resource(m, location, &["getObject", "listObjectsV2"]);
        self.config_payload(m, location, ql);
        if let Some(c) = m.get("ReaderConfig") {
            let cp = ptr(location, "ReaderConfig");
            match c.as_object() {
                Some(c) => {
                    self.dynamic_int(c, &cp, "MaxItems", ql, (0, MAX_COUNT));
                }
                None => self.schema(cp, "The value for the field 'ReaderConfig' must be an OBJECT"),
            }
        }
    }

    fn item_batcher(&mut self, v: &Value, location: &str, ql: QueryLanguage) {
        let Some(m) = v.as_object() else {
            self.schema(location, "The value for the field 'ItemBatcher' must be an OBJECT");
            return;
        };
        let mut allowed = vec!["MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"];
        if ql == QueryLanguage::JsonPath {
            allowed.extend(["MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"]);
        }
        self.only(m, location, &allowed);
        self.dynamic_int(m, location, "MaxItemsPerBatch", ql, (1, MAX_COUNT));
        self.dynamic_int(m, location, "MaxInputBytesPerBatch", ql, (1, MAX_BATCH_BYTES));
        if let Some(b) = m.get("BatchInput") {
            let bp = ptr(location, "BatchInput");
            if ql == QueryLanguage::Jsonata && is_jsonata(b) {
                self.jsonata(b, &bp);
            } else {
                self.payload(b, &bp, "BatchInput", ql);
            }
        }
    }

    fn result_writer(&mut self, v: &Value, location: &str, ql: QueryLanguage) {
        let Some(m) = v.as_object() else {
            self.schema(location, "The value for the field 'ResultWriter' must be an OBJECT");
            return;
        };
        self.only(m, location, &["Resource", "Parameters", "Arguments", "WriterConfig"]);
        if !m.contains_key("Resource") && !m.contains_key("WriterConfig") {
            self.required(location, &["Resource"]);
        }
        self.s3_resource(m, location, &["putObject"]);
        self.config_payload(m, location, ql);
        if let Some(c) = m.get("WriterConfig") {
            if !c.is_object() {
                self.schema(
                    ptr(location, "WriterConfig"),
                    "The value for the field 'WriterConfig' must be an OBJECT",
                );
            }
        }
    }
}
