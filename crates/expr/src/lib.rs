//! The expression languages of the Amazon States Language in its JSONPath mode: JSONPath
//! (`$.a.b[0]`, `$$.Execution.Id`, `$var.field`), reference paths (for `ResultPath`), the 18
//! intrinsic functions (`States.Format(...)`), and payload templates (`Parameters`,
//! `ResultSelector`, `ItemSelector`, JSONPath `Assign`: objects whose `.$` keys are evaluated).
//!
//! Pure: no I/O, no clock, no global randomness. Randomness (`States.UUID`, `States.MathRandom`)
//! comes from the caller through [`Env`]. Errors carry the AWS error name ([`StatesError`]) and
//! the cause text AWS reports, minus the "An error occurred while executing the state ..." prefix
//! which the interpreter adds.
//!
//! Everything is parsed once ([`Path::parse`], [`Call::parse`], [`Template::compile`]) and then
//! evaluated many times; no input, however malformed, makes parsing or evaluation panic.
//! Behaviour follows what AWS does rather than what a specification says: JSONPath is Jayway's
//! (AWS runs Jayway JsonPath), numbers in text are printed the Java way (`1.0`, `1.0E20`), and
//! the intrinsic functions keep AWS's quirks (truncated integer arguments, `ArrayContains`
//! comparing Java text, a forgiving Base64 decoder); the modules say where each rule comes from.
//!
//! JSONata lives in its own crate (`statecraft-jsonata`).

pub mod error;
pub mod intrinsic;
mod java;
pub mod jsonpath;
pub mod template;

pub use error::{EvalError, StatesError};
pub use intrinsic::Call;
pub use jsonpath::{Path, Root};
pub use template::Template;

/// Compact JSON text of `value` as AWS's Java runtime (Jackson) writes it: `1.0` stays `1.0`,
/// `1e20` is `1.0E20`. Use it for JSON quoted inside error causes, so they read as AWS's do.
pub fn to_aws_json(value: &Value) -> String {
    java::to_json(value)
}

use serde_json::Value;

/// What an expression may read: the state's input (`$`), the context object (`$$`) and
/// workflow variables (`$name`), plus the injected entropy source.
pub struct Scope<'a> {
    /// The effective input the expression is evaluated against (`$`).
    pub input: &'a Value,
    /// The context object (`$$`). Callers may pass `Value::Null` when the expression does not
    /// use it (see [`Template::uses_context`], [`Call::uses_context`], [`Path::root`]).
    pub context: &'a Value,
    /// Workflow variables visible to this state.
    pub variables: &'a dyn Variables,
    /// Randomness for `States.UUID` and `States.MathRandom`.
    pub env: &'a dyn Env,
}

/// Read access to workflow variables (`$name` in JSONPath).
pub trait Variables {
    fn get(&self, name: &str) -> Option<&Value>;
}

/// No variables at all.
pub struct NoVariables;

impl Variables for NoVariables {
    fn get(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// Injected nondeterminism. Implementations use interior mutability (e.g. a `Cell` holding a
/// seeded PRNG state), so a run under a fixed seed is reproducible.
pub trait Env {
    /// A uniformly distributed random 64-bit value.
    fn random_u64(&self) -> u64;
}
