//! From definition text to [`Definition`]: JSON syntax (as Jackson reports it), the fields each
//! state type requires and forbids in each query language, field types and ranges, compiled
//! paths, intrinsic calls and JSONata expressions, the rules of EXPRESS machines, and AWS's
//! warnings. Every problem becomes a [`Diagnostic`] with a location; parsing never panics and
//! never stops at the first problem. Graph-level checks (reachability, terminal states) are in
//! [`crate::validate`], run on the transitions the parser records.
//!
//! Module map: `json` (syntax, duplicate keys), this module (top level, blocks, state names),
//! `state` (common fields and the simple state types), `task`, `map` (Map and Parallel),
//! `choice`, `retry` (Retry and Catch), `fields` (typed field readers), `jsonata` (JSONata
//! fields), `warnings`.

mod choice;
mod fields;
mod json;
mod jsonata;
mod map;
mod retry;
mod state;
mod task;
mod warnings;

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::model::*;
use crate::validate::{BlockGraph, Graph, Start};
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

    fn failed(diagnostic: Diagnostic) -> Parsed {
        Parsed { definition: None, diagnostics: vec![diagnostic] }
    }
}

const NOT_AN_OBJECT: &str = "Definition must be a valid JSON object";

/// Parses and validates definition text.
pub fn parse(text: &str, machine_type: MachineType) -> Parsed {
    // Jackson's whitespace only: anything else is a syntax error.
    if text.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Parsed::failed(Diagnostic::unlocated(Code::SchemaValidationFailed, NOT_AN_OBJECT));
    }
    let scanned = match json::scan(text) {
        Ok(s) => s,
        Err(e) => {
            return Parsed::failed(Diagnostic::new(Code::InvalidJsonDescription, e.location, e.message));
        }
    };
    // Good syntax, but not an object: AWS's answer does not depend on what it is.
    if !text.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{') {
        return Parsed::failed(Diagnostic::unlocated(Code::SchemaValidationFailed, NOT_AN_OBJECT));
    }
    // The syntax is good; serde_json refuses only what it cannot represent (nesting deeper
    // than 128, numbers beyond f64).
    let value: Value = match serde_json::from_str(&text[..scanned.end]) {
        Ok(v) => v,
        Err(e) => {
            return Parsed::failed(Diagnostic::new(
                Code::InvalidJsonDescription,
                format!("line: {}, column: {}", e.line(), e.column()),
                format!("The definition cannot be read: {e}"),
            ));
        }
    };
    parse_tree(&value, machine_type, &scanned.duplicates)
}

/// Parses and validates a definition already read as JSON (duplicate keys, if the text had
/// any, are already lost).
pub fn parse_value(value: &Value, machine_type: MachineType) -> Parsed {
    parse_tree(value, machine_type, &[])
}

fn parse_tree(value: &Value, machine_type: MachineType, duplicates: &[json::DuplicateKey]) -> Parsed {
    let Some(obj) = value.as_object() else {
        return Parsed::failed(Diagnostic::unlocated(Code::SchemaValidationFailed, NOT_AN_OBJECT));
    };
    let mut p = Parser {
        diags: Vec::new(),
        blocks: Vec::new(),
        graph: Graph::default(),
        current: None,
        in_catcher: false,
        machine_type,
        all_names: HashMap::new(),
        top_query_language: QueryLanguage::JsonPath,
        duplicates,
    };
    let definition = p.top_level(obj);
    crate::validate::check_graph(&p.graph, &mut p.diags);
    let ok = p.diags.iter().all(|d| d.severity != Severity::Error);
    Parsed { definition: ok.then_some(definition), diagnostics: p.diags }
}

pub(crate) struct Parser<'a> {
    pub(crate) diags: Vec<Diagnostic>,
    blocks: Vec<Block>,
    /// The transitions found, by name, whatever else is wrong with the states.
    graph: Graph,
    /// The block and state being parsed: where a transition found now starts.
    current: Option<(usize, u32)>,
    /// Parsing a catcher's `Output` or `Assign`, where `$states.errorOutput` exists.
    pub(crate) in_catcher: bool,
    pub(crate) machine_type: MachineType,
    /// State names across the whole machine (they must be unique), with their pointers.
    all_names: HashMap<String, String>,
    /// The machine's `QueryLanguage`: what every state without its own inherits.
    pub(crate) top_query_language: QueryLanguage,
    duplicates: &'a [json::DuplicateKey],
}

/// The location of `key` in the object at `base`. AWS writes locations as `/`-joined keys,
/// unescaped (a state named `a/b` is at `/States/a/b`), with array elements as `Key[i]`:
/// `/States/P/Branches[0]/States/X`, `/States/C/Choices[0]/Next`.
pub(crate) fn ptr(base: &str, key: &str) -> String {
    format!("{base}/{key}")
}

/// The location of element `i` of the array at `base`.
pub(crate) fn idx(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// The pointer of an object for messages about its fields: `/` for the root.
pub(crate) fn at(base: &str) -> &str {
    if base.is_empty() {
        "/"
    } else {
        base
    }
}

const TOP_FIELDS: &[&str] = &["Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"];

impl Parser<'_> {
    pub(crate) fn error(&mut self, code: Code, location: impl Into<String>, message: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, location, message));
    }

    pub(crate) fn schema(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.error(Code::SchemaValidationFailed, location, message);
    }

    /// `These fields are required: [A, B]`, at the object.
    pub(crate) fn required(&mut self, base: &str, fields: &[&str]) {
        self.schema(at(base), format!("These fields are required: [{}]", fields.join(", ")));
    }

    /// The required fields of `obj` that are missing, reported at once.
    pub(crate) fn require(&mut self, obj: &Map<String, Value>, base: &str, fields: &[&str]) -> bool {
        let missing: Vec<&str> = fields.iter().copied().filter(|k| !obj.contains_key(*k)).collect();
        if !missing.is_empty() {
            self.required(base, &missing);
        }
        missing.is_empty()
    }

    /// `Field 'K' is not supported`, at the object.
    pub(crate) fn unsupported(&mut self, base: &str, key: &str) {
        self.schema(at(base), format!("Field '{key}' is not supported"));
    }

    /// `Expected value of type [STRING]`, at the field.
    pub(crate) fn type_error(&mut self, location: impl Into<String>, expected: &str) {
        self.schema(location, format!("Expected value of type [{expected}]"));
    }

    /// Reports every field of `obj` not in `allowed`.
    pub(crate) fn only(&mut self, obj: &Map<String, Value>, base: &str, allowed: &[&str]) {
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                self.unsupported(base, key);
            }
        }
    }

    /// Two fields that may not both be present (`TimeoutSeconds` and `TimeoutSecondsPath`),
    /// reported at the first.
    pub(crate) fn exclusive(&mut self, obj: &Map<String, Value>, base: &str, a: &str, b: &str) -> bool {
        let both = obj.contains_key(a) && obj.contains_key(b);
        if both {
            self.schema(
                ptr(base, a),
                format!("There should only be one of the following fields: [{a}, {b}]"),
            );
        }
        !both
    }

    fn top_level(&mut self, obj: &Map<String, Value>) -> Definition {
        self.require(obj, "", &["States", "StartAt"]);
        self.only(obj, "", TOP_FIELDS);
        let comment = self.opt_string(obj, "", "Comment");
        let version = self.opt_string(obj, "", "Version");
        let timeout_seconds = match obj.get("TimeoutSeconds") {
            None => None,
            Some(v) => self.int_in(v, "/TimeoutSeconds", 1, 99_999_999),
        };
        let query_language = match obj.get("QueryLanguage") {
            None => QueryLanguage::JsonPath,
            Some(v) => self.query_language(v, "/QueryLanguage"),
        };
        self.top_query_language = query_language;
        let root = self.block(obj, "", None);
        debug_assert_eq!(root, Definition::ROOT);
        Definition {
            comment,
            query_language,
            timeout_seconds,
            version,
            blocks: std::mem::take(&mut self.blocks),
        }
    }

    /// A `QueryLanguage` field. AWS reports a value outside the enum at the field, and still
    /// resolves the language: JSONPath only for exactly `"JSONPath"`, JSONata for anything else.
    pub(crate) fn query_language(&mut self, v: &Value, location: &str) -> QueryLanguage {
        match v.as_str() {
            Some("JSONPath") => return QueryLanguage::JsonPath,
            Some("JSONata") => {}
            Some(_) => self.schema(location, "Value should be one of the following: [JSONPath, JSONata]"),
            None => self.type_error(location, "STRING"),
        }
        QueryLanguage::Jsonata
    }

    /// Parses `StartAt` + `States` of a block (top level, branch or processor); the caller has
    /// checked the block's own fields. Reserves the block's id before its states are parsed,
    /// so nested blocks get later ids.
    pub(crate) fn block(
        &mut self,
        obj: &Map<String, Value>,
        base: &str,
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
        self.graph.blocks.push(BlockGraph::default());
        let states_ptr = format!("{base}/States");
        let empty = Map::new();
        let states_obj = match obj.get("States") {
            Some(Value::Object(m)) => m,
            Some(_) => {
                self.type_error(&states_ptr, "OBJECT");
                &empty
            }
            None => &empty,
        };
        // Names first, so that Next/Default/Catch targets resolve to indexes.
        let mut names = HashMap::new();
        for (i, name) in states_obj.keys().enumerate() {
            names.insert(name.clone(), i as u32);
            let p = ptr(&states_ptr, name);
            self.check_state_name(name, &p);
        }
        let duplicates = self.duplicates;
        for d in duplicates.iter().filter(|d| d.object == states_ptr) {
            self.error(
                Code::DuplicateStateName,
                ptr(&states_ptr, &d.key),
                format!("Duplicate State name: {}", d.key),
            );
        }
        self.blocks[id.0 as usize].names = names.clone();
        // Without States there is nothing to name: AWS reports only the missing field.
        let start = match obj.get("StartAt").filter(|_| obj.get("States").is_some_and(Value::is_object)) {
            Some(Value::String(s)) => match names.get(s) {
                Some(i) => Start::State(*i),
                None => {
                    self.error(
                        Code::MissingTransitionTarget,
                        format!("{base}/StartAt"),
                        format!("Missing 'Next' target: {s}"),
                    );
                    Start::Dangling
                }
            },
            Some(_) => {
                self.type_error(format!("{base}/StartAt"), "STRING");
                Start::Unknown
            }
            // Reported with the block's required fields.
            None => Start::Unknown,
        };
        let start_at = match start {
            Start::State(i) => Some(i),
            _ => None,
        };
        self.graph.blocks[id.0 as usize].start = start;
        let saved = self.current;
        let mut states = Vec::with_capacity(states_obj.len());
        for (i, (name, v)) in states_obj.iter().enumerate() {
            let p = ptr(&states_ptr, name);
            self.graph.blocks[id.0 as usize].add_state(name, &p);
            self.current = Some((id.0 as usize, i as u32));
            states.push(self.state(name, v, &p, &names));
        }
        self.current = saved;
        let block = &mut self.blocks[id.0 as usize];
        block.states = states;
        block.start_at = start_at.unwrap_or(0);
        id
    }

    /// Records a transition of the state being parsed to state `to` of its block.
    pub(crate) fn edge(&mut self, to: u32) {
        if let Some((b, s)) = self.current {
            if let Some(node) = self.graph.blocks.get_mut(b).and_then(|g| g.states.get_mut(s as usize)) {
                node.edges.push(to);
            }
        }
    }

    /// Marks the state being parsed as terminal (`End`, Succeed, Fail).
    pub(crate) fn terminal(&mut self) {
        if let Some((b, s)) = self.current {
            if let Some(node) = self.graph.blocks.get_mut(b).and_then(|g| g.states.get_mut(s as usize)) {
                node.terminal = true;
            }
        }
    }

    fn check_state_name(&mut self, name: &str, location: &str) {
        let len = name.chars().count();
        if len == 0 || len > 80 {
            self.error(
                Code::InvalidStateName,
                location,
                "State names must be between 1 and 80 characters long",
            );
        } else if name.chars().any(|c| c.is_control()) {
            self.error(Code::InvalidStateName, location, "State names must not contain control characters");
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
