//! From definition text to [`Definition`]: JSON syntax, the fields each state type requires
//! and forbids in each query language, field types and ranges, compiled paths, intrinsic calls
//! and JSONata expressions. Every problem becomes a [`Diagnostic`] with a JSON pointer; parsing
//! never panics and never stops at the first problem. Graph-level checks (targets, reachability,
//! terminal states) are in [`crate::validate`].

mod choice;
mod fields;
mod state;

use crate::diagnostic::{escape_pointer_token, Code, Diagnostic, Severity};
use crate::model::*;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// STANDARD or EXPRESS: some rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MachineType {
    #[default]
    Standard,
    Express,
}

impl MachineType {
    pub fn parse(s: &str) -> Option<MachineType> {
        match s {
            "STANDARD" => Some(MachineType::Standard),
            "EXPRESS" => Some(MachineType::Express),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MachineType::Standard => "STANDARD",
            MachineType::Express => "EXPRESS",
        }
    }
}

/// The result of parsing: the definition when there is no error, and every diagnostic
/// (warnings included).
#[derive(Debug)]
pub struct Parsed {
    pub definition: Option<Definition>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn is_ok(&self) -> bool {
        self.definition.is_some()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The definition, or the error diagnostics.
    pub fn into_result(self) -> Result<Definition, Vec<Diagnostic>> {
        match self.definition {
            Some(d) => Ok(d),
            None => Err(self.diagnostics.into_iter().filter(|d| d.severity == Severity::Error).collect()),
        }
    }
}

/// Parses and validates definition text.
pub fn parse(text: &str, machine_type: MachineType) -> Parsed {
    if text.trim().is_empty() {
        return Parsed {
            definition: None,
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                code: Code::SchemaValidationFailed,
                message: "Definition must be a valid JSON object".into(),
                location: None,
            }],
        };
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let loc = format!("line: {}, column: {}", e.line(), e.column());
            return Parsed {
                definition: None,
                diagnostics: vec![Diagnostic {
                    severity: Severity::Error,
                    code: Code::InvalidJsonDescription,
                    message: e.to_string(),
                    location: Some(loc),
                }],
            };
        }
    };
    parse_value(&value, machine_type)
}

/// Parses and validates a definition already read as JSON.
pub fn parse_value(value: &Value, machine_type: MachineType) -> Parsed {
    let Some(obj) = value.as_object() else {
        return Parsed {
            definition: None,
            diagnostics: vec![Diagnostic {
                severity: Severity::Error,
                code: Code::SchemaValidationFailed,
                message: "Definition must be a valid JSON object".into(),
                location: None,
            }],
        };
    };
    let mut p = Parser {
        diags: Vec::new(),
        blocks: Vec::new(),
        machine_type,
        all_names: HashMap::new(),
        top_query_language: QueryLanguage::JsonPath,
    };
    let definition = p.top_level(obj);
    if p.diags.iter().all(|d| d.severity != Severity::Error) {
        crate::validate::check_graph(&definition, &mut p.diags);
    }
    let ok = p.diags.iter().all(|d| d.severity != Severity::Error);
    Parsed { definition: ok.then_some(definition), diagnostics: p.diags }
}

pub(crate) struct Parser {
    pub(crate) diags: Vec<Diagnostic>,
    blocks: Vec<Block>,
    pub(crate) machine_type: MachineType,
    /// State names across the whole machine (they must be unique), with their pointers.
    all_names: HashMap<String, String>,
    /// The machine's `QueryLanguage`: what every state without its own inherits.
    pub(crate) top_query_language: QueryLanguage,
}

/// Joins a pointer and a key.
pub(crate) fn ptr(base: &str, key: &str) -> String {
    format!("{base}/{}", escape_pointer_token(key))
}

const TOP_FIELDS: &[&str] = &["Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"];

impl Parser {
    pub(crate) fn error(&mut self, code: Code, location: impl Into<String>, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, location, message));
    }

    pub(crate) fn schema(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.error(Code::SchemaValidationFailed, location, message);
    }

    fn top_level(&mut self, obj: &Map<String, Value>) -> Definition {
        let location = "/";
        let missing: Vec<&str> =
            ["StartAt", "States"].into_iter().filter(|k| !obj.contains_key(*k)).collect();
        if !missing.is_empty() {
            self.schema(location, format!("These fields are required: [{}]", missing.join(", ")));
        }
        for key in obj.keys() {
            if !TOP_FIELDS.contains(&key.as_str()) {
                self.schema(ptr("", key), format!("The field '{key}' is not supported by Step Functions"));
            }
        }
        let comment = self.opt_string(obj, "", "Comment");
        let version = self.opt_string(obj, "", "Version");
        let timeout_seconds = match obj.get("TimeoutSeconds") {
            None => None,
            Some(v) => self.positive_int(v, "/TimeoutSeconds", "TimeoutSeconds", 0, 99_999_999),
        };
        let query_language = match obj.get("QueryLanguage") {
            None => QueryLanguage::JsonPath,
            Some(v) => self.query_language(v, "/QueryLanguage").unwrap_or_default(),
        };
        self.top_query_language = query_language;
        let root = self.block(obj, "", query_language, None);
        debug_assert_eq!(root, Definition::ROOT);
        Definition {
            comment,
            query_language,
            timeout_seconds,
            version,
            blocks: std::mem::take(&mut self.blocks),
        }
    }

    pub(crate) fn query_language(&mut self, v: &Value, location: &str) -> Option<QueryLanguage> {
        match v.as_str() {
            Some("JSONPath") => Some(QueryLanguage::JsonPath),
            Some("JSONata") => Some(QueryLanguage::Jsonata),
            _ => {
                self.schema(location, "The value of QueryLanguage must be one of [JSONPath, JSONata]");
                None
            }
        }
    }

    /// Parses `StartAt` + `States` of a block (top level, branch or processor). Reserves the
    /// block's id before its states are parsed, so nested blocks get later ids.
    pub(crate) fn block(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
        ql: QueryLanguage,
        processor: Option<ProcessorConfig>,
    ) -> BlockId {
        let id = BlockId(self.blocks.len() as u32);
        self.blocks.push(Block {
            start_at: 0,
            states: Vec::new(),
            names: HashMap::new(),
            pointer: base.to_string(),
            processor,
        });
        let states_ptr = format!("{base}/States");
        let empty = Map::new();
        let states_obj = match obj.get("States") {
            Some(Value::Object(m)) => m,
            Some(_) => {
                self.schema(&states_ptr, "The field 'States' must be an object");
                &empty
            }
            None => &empty,
        };
        if states_obj.is_empty() && obj.contains_key("States") {
            self.schema(&states_ptr, "The field 'States' must contain at least one state");
        }
        // Names first, so that Next/Default/Catch targets resolve to indexes.
        let mut names = HashMap::new();
        for (i, name) in states_obj.keys().enumerate() {
            names.insert(name.clone(), i as u32);
            let p = ptr(&states_ptr, name);
            self.check_state_name(name, &p);
        }
        self.blocks[id.0 as usize].names = names.clone();
        let start_at = match obj.get("StartAt") {
            Some(Value::String(s)) => match names.get(s) {
                Some(i) => *i,
                None => {
                    self.error(
                        Code::MissingTransitionTarget,
                        format!("{base}/StartAt"),
                        format!("Missing 'Next' target: {s}"),
                    );
                    0
                }
            },
            Some(_) => {
                self.schema(format!("{base}/StartAt"), "The field 'StartAt' must be a string");
                0
            }
            None => {
                if base.is_empty() {
                    // reported with the top-level required fields
                } else {
                    self.schema(
                        if base.is_empty() { "/" } else { base },
                        "These fields are required: [StartAt]",
                    );
                }
                0
            }
        };
        let mut states = Vec::with_capacity(states_obj.len());
        for (name, v) in states_obj {
            let p = ptr(&states_ptr, name);
            states.push(self.state(name, v, &p, ql, &names));
        }
        let block = &mut self.blocks[id.0 as usize];
        block.states = states;
        block.start_at = start_at;
        id
    }

    fn check_state_name(&mut self, name: &str, location: &str) {
        if name.is_empty() || name.chars().count() > 80 {
            self.error(
                Code::InvalidStateName,
                location,
                "State names must be between 1 and 80 characters long",
            );
        }
        if let Some(first) = self.all_names.get(name) {
            let first = first.clone();
            self.error(
                Code::DuplicateStateName,
                location,
                format!("Duplicate State name: {name} (also at {first})"),
            );
        } else {
            self.all_names.insert(name.to_string(), location.to_string());
        }
    }
}
