//! A JSONata engine (https://docs.jsonata.org) written for Statecraft: complete against the
//! public JSONata test suite, deterministic (the clock, randomness and UUIDs come from the
//! caller's [`Env`]), and bounded (evaluation depth and a step budget, so a hostile expression
//! cannot hang or crash a worker).
//!
//! It also provides, on request, the functions AWS Step Functions adds to JSONata
//! (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`) and can leave out `$eval`
//! as AWS does.

use serde_json::Value;

/// Injected nondeterminism: the clock for `$now()`/`$millis()` and randomness for `$random()`,
/// `$shuffle()` and `$uuid()`. Implementations use interior mutability for their state.
pub trait Env {
    /// Milliseconds since the Unix epoch. JSONata requires `$now()` and `$millis()` to return
    /// the same instant throughout one evaluation: the engine reads this once per evaluation.
    fn now_millis(&self) -> i64;
    /// A uniformly distributed random 64-bit value.
    fn random_u64(&self) -> u64;
}

/// Resource limits for one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of evaluation (function calls, nested expressions).
    pub max_depth: usize,
    /// Maximum evaluation steps before the evaluation is abandoned.
    pub max_steps: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_depth: 1000, max_steps: 50_000_000 }
    }
}

/// A JSONata error with the upstream error code (`T2001`, `S0101`, `D3030`, ...).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    pub code: String,
    pub message: String,
    /// Character offset in the expression, when known.
    pub position: Option<usize>,
    /// The offending token, when known.
    pub token: Option<String>,
}

/// Values bound to `$name` variables for an evaluation.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    values: Vec<(String, Value)>,
}

impl Bindings {
    pub fn new() -> Bindings {
        Bindings::default()
    }

    /// Binds `$name` (give the name without the `$`).
    pub fn bind(&mut self, name: impl Into<String>, value: Value) {
        self.values.push((name.into(), value));
    }
}

/// How an evaluation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub limits: Limits,
    /// Provide AWS Step Functions' extra functions (`$partition`, `$range`, `$hash`, `$random`,
    /// `$uuid`, `$parse`).
    pub aws_functions: bool,
    /// Provide `$eval` (AWS Step Functions does not).
    pub allow_eval: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { limits: Limits::default(), aws_functions: false, allow_eval: true }
    }
}

/// A parsed JSONata expression, reusable across evaluations.
#[derive(Debug, Clone)]
pub struct Expression {
    // representation chosen by the implementation
}

impl Expression {
    pub fn parse(src: &str) -> Result<Expression, Error> {
        let _ = src;
        todo!()
    }

    /// Evaluates against `input` (`None` = undefined input). `Ok(None)` is an undefined result.
    pub fn evaluate(
        &self,
        input: Option<&Value>,
        bindings: &Bindings,
        env: &dyn Env,
        options: &Options,
    ) -> Result<Option<Value>, Error> {
        let _ = (input, bindings, env, options);
        todo!()
    }
}
