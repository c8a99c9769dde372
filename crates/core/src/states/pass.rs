//! Pass: copies its input to its output, optionally injecting `Result` or `Parameters`.

use crate::context::Extra;
use crate::execution::Machine;
use crate::io::{self, States};
use serde_json::Value;
use statecraft_asl::{Pass, Payload, QueryLanguage, State};

pub(crate) fn run(m: &mut Machine<'_>, fid: u32, state: &State, pass: &Pass) {
    let Some(raw) = m.frame(fid).map(|f| f.input.clone()) else { return };
    let computed = compute(m, fid, state, pass, &raw);
    drop(raw); // the frame holds the only reference again: ResultPath can merge in place
    let outcome = computed.and_then(|(result, assigned, jsonata_output)| {
        let output = match jsonata_output {
            Some(o) => o,
            None => {
                let merged = io::apply_result_path(m, fid, state, &state.result_path, result)?;
                io::output_path(m, fid, state, merged)?
            }
        };
        Ok((output, assigned))
    });
    match outcome {
        Ok((output, assigned)) => {
            if let Some(vars) = &assigned {
                if let Some(f) = m.frame_mut(fid) {
                    f.vars.assign(vars.clone());
                }
            }
            m.exit_state(fid, output, None, assigned);
        }
        Err(f) => m.fail_state(fid, f),
    }
}

/// The result, what to assign, and (JSONata) the finished output.
type Computed =
    Result<(Value, Option<serde_json::Map<String, Value>>, Option<Value>), crate::execution::Failure>;

fn compute(m: &Machine<'_>, fid: u32, state: &State, pass: &Pass, raw: &Value) -> Computed {
    if state.query_language == QueryLanguage::Jsonata {
        let states = States { input: Some(raw), ..Default::default() };
        let assigned = state.assign.as_ref().map(|a| io::assign(m, fid, state, a, &states)).transpose()?;
        let output = match &state.output {
            Some(t) => io::jsonata(m, fid, state, t, "Output", &states)?,
            None => raw.clone(),
        };
        return Ok((Value::Null, assigned, Some(output)));
    }
    let effective = io::input_path(m, fid, state, raw)?;
    let result = match (&pass.result, &state.parameters) {
        (Some(r), _) => r.clone(),
        (None, Some(Payload::JsonPath(t))) => io::template(m, fid, state, t, &effective, Extra::default())?,
        _ => effective.clone().into_owned(),
    };
    let assigned = match &state.assign {
        Some(a) => {
            let states = States { input: Some(&effective), result: Some(&result), ..Default::default() };
            Some(io::assign(m, fid, state, a, &states)?)
        }
        None => None,
    };
    Ok((result, assigned, None))
}
