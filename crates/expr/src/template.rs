//! Payload templates: `Parameters`, `ResultSelector`, `ItemSelector` and JSONPath-mode `Assign`.
//! A key ending in `.$` takes its value from a path (`$.x`, `$$.x`, `$var`) or an intrinsic
//! call; the `.$` is dropped from the output key. Everything else is copied as is, recursively.

use crate::{EvalError, Scope};
use serde_json::Value;

/// A compiled payload template.
#[derive(Debug, Clone)]
pub struct Template {
    // private representation chosen by the implementation
}

/// A problem found while compiling a template: `pointer` is a JSON pointer relative to the
/// template's own root (e.g. `/nested/value.$`), `message` is AWS-style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub pointer: String,
    pub message: String,
}

impl Template {
    /// Compiles a template; reports every problem, never panics.
    pub fn compile(template: &Value) -> Result<Template, Vec<CompileError>> {
        let _ = template;
        todo!()
    }

    /// True when some path or intrinsic argument reads `$$`.
    pub fn uses_context(&self) -> bool {
        todo!()
    }

    /// Evaluates the template. A path that matches nothing is `States.Runtime` with AWS's cause
    /// ("The JSONPath '$.x' specified for the field 'x.$' could not be found in the input '...'").
    pub fn evaluate(&self, scope: &Scope<'_>) -> Result<Value, EvalError> {
        let _ = scope;
        todo!()
    }
}
