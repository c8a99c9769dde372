//! A JSONata engine (<https://docs.jsonata.org>) written for Statecraft: complete against the
//! public JSONata test suite, deterministic (the clock, randomness and UUIDs come from the
//! caller's [`Env`]), and bounded (evaluation depth and a step budget, so a hostile expression
//! cannot hang or crash a worker).
//!
//! It also provides, on request, the functions AWS Step Functions adds to JSONata
//! (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`) and can leave out `$eval`
//! as AWS does.
//!
//! Layout: `lexer` and `parser` turn source into the `ast` the evaluator walks (`eval` for
//! operators and functions, `path` for navigation); `value` is the internal value model
//! (borrowing the input); `signature` validates function arguments; `functions` holds the
//! library, with `format` (integer and number pictures) and `datetime` (date/time pictures).
//!
//! Limits: `Limits::max_depth` bounds the nesting of evaluation (error `U1001`, as upstream
//! reports stack overflow); `Limits::max_steps` bounds the number of evaluation steps (also
//! `U1001`, message "Evaluation step budget of N exceeded"). Deep recursion never overflows
//! the Rust stack: the evaluator grows its stack on the heap (`stacker`) when it runs low.
//!
//! Use: parse once with [`Expression::parse`], then evaluate many times. Variables come from
//! [`Bindings`] or, without copying, from any [`Variables`] source via
//! [`Expression::evaluate_with`]; the input document is borrowed, not converted. Results
//! are `serde_json::Value`s: integral numbers within ±2^53 come out as JSON integers, objects
//! keep JavaScript's property order (integer-like keys first, then insertion order), and a
//! non-finite number is error D1001.
//!
//! Determinism: nothing here reads a clock, a random source or mutable global state; the only
//! statics are the immutable parsed signatures of the built-in functions, and `stacker` keeps
//! a per-thread cache of the stack bounds (no effect on results).
//!
//! Codes this engine adds where upstream has none: S0303 (invalid regular expression),
//! D1012 (regular expression backtracking limit), and D3210–D3213 for the AWS functions
//! (see `functions::aws`).

use serde_json::Value;
use std::sync::Arc;

mod ast;
mod datetime;
mod eval;
mod format;
mod functions;
mod lexer;
mod parser;
mod path;
mod regex;
mod signature;
mod value;

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

impl Error {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Error {
        Error { code: code.to_string(), message: message.into(), position: None, token: None }
    }

    pub(crate) fn at(mut self, pos: usize) -> Error {
        self.position = Some(pos);
        self
    }

    pub(crate) fn at_default(mut self, pos: usize) -> Error {
        if self.position.is_none() {
            self.position = Some(pos);
        }
        self
    }

    pub(crate) fn tok(mut self, t: String) -> Error {
        self.token = Some(t);
        self
    }

    /// Kept for call sites that know the offending value; messages already describe it.
    pub(crate) fn val(self, _v: String) -> Error {
        self
    }

    /// Names the function an error arose in (filling `{name}` in signature messages).
    pub(crate) fn with_fn(mut self, name: &str, pos: usize) -> Error {
        if self.message.contains("{name}") {
            let shown = if name.is_empty() { "(anonymous)" } else { name };
            self.message = self.message.replace("{name}", shown);
        }
        if self.token.is_none() && !name.is_empty() {
            self.token = Some(name.to_string());
        }
        if self.position.is_none() && pos > 0 {
            self.position = Some(pos);
        }
        self
    }
}

/// A source of `$name` variables that the engine reads lazily, by reference: the caller keeps
/// its variables where they are and nothing is copied unless the expression uses it.
pub trait Variables {
    /// The value bound to `$name` (`name` without the `$`), if any.
    fn get(&self, name: &str) -> Option<&Value>;
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
        let name = name.into();
        self.values.retain(|(n, _)| *n != name);
        self.values.push((name, value));
    }
}

impl Variables for Bindings {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl Variables for serde_json::Map<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        value::jget(self, name)
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

/// The result of an evaluation, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluated {
    Value(Value),
    Undefined,
    /// A function (a lambda or a built-in), which has no JSON form.
    Function,
}

/// A parsed JSONata expression, reusable across evaluations (and threads: it is `Send + Sync`).
#[derive(Debug, Clone)]
pub struct Expression {
    root: Arc<ast::Node>,
}

impl Expression {
    pub fn parse(src: &str) -> Result<Expression, Error> {
        let root = parser::parse(src)?;
        Ok(Expression { root: Arc::new(root) })
    }

    /// Evaluates against `input` (`None` = undefined input). `Ok(None)` is an undefined result.
    pub fn evaluate(
        &self,
        input: Option<&Value>,
        bindings: &Bindings,
        env: &dyn Env,
        options: &Options,
    ) -> Result<Option<Value>, Error> {
        self.evaluate_with(input, bindings, env, options)
    }

    /// Like [`Expression::evaluate_with`], but tells a function result (which JSON cannot
    /// hold, and [`Expression::evaluate_with`] reports as undefined) apart from undefined.
    pub fn evaluate_classified(
        &self,
        input: Option<&Value>,
        variables: &dyn Variables,
        env: &dyn Env,
        options: &Options,
    ) -> Result<Evaluated, Error> {
        self.run(input, variables, env, options, true)
    }

    /// Like [`Expression::evaluate`], reading variables from any [`Variables`] source (no copy
    /// of the caller's variables is made).
    pub fn evaluate_with(
        &self,
        input: Option<&Value>,
        variables: &dyn Variables,
        env: &dyn Env,
        options: &Options,
    ) -> Result<Option<Value>, Error> {
        match self.run(input, variables, env, options, false)? {
            Evaluated::Value(v) => Ok(Some(v)),
            Evaluated::Undefined | Evaluated::Function => Ok(None),
        }
    }

    fn run(
        &self,
        input: Option<&Value>,
        variables: &dyn Variables,
        env: &dyn Env,
        options: &Options,
        classify: bool,
    ) -> Result<Evaluated, Error> {
        use value::{Val, OUTER, SEQ};
        let mut ev = eval::Ev::new(env, options, variables);
        let root = ev.new_frame(None);
        let input = match input {
            None => Val::Undef,
            Some(v) => match Val::from_json(v) {
                arr @ Val::JArr(_) => Val::Arr(std::rc::Rc::new(vec![arr]), SEQ | OUTER),
                other => other,
            },
        };
        ev.root_input = input.clone();
        let result = ev.eval(&self.root, &input, root)?;
        if classify && matches!(result, Val::Func(_)) {
            return Ok(Evaluated::Function);
        }
        Ok(match result.to_json()? {
            Some(v) => Evaluated::Value(v),
            None => Evaluated::Undefined,
        })
    }
}

#[cfg(test)]
mod tests;
