//! Fail: ends its frame with an error and cause (literal, from a path or intrinsic, or JSONata).

use crate::execution::{Failure, Machine};
use crate::io::{self, States};
use serde_json::Value;
use statecraft_asl::{Dynamic, Fail, State};

pub(crate) fn run(m: &mut Machine<'_>, fid: u32, state: &State, fail: &Fail) {
    let Some(raw) = m.frame(fid).map(|f| f.input.clone()) else { return };
    let error = match resolve(m, fid, state, fail.error.as_ref(), &raw, "Error") {
        Ok(v) => v,
        Err(f) => return m.fail_frame(fid, f),
    };
    let cause = match resolve(m, fid, state, fail.cause.as_ref(), &raw, "Cause") {
        Ok(v) => v,
        Err(f) => return m.fail_frame(fid, f),
    };
    m.fail_frame(fid, Failure { error, cause });
}

fn resolve(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    d: Option<&Dynamic<String>>,
    raw: &Value,
    field: &str,
) -> Result<Option<String>, Failure> {
    let v = match d {
        None => return Ok(None),
        Some(Dynamic::Literal(s)) => return Ok(Some(s.clone())),
        Some(Dynamic::Path(p)) => io::select(m, fid, p, raw).ok_or_else(|| {
            io::runtime_failure(
                m,
                fid,
                state,
                &format!(
                    "The JSONPath '{}' specified for the field '{field}Path' could not be found in the input '{}'",
                    p.as_str(),
                    statecraft_expr::to_aws_json(raw)
                ),
            )
        })?,
        Some(Dynamic::Intrinsic(call)) => {
            let ctx = if call.uses_context() { m.context(fid, Default::default()) } else { Value::Null };
            let env = io::EnvAdapter(m.env);
            let vars = m.frame(fid).map(|f| f.vars.clone()).unwrap_or_default();
            let scope = statecraft_expr::Scope { input: raw, context: &ctx, variables: &vars, env: &env };
            call.evaluate(&scope).map_err(|e| io::eval_failure(m, fid, state, e))?
        }
        Some(Dynamic::Jsonata(t)) => {
            io::jsonata(m, fid, state, t, field, &States { input: Some(raw), ..Default::default() })?
        }
    };
    Ok(Some(match v {
        Value::String(s) => s,
        other => statecraft_expr::to_aws_json(&other),
    }))
}
