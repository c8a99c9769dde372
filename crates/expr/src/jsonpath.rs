//! JSONPath as AWS Step Functions evaluates it (Jayway JsonPath semantics): dot and bracket
//! notation, wildcards, recursive descent, slices, unions and filters; roots `$` (input), `$$`
//! (context object) and `$name` (a workflow variable). Reference paths (definite paths, used by
//! `ResultPath` and Choice `Variable`) are the subset that selects at most one node.

use serde_json::Value;
use std::borrow::Cow;

/// Which document a path starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Root {
    /// `$`
    Input,
    /// `$$`
    Context,
    /// `$name`: a workflow variable.
    Variable(String),
}

/// A parsed JSONPath.
#[derive(Debug, Clone)]
pub struct Path {
    // private representation chosen by the implementation
}

/// Why a string is not a valid path; `message` is suitable for a validation diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
}

/// Why a value could not be written at a reference path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SetError {
    pub message: String,
}

impl Path {
    /// Parses a JSONPath (any root).
    pub fn parse(src: &str) -> Result<Path, ParseError> {
        let _ = src;
        todo!()
    }

    /// The source text, as written in the definition.
    pub fn as_str(&self) -> &str {
        todo!()
    }

    pub fn root(&self) -> &Root {
        todo!()
    }

    /// True when the path can select at most one node (a reference path).
    pub fn is_definite(&self) -> bool {
        todo!()
    }

    /// Evaluates against the document selected by [`Path::root`]. A definite path gives the
    /// node, or `None` when it does not exist. An indefinite path gives an array of all the
    /// matches (possibly empty), as Jayway does.
    pub fn select<'a>(&self, doc: &'a Value) -> Option<Cow<'a, Value>> {
        let _ = doc;
        todo!()
    }

    /// Writes `value` at this (definite) path inside `target`, creating missing object nodes as
    /// `ResultPath` does. `$` replaces the whole target.
    pub fn set(&self, target: &mut Value, value: Value) -> Result<(), SetError> {
        let _ = (target, value);
        todo!()
    }
}
