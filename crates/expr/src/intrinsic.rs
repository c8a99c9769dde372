//! The intrinsic functions (`States.Format`, `States.Array`, ... all 18), parsed once from their
//! source text and evaluated against a [`Scope`]. Failures are `States.IntrinsicFailure` (or
//! `States.Runtime` where AWS reports that) with AWS's cause text.

use crate::{EvalError, Scope};
use serde_json::Value;

/// A parsed intrinsic function call, e.g. `States.Format('{}', $.name)`.
#[derive(Debug, Clone)]
pub struct Call {
    // private representation chosen by the implementation
}

/// Why a string is not a valid intrinsic call (unknown function, bad arity where it is static,
/// bad escapes, unbalanced quotes, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
}

impl Call {
    /// True when `src` looks like an intrinsic call (`States.` prefix) rather than a path.
    pub fn looks_like_call(src: &str) -> bool {
        src.trim_start().starts_with("States.")
    }

    pub fn parse(src: &str) -> Result<Call, ParseError> {
        let _ = src;
        todo!()
    }

    pub fn as_str(&self) -> &str {
        todo!()
    }

    /// True when some argument reads `$$`.
    pub fn uses_context(&self) -> bool {
        todo!()
    }

    pub fn evaluate(&self, scope: &Scope<'_>) -> Result<Value, EvalError> {
        let _ = scope;
        todo!()
    }
}
