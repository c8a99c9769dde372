//! The typed model of a state machine definition, as produced by [`crate::parse`]. Every
//! expression is compiled (paths parsed, intrinsic calls parsed, JSONata parsed) so the
//! interpreter never re-parses anything. States are addressed by [`StateRef`]: a block (the top
//! level, a Parallel branch or a Map processor) and an index into it.

use crate::resource::Resource;
use crate::template::JsonataTemplate;
use serde_json::Value;
use statecraft_expr::{Call, Path, Template};
use std::collections::HashMap;

/// Index of a block in [`Definition::blocks`]. Block 0 is the top level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);

/// A state: its block and its index in that block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateRef {
    pub block: BlockId,
    pub index: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryLanguage {
    #[default]
    JsonPath,
    Jsonata,
}

impl QueryLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryLanguage::JsonPath => "JSONPath",
            QueryLanguage::Jsonata => "JSONata",
        }
    }
}

/// A parsed state machine.
#[derive(Debug, Clone)]
pub struct Definition {
    pub comment: Option<String>,
    pub query_language: QueryLanguage,
    pub timeout_seconds: Option<u64>,
    pub version: Option<String>,
    /// All blocks; index 0 is the top level.
    pub blocks: Vec<Block>,
}

impl Definition {
    pub const ROOT: BlockId = BlockId(0);

    pub fn block(&self, id: BlockId) -> &Block {
        &self.blocks[id.0 as usize]
    }

    pub fn state(&self, r: StateRef) -> &State {
        &self.blocks[r.block.0 as usize].states[r.index as usize]
    }

    pub fn start(&self, block: BlockId) -> StateRef {
        StateRef { block, index: self.block(block).start_at }
    }

    /// Every state of every block.
    pub fn all_states(&self) -> impl Iterator<Item = (StateRef, &State)> {
        self.blocks.iter().enumerate().flat_map(|(b, block)| {
            block
                .states
                .iter()
                .enumerate()
                .map(move |(i, s)| (StateRef { block: BlockId(b as u32), index: i as u32 }, s))
        })
    }
}

/// A list of states with a start: the top level, a Parallel branch or a Map processor.
#[derive(Debug, Clone)]
pub struct Block {
    pub start_at: u32,
    pub states: Vec<State>,
    pub names: HashMap<String, u32>,
    /// JSON pointer of the block (`""` for the top level, `/States/P/Branches/0`, ...).
    pub pointer: String,
    /// For a Map processor: the processor's mode.
    pub processor: Option<ProcessorConfig>,
}

impl Block {
    pub fn find(&self, name: &str) -> Option<u32> {
        self.names.get(name).copied()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessorConfig {
    pub mode: ProcessorMode,
    pub execution_type: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProcessorMode {
    #[default]
    Inline,
    Distributed,
}

/// Where a state goes when it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Next(u32),
    End,
}

/// An optional path field: absent (defaults to `$`), explicitly `null`, or a path.
#[derive(Debug, Clone, Default)]
pub enum PathField {
    #[default]
    Default,
    Null,
    Path(Path),
}

/// A value that is a literal, read from a path (`...Path` fields), computed by an intrinsic
/// function (Fail's `ErrorPath`/`CausePath` allow that), or a JSONata expression.
#[derive(Debug, Clone)]
pub enum Dynamic<T> {
    Literal(T),
    Path(Path),
    Intrinsic(Call),
    Jsonata(JsonataTemplate),
}

/// A state with its common fields; the type-specific part is in [`Kind`].
#[derive(Debug, Clone)]
pub struct State {
    pub name: std::sync::Arc<str>,
    /// JSON pointer to the state object.
    pub pointer: String,
    pub comment: Option<String>,
    pub query_language: QueryLanguage,
    pub transition: Transition,
    pub input_path: PathField,
    pub output_path: PathField,
    pub parameters: Option<Payload>,
    pub result_selector: Option<Payload>,
    pub result_path: PathField,
    /// JSONata `Arguments`.
    pub arguments: Option<JsonataTemplate>,
    /// JSONata `Output`.
    pub output: Option<JsonataTemplate>,
    pub assign: Option<Payload>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub kind: Kind,
}

/// A payload field (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`): a JSONPath
/// template or a JSONata template, depending on the state's query language.
#[derive(Debug, Clone)]
pub enum Payload {
    JsonPath(Template),
    Jsonata(JsonataTemplate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum StateType {
    Pass,
    Task,
    Choice,
    Wait,
    Succeed,
    Fail,
    Parallel,
    Map,
}

impl StateType {
    pub fn as_str(self) -> &'static str {
        match self {
            StateType::Pass => "Pass",
            StateType::Task => "Task",
            StateType::Choice => "Choice",
            StateType::Wait => "Wait",
            StateType::Succeed => "Succeed",
            StateType::Fail => "Fail",
            StateType::Parallel => "Parallel",
            StateType::Map => "Map",
        }
    }

    pub fn parse(s: &str) -> Option<StateType> {
        Some(match s {
            "Pass" => StateType::Pass,
            "Task" => StateType::Task,
            "Choice" => StateType::Choice,
            "Wait" => StateType::Wait,
            "Succeed" => StateType::Succeed,
            "Fail" => StateType::Fail,
            "Parallel" => StateType::Parallel,
            "Map" => StateType::Map,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Kind {
    Pass(Pass),
    Task(Box<Task>),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Parallel),
    Map(Box<Map>),
}

impl State {
    pub fn state_type(&self) -> StateType {
        match self.kind {
            Kind::Pass(_) => StateType::Pass,
            Kind::Task(_) => StateType::Task,
            Kind::Choice(_) => StateType::Choice,
            Kind::Wait(_) => StateType::Wait,
            Kind::Succeed => StateType::Succeed,
            Kind::Fail(_) => StateType::Fail,
            Kind::Parallel(_) => StateType::Parallel,
            Kind::Map(_) => StateType::Map,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Pass {
    pub result: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub resource: Resource,
    pub timeout_seconds: Option<Dynamic<u64>>,
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    pub credentials: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub choices: Vec<ChoiceRule>,
    pub default: Option<u32>,
}

/// A top-level Choice rule: a condition, its target and what it assigns.
#[derive(Debug, Clone)]
pub struct ChoiceRule {
    pub condition: Condition,
    pub next: u32,
    pub assign: Option<Payload>,
    pub output: Option<JsonataTemplate>,
}

#[derive(Debug, Clone)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare { variable: Path, op: Comparison, operand: Operand },
    Jsonata(JsonataTemplate),
}

/// The right-hand side of a comparison: a literal or, for `...Path` operators, a path.
#[derive(Debug, Clone)]
pub enum Operand {
    Literal(Value),
    Path(Path),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

impl Comparison {
    pub const ALL: [Comparison; 23] = [
        Comparison::StringEquals,
        Comparison::StringLessThan,
        Comparison::StringGreaterThan,
        Comparison::StringLessThanEquals,
        Comparison::StringGreaterThanEquals,
        Comparison::StringMatches,
        Comparison::NumericEquals,
        Comparison::NumericLessThan,
        Comparison::NumericGreaterThan,
        Comparison::NumericLessThanEquals,
        Comparison::NumericGreaterThanEquals,
        Comparison::BooleanEquals,
        Comparison::TimestampEquals,
        Comparison::TimestampLessThan,
        Comparison::TimestampGreaterThan,
        Comparison::TimestampLessThanEquals,
        Comparison::TimestampGreaterThanEquals,
        Comparison::IsNull,
        Comparison::IsPresent,
        Comparison::IsNumeric,
        Comparison::IsString,
        Comparison::IsBoolean,
        Comparison::IsTimestamp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::StringEquals => "StringEquals",
            Comparison::StringLessThan => "StringLessThan",
            Comparison::StringGreaterThan => "StringGreaterThan",
            Comparison::StringLessThanEquals => "StringLessThanEquals",
            Comparison::StringGreaterThanEquals => "StringGreaterThanEquals",
            Comparison::StringMatches => "StringMatches",
            Comparison::NumericEquals => "NumericEquals",
            Comparison::NumericLessThan => "NumericLessThan",
            Comparison::NumericGreaterThan => "NumericGreaterThan",
            Comparison::NumericLessThanEquals => "NumericLessThanEquals",
            Comparison::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            Comparison::BooleanEquals => "BooleanEquals",
            Comparison::TimestampEquals => "TimestampEquals",
            Comparison::TimestampLessThan => "TimestampLessThan",
            Comparison::TimestampGreaterThan => "TimestampGreaterThan",
            Comparison::TimestampLessThanEquals => "TimestampLessThanEquals",
            Comparison::TimestampGreaterThanEquals => "TimestampGreaterThanEquals",
            Comparison::IsNull => "IsNull",
            Comparison::IsPresent => "IsPresent",
            Comparison::IsNumeric => "IsNumeric",
            Comparison::IsString => "IsString",
            Comparison::IsBoolean => "IsBoolean",
            Comparison::IsTimestamp => "IsTimestamp",
        }
    }

    /// Operand kinds the operator accepts as a literal.
    pub fn is_type_test(self) -> bool {
        matches!(
            self,
            Comparison::IsNull
                | Comparison::IsPresent
                | Comparison::IsNumeric
                | Comparison::IsString
                | Comparison::IsBoolean
                | Comparison::IsTimestamp
        )
    }
}

#[derive(Debug, Clone)]
pub enum Wait {
    Seconds(Dynamic<u64>),
    Timestamp(Dynamic<String>),
}

#[derive(Debug, Clone, Default)]
pub struct Fail {
    pub error: Option<Dynamic<String>>,
    pub cause: Option<Dynamic<String>>,
}

#[derive(Debug, Clone)]
pub struct Parallel {
    pub branches: Vec<BlockId>,
}

#[derive(Debug, Clone)]
pub struct Map {
    pub processor: BlockId,
    pub items_path: PathField,
    /// JSONata `Items`.
    pub items: Option<JsonataTemplate>,
    /// `ItemSelector`, or the legacy `Parameters` of a Map (kept in [`State::parameters`]).
    pub item_selector: Option<Payload>,
    pub max_concurrency: Option<Dynamic<u64>>,
    pub tolerated_failure_count: Option<Dynamic<u64>>,
    pub tolerated_failure_percentage: Option<Dynamic<f64>>,
    pub item_reader: Option<Value>,
    pub item_batcher: Option<Value>,
    pub result_writer: Option<Value>,
    pub label: Option<String>,
}

/// A name in `ErrorEquals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMatcher(pub String);

impl ErrorMatcher {
    /// Whether this matcher catches `error`. `States.ALL` matches everything except the
    /// terminal `States.Runtime`; `States.TaskFailed` matches everything but `States.Timeout`
    /// and `States.Runtime`.
    pub fn matches(&self, error: &str) -> bool {
        let m = self.0.as_str();
        if m == error {
            return true;
        }
        // Recorded AWS behaviour: States.ALL does catch a task's States.DataLimitExceeded.
        let terminal = error == "States.Runtime";
        match m {
            "States.ALL" => !terminal,
            "States.TaskFailed" => !terminal && error != "States.Timeout",
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Retrier {
    pub error_equals: Vec<ErrorMatcher>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    Full,
    #[default]
    None,
}

#[derive(Debug, Clone)]
pub struct Catcher {
    pub error_equals: Vec<ErrorMatcher>,
    pub next: u32,
    pub result_path: PathField,
    pub assign: Option<Payload>,
    pub output: Option<JsonataTemplate>,
}
