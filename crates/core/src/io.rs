//! Input and output processing: `InputPath` → `Parameters` → (the state's work) →
//! `ResultSelector` → `ResultPath` → `OutputPath` in JSONPath states; `Arguments`, `Output` and
//! `$states` in JSONata states; `Assign` in both; the payload size limit.

use crate::context::Extra;
use crate::execution::{Failure, Machine};
use serde_json::{Map, Value};
use statecraft_asl::{JsonataTemplate, PathField, Payload, State};
use statecraft_expr::{EvalError, Path, Root, Scope, StatesError};
use std::borrow::Cow;

/// Adapts the injected [`crate::Env`] to the expression crates' entropy traits.
pub(crate) struct EnvAdapter<'a>(pub(crate) &'a dyn crate::Env);

impl statecraft_expr::Env for EnvAdapter<'_> {
    fn random_u64(&self) -> u64 {
        self.0.random_u64()
    }
}

impl statecraft_jsonata::Env for EnvAdapter<'_> {
    fn now_millis(&self) -> i64 {
        self.0.now()
    }
    fn random_u64(&self) -> u64 {
        self.0.random_u64()
    }
}

/// The error prefix AWS puts before runtime failures of a state.
pub(crate) fn state_cause(m: &Machine<'_>, fid: u32, state: &State, detail: &str) -> String {
    let entered = m.frame(fid).map(|f| f.entered_event_id).unwrap_or(0);
    format!(
        "An error occurred while executing the state '{}' (entered at the event id #{entered}). {detail}",
        state.name
    )
}

pub(crate) fn runtime_failure(m: &Machine<'_>, fid: u32, state: &State, detail: &str) -> Failure {
    Failure::new(StatesError::Runtime.as_str(), state_cause(m, fid, state, detail))
}

pub(crate) fn eval_failure(m: &Machine<'_>, fid: u32, state: &State, e: EvalError) -> Failure {
    Failure::new(e.error.as_str(), state_cause(m, fid, state, &e.cause))
}

/// Selects a path against the right document (input, context or a variable).
pub(crate) fn select(m: &Machine<'_>, fid: u32, path: &Path, input: &Value) -> Option<Value> {
    match path.root() {
        Root::Input => path.select(input).map(|c| c.into_owned()),
        Root::Context => path.select(&m.context(fid, Extra::default())).map(|c| c.into_owned()),
        Root::Variable(name) => {
            let v = m.frame(fid)?.vars.get(name)?;
            path.select(v).map(|c| c.into_owned())
        }
    }
}

/// Selects a path that must match; when it does not, fails with AWS's cause
/// ("Invalid path '$.x' : No results for path: $['x']").
pub(crate) fn select_required(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    path: &Path,
    input: &Value,
) -> Result<Value, Failure> {
    let ctx;
    let doc = match path.root() {
        Root::Input => input,
        Root::Context => {
            ctx = m.context(fid, Extra::default());
            &ctx
        }
        Root::Variable(name) => match m.frame(fid).and_then(|f| f.vars.get(name)) {
            Some(v) => v,
            None => {
                return Err(runtime_failure(
                    m,
                    fid,
                    state,
                    &format!("Invalid path '{}' : The variable '{name}' is not defined", path.as_str()),
                ))
            }
        },
    };
    path.select_or_not_found(doc).map(|c| c.into_owned()).map_err(|nf| {
        runtime_failure(m, fid, state, &format!("Invalid path '{}' : {}", path.as_str(), nf.message))
    })
}

/// `InputPath`: the effective input (borrowed when it is the whole input).
pub(crate) fn input_path<'v>(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    raw: &'v Value,
) -> Result<Cow<'v, Value>, Failure> {
    match &state.input_path {
        PathField::Default => Ok(Cow::Borrowed(raw)),
        PathField::Null => Ok(Cow::Owned(Value::Object(Map::new()))),
        PathField::Path(p) => select_required(m, fid, state, p, raw).map(Cow::Owned),
    }
}

/// `OutputPath`.
pub(crate) fn output_path(m: &Machine<'_>, fid: u32, state: &State, v: Value) -> Result<Value, Failure> {
    match &state.output_path {
        PathField::Default => Ok(v),
        PathField::Null => Ok(Value::Object(Map::new())),
        PathField::Path(p) => select_required(m, fid, state, p, &v),
    }
}

/// Evaluates a JSONPath payload template (`Parameters`, `ResultSelector`, `ItemSelector`,
/// JSONPath `Assign`) against `input`.
pub(crate) fn template(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    t: &statecraft_expr::Template,
    input: &Value,
    extra: Extra<'_>,
) -> Result<Value, Failure> {
    let ctx = if t.uses_context() { m.context(fid, extra) } else { Value::Null };
    let default_vars = crate::vars::Vars::default();
    let vars = m.frame(fid).map(|f| &f.vars).unwrap_or(&default_vars);
    let env = EnvAdapter(m.env);
    let scope = Scope { input, context: &ctx, variables: vars, env: &env };
    t.evaluate(&scope).map_err(|e| eval_failure(m, fid, state, e))
}

/// `ResultPath` on the frame's own input: merges in place when nothing else holds the input
/// (the usual case: history keeps text, not the value), instead of copying it.
pub(crate) fn apply_result_path(
    m: &mut Machine<'_>,
    fid: u32,
    state: &State,
    field: &PathField,
    result: Value,
) -> Result<Value, Failure> {
    let PathField::Path(p) = field else {
        let raw = m.frame(fid).map(|f| f.input.clone()).unwrap_or_default();
        return result_path(m, fid, state, field, &raw, result);
    };
    let Some(frame) = m.frame_mut(fid) else { return Ok(result) };
    let shared = std::mem::take(&mut frame.input);
    let mut raw = std::sync::Arc::unwrap_or_clone(shared);
    match p.set(&mut raw, result) {
        // The input is consumed: only OutputPath can still fail, with States.Runtime.
        Ok(()) => Ok(raw),
        Err(e) => {
            if let Some(frame) = m.frame_mut(fid) {
                frame.input = std::sync::Arc::new(raw);
            }
            Err(Failure::new(
                StatesError::ResultPathMatchFailure.as_str(),
                state_cause(m, fid, state, &e.message),
            ))
        }
    }
}

/// `ResultPath`: combines the state's raw input with its result.
pub(crate) fn result_path(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    field: &PathField,
    raw: &Value,
    result: Value,
) -> Result<Value, Failure> {
    match field {
        PathField::Default => Ok(result),
        PathField::Null => Ok(raw.clone()),
        PathField::Path(p) => {
            let mut out = raw.clone();
            match p.set(&mut out, result) {
                Ok(()) => Ok(out),
                Err(e) => Err(Failure::new(
                    StatesError::ResultPathMatchFailure.as_str(),
                    state_cause(m, fid, state, &e.message),
                )),
            }
        }
    }
}

/// The `$states` binding of JSONata expressions.
#[derive(Default)]
pub(crate) struct States<'v> {
    pub(crate) input: Option<&'v Value>,
    pub(crate) result: Option<&'v Value>,
    pub(crate) error_output: Option<&'v Value>,
    pub(crate) extra: Extra<'v>,
}

/// Evaluates a JSONata template. `field` names it in error messages (`Arguments`,
/// `Output`, ...).
pub(crate) fn jsonata(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    t: &JsonataTemplate,
    field: &str,
    states: &States<'_>,
) -> Result<Value, Failure> {
    match t {
        JsonataTemplate::Literal(v) => Ok(v.clone()),
        _ => {
            let scope = jsonata_scope(m, fid, states, t);
            eval_template(m, fid, state, t, field, &scope)
        }
    }
}

/// What JSONata expressions of a state read: `$states` and the workflow variables (by
/// reference, nothing copied but `$states` itself).
struct JsonataScope<'a> {
    vars: Option<&'a crate::vars::Vars>,
    states: Value,
}

impl statecraft_jsonata::Variables for JsonataScope<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        if name == "states" {
            Some(&self.states)
        } else {
            self.vars?.get(name)
        }
    }
}

/// Whether any expression of a template may read `$states.context` (building the context
/// object costs a copy of the execution input, so it is built only when it can be read).
fn reads_context(t: &JsonataTemplate) -> bool {
    match t {
        JsonataTemplate::Literal(_) => false,
        JsonataTemplate::Expr { source, .. } => {
            source.contains("context")
                || source.match_indices("$states").any(|(i, _)| !source[i + 7..].starts_with('.'))
        }
        JsonataTemplate::Object(items) => items.iter().any(|(_, t)| reads_context(t)),
        JsonataTemplate::Array(items) => items.iter().any(reads_context),
    }
}

fn jsonata_scope<'a>(
    m: &'a Machine<'_>,
    fid: u32,
    states: &States<'_>,
    t: &JsonataTemplate,
) -> JsonataScope<'a> {
    let mut s = Map::new();
    if let Some(v) = states.input {
        s.insert("input".into(), v.clone());
    }
    if let Some(v) = states.result {
        s.insert("result".into(), v.clone());
    }
    if let Some(v) = states.error_output {
        s.insert("errorOutput".into(), v.clone());
    }
    if reads_context(t) {
        s.insert("context".into(), m.context(fid, states.extra));
    }
    JsonataScope { vars: m.frame(fid).map(|f| &f.vars), states: Value::Object(s) }
}

/// Options of every JSONata evaluation in a state machine: AWS's extra functions, no `$eval`,
/// and a step budget that stops a hostile expression in well under a second.
fn jsonata_options() -> statecraft_jsonata::Options {
    statecraft_jsonata::Options {
        aws_functions: true,
        allow_eval: false,
        limits: statecraft_jsonata::Limits { max_depth: 1000, max_steps: 10_000_000 },
    }
}

fn eval_template(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    t: &JsonataTemplate,
    field: &str,
    scope: &JsonataScope<'_>,
) -> Result<Value, Failure> {
    match t {
        JsonataTemplate::Literal(v) => Ok(v.clone()),
        JsonataTemplate::Expr { source, expr } => {
            let env = EnvAdapter(m.env);
            match expr.evaluate_classified(None, scope, &env, &jsonata_options()) {
                Ok(statecraft_jsonata::Evaluated::Value(v)) => Ok(v),
                Ok(statecraft_jsonata::Evaluated::Function) => Err(Failure::new(
                    StatesError::QueryEvaluationError.as_str(),
                    state_cause(
                        m,
                        fid,
                        state,
                        &format!("The JSONata expression '{source}' specified for the field '{field}' returned an unsupported result type."),
                    ),
                )),
                Ok(statecraft_jsonata::Evaluated::Undefined) => Err(Failure::new(
                    StatesError::QueryEvaluationError.as_str(),
                    state_cause(
                        m,
                        fid,
                        state,
                        &format!("The JSONata expression '{source}' specified for the field '{field}' returned nothing (undefined)."),
                    ),
                )),
                Err(e) => Err(Failure::new(
                    StatesError::QueryEvaluationError.as_str(),
                    state_cause(m, fid, state, &format!("{}: {}", e.code, e.message)),
                )),
            }
        }
        JsonataTemplate::Object(items) => {
            let mut out = Map::with_capacity(items.len());
            for (k, v) in items {
                out.insert(k.clone(), eval_template(m, fid, state, v, &format!("{field}/{k}"), scope)?);
            }
            Ok(Value::Object(out))
        }
        JsonataTemplate::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                out.push(eval_template(m, fid, state, v, &format!("{field}/{i}"), scope)?);
            }
            Ok(Value::Array(out))
        }
    }
}

/// Evaluates an `Assign` block against the state's input (and result). Every value is
/// computed before any is assigned.
pub(crate) fn assign(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    payload: &Payload,
    states: &States<'_>,
) -> Result<Map<String, Value>, Failure> {
    let v = match payload {
        Payload::JsonPath(t) => {
            let input = states.result.or(states.input).unwrap_or(&Value::Null);
            template(m, fid, state, t, input, states.extra)?
        }
        Payload::Jsonata(t) => jsonata(m, fid, state, t, "Assign", states)?,
    };
    match v {
        Value::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

/// Fails with `States.DataLimitExceeded` when rendered payload text is over the limit.
pub(crate) fn check_text_size(text: &str, limit: usize, state_name: &str) -> Result<(), Failure> {
    if text.len() > limit {
        return Err(data_limit(state_name));
    }
    Ok(())
}

fn data_limit(state_name: &str) -> Failure {
    Failure::new(
        StatesError::DataLimitExceeded.as_str(),
        format!("The state/task '{state_name}' returned a result with a size exceeding the maximum number of bytes service limit."),
    )
}
