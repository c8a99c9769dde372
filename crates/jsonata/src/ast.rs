//! The processed syntax tree the evaluator walks: paths are flattened into steps, predicates
//! attached as stages, parent (`%`) references resolved to ancestor slots, and tail calls in
//! lambda bodies marked, as upstream's `processAST` does.

use crate::regex::JsRegex;
use crate::signature::Signature;
use crate::value::Str;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Concat,
    And,
    Or,
    In,
    Range,
}

impl BinOp {
    pub(crate) fn token(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Concat => "&",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::In => "in",
            BinOp::Range => "..",
        }
    }
}

#[derive(Debug)]
pub(crate) enum Stage {
    Filter(Node),
    Index(Str),
}

#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) pairs: Vec<(Node, Node)>,
    pub(crate) pos: usize,
}

#[derive(Debug)]
pub(crate) struct SortTerm {
    pub(crate) descending: bool,
    pub(crate) expr: Node,
}

#[derive(Debug)]
pub(crate) struct LambdaDef {
    pub(crate) params: Vec<Str>,
    pub(crate) signature: Option<Signature>,
    pub(crate) body: Node,
}

#[derive(Debug)]
pub(crate) struct TransformDef {
    pub(crate) pattern: Node,
    pub(crate) update: Node,
    pub(crate) delete: Option<Node>,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Path {
        steps: Vec<Node>,
        keep_singleton: bool,
    },
    Name(Str),
    Str(Str),
    Num(f64),
    Bool(bool),
    Null,
    Wildcard,
    Descendant,
    /// `%`: the label of its ancestor slot, resolved after parsing.
    Parent(usize),
    Var(Str),
    Regex(Arc<JsRegex>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    Array(Vec<Node>),
    Object(Group),
    Condition(Box<Node>, Box<Node>, Option<Box<Node>>),
    Block(Vec<Node>),
    Bind(Str, Box<Node>),
    Call {
        proc: Box<Node>,
        args: Vec<Node>,
        tail: bool,
    },
    Partial {
        proc: Box<Node>,
        args: Vec<Option<Node>>,
    },
    Lambda(Arc<LambdaDef>),
    Apply(Box<Node>, Box<Node>),
    Transform(Arc<TransformDef>),
    Sort(Vec<SortTerm>),
    /// `?` in an argument list (only inside `Partial`).
    Placeholder,
}

#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) pos: usize,
    pub(crate) keep_array: bool,
    /// Filters applied by `evaluate` itself (nodes that are not path steps).
    pub(crate) predicates: Vec<Node>,
    /// Filters and index bindings applied per step inside a path.
    pub(crate) stages: Vec<Stage>,
    pub(crate) group: Option<Box<Group>>,
    pub(crate) focus: Option<Str>,
    pub(crate) index: Option<Str>,
    pub(crate) tuple: bool,
    /// Ancestor slot whose label this step binds (for `%`).
    pub(crate) ancestor: Option<usize>,
    pub(crate) cons_array: bool,
    pub(crate) seeking_parent: Vec<usize>,
    /// Frame key for `%`: the label of a `Parent` node's slot, or of the slot this step binds.
    pub(crate) label: Option<Str>,
}

impl Node {
    pub(crate) fn new(kind: Kind, pos: usize) -> Node {
        Node {
            kind,
            pos,
            keep_array: false,
            predicates: Vec::new(),
            stages: Vec::new(),
            group: None,
            focus: None,
            index: None,
            tuple: false,
            ancestor: None,
            cons_array: false,
            seeking_parent: Vec::new(),
            label: None,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Path { .. } => "path",
            Kind::Name(_) => "name",
            Kind::Str(_) => "string",
            Kind::Num(_) => "number",
            Kind::Bool(_) | Kind::Null => "value",
            Kind::Wildcard => "wildcard",
            Kind::Descendant => "descendant",
            Kind::Parent(_) => "parent",
            Kind::Var(_) => "variable",
            Kind::Regex(_) => "regex",
            Kind::Binary(..) => "binary",
            Kind::Neg(_) | Kind::Array(_) | Kind::Object(_) => "unary",
            Kind::Condition(..) => "condition",
            Kind::Block(_) => "block",
            Kind::Bind(..) => "bind",
            Kind::Call { .. } => "function",
            Kind::Partial { .. } => "partial",
            Kind::Lambda(_) => "lambda",
            Kind::Apply(..) => "apply",
            Kind::Transform(_) => "transform",
            Kind::Sort(_) => "sort",
            Kind::Placeholder => "operator",
        }
    }
}
