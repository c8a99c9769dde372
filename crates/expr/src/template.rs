//! Payload templates: `Parameters`, `ResultSelector`, `ItemSelector` and JSONPath-mode `Assign`.
//! A key ending in `.$` takes its value from a path (`$.x`, `$$.x`, `$var`) or an intrinsic
//! call; the `.$` is dropped from the output key. Everything else is copied as is, recursively,
//! including objects inside arrays.
//!
//! Compilation parses every path and call once and folds the constant parts of the template
//! into ready-made values, so evaluation is a walk that only clones what it must.

use crate::{java, Call, EvalError, Path, Root, Scope, StatesError};
use serde_json::{Map, Value};

/// Deepest template nesting compiled; deeper input is reported, not recursed into.
const MAX_DEPTH: usize = 512;

/// A compiled payload template.
#[derive(Debug, Clone)]
pub struct Template {
    root: Node,
    uses_context: bool,
}

/// A problem found while compiling a template: `pointer` is a JSON pointer relative to the
/// template's own root (e.g. `/nested/value.$`), `message` is AWS-style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub pointer: String,
    pub message: String,
}

#[derive(Debug, Clone)]
enum Node {
    /// A subtree without `.$` keys, copied as is.
    Const(Value),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    /// `"field.$": "$.path"`; `field` keeps its `.$` for error messages.
    Path {
        field: String,
        path: Path,
    },
    Call(Box<Call>),
}

impl Template {
    /// Compiles a template; reports every problem, never panics.
    pub fn compile(template: &Value) -> Result<Template, Vec<CompileError>> {
        let mut errors = Vec::new();
        let mut uses_context = false;
        let mut pointer = String::new();
        let root = compile(template, &mut pointer, 0, &mut errors, &mut uses_context)
            .unwrap_or_else(|| Node::Const(template.clone()));
        if errors.is_empty() {
            Ok(Template { root, uses_context })
        } else {
            Err(errors)
        }
    }

    /// True when some path or intrinsic argument reads `$$`.
    pub fn uses_context(&self) -> bool {
        self.uses_context
    }

    /// Evaluates the template. A path that matches nothing is `States.Runtime` with AWS's cause
    /// ("The JSONPath '$.x' specified for the field 'x.$' could not be found in the input '...'").
    pub fn evaluate(&self, scope: &Scope<'_>) -> Result<Value, EvalError> {
        evaluate(&self.root, scope)
    }
}

/// Compiles `v`; `None` means the subtree has no `.$` field and is copied as is (the caller
/// clones it once, at the top of the constant part).
fn compile(
    v: &Value,
    pointer: &mut String,
    depth: usize,
    errors: &mut Vec<CompileError>,
    uses_context: &mut bool,
) -> Option<Node> {
    if depth > MAX_DEPTH {
        errors.push(CompileError {
            pointer: pointer.clone(),
            message: "The template is nested too deeply".into(),
        });
        // Not a constant: nothing above it gets cloned, and the template is refused anyway.
        return Some(Node::Array(Vec::new()));
    }
    match v {
        Value::Object(map) => {
            let mut children = Vec::with_capacity(map.len());
            let mut dynamic = false;
            for (key, value) in map {
                let len = pointer.len();
                push_pointer(pointer, key);
                let child = match key.strip_suffix(".$") {
                    Some(out_key) => Some((out_key, binding(key, value, pointer, errors, uses_context))),
                    None => {
                        compile(value, pointer, depth + 1, errors, uses_context).map(|n| (key.as_str(), n))
                    }
                };
                pointer.truncate(len);
                dynamic |= child.is_some();
                children.push((key, value, child));
            }
            dynamic.then(|| {
                Node::Object(
                    children
                        .into_iter()
                        .map(|(key, value, child)| match child {
                            Some((out_key, node)) => (out_key.to_string(), node),
                            None => (key.clone(), Node::Const(value.clone())),
                        })
                        .collect(),
                )
            })
        }
        Value::Array(items) => {
            let mut children = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                children.push(compile(item, pointer, depth + 1, errors, uses_context));
                pointer.truncate(len);
            }
            children.iter().any(Option::is_some).then(|| {
                Node::Array(
                    children
                        .into_iter()
                        .zip(items)
                        .map(|(child, item)| child.unwrap_or_else(|| Node::Const(item.clone())))
                        .collect(),
                )
            })
        }
        _ => None,
    }
}

/// The value of a `.$` field: a path or an intrinsic call.
fn binding(
    key: &str,
    value: &Value,
    pointer: &str,
    errors: &mut Vec<CompileError>,
    uses_context: &mut bool,
) -> Node {
    let invalid = || CompileError {
        pointer: pointer.to_string(),
        message: format!(
            "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
        ),
    };
    let Value::String(src) = value else {
        errors.push(invalid());
        return Node::Const(Value::Null);
    };
    if Call::looks_like_call(src) {
        match Call::parse(src) {
            Ok(call) => {
                *uses_context |= call.uses_context();
                return Node::Call(Box::new(call));
            }
            Err(_) => errors.push(invalid()),
        }
    } else {
        match Path::parse(src) {
            Ok(path) => {
                *uses_context |= *path.root() == Root::Context;
                return Node::Path { field: key.to_string(), path };
            }
            Err(_) => errors.push(invalid()),
        }
    }
    Node::Const(Value::Null)
}

/// Appends `/key` with JSON-pointer escaping.
fn push_pointer(pointer: &mut String, key: &str) {
    pointer.push('/');
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

fn evaluate(node: &Node, scope: &Scope<'_>) -> Result<Value, EvalError> {
    match node {
        Node::Const(v) => Ok(v.clone()),
        Node::Object(fields) => {
            let mut map = Map::with_capacity(fields.len());
            for (key, child) in fields {
                map.insert(key.clone(), evaluate(child, scope)?);
            }
            Ok(Value::Object(map))
        }
        Node::Array(items) => {
            items.iter().map(|n| evaluate(n, scope)).collect::<Result<Vec<_>, _>>().map(Value::Array)
        }
        Node::Call(call) => call.evaluate(scope),
        Node::Path { field, path } => {
            let doc = path.document(scope);
            match doc.and_then(|d| path.select(d)) {
                Some(v) => Ok(v.into_owned()),
                None => Err(EvalError::new(
                    StatesError::Runtime,
                    format!(
                        "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                        path.as_str(),
                        java::to_json(doc.unwrap_or(&Value::Null))
                    ),
                )),
            }
        }
    }
}
