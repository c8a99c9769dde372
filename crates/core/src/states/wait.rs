//! Wait: delays until a time (`Seconds`, `Timestamp`, their `...Path` forms, or JSONata).
//! The wait itself is a timer the shell keeps; the state resumes when it fires.

use crate::event::TimerKind;
use crate::execution::{Blocked, Failure, Machine};
use crate::io::{self, States};
use serde_json::Value;
use statecraft_asl::{Dynamic, QueryLanguage, State, Wait};
use statecraft_expr::StatesError;

pub(crate) fn run(m: &mut Machine<'_>, fid: u32, state: &State, wait: &Wait) {
    let Some(raw) = m.frame(fid).map(|f| f.input.clone()) else { return };
    let until = match until(m, fid, state, wait, &raw) {
        Ok(t) => t,
        Err(f) => return m.fail_state(fid, f),
    };
    let seq = m.block(fid, Blocked::Wait);
    m.schedule(fid, seq, TimerKind::Wait, until);
}

/// The timer fired: the state's output is its (processed) input.
pub(crate) fn fired(m: &mut Machine<'_>, fid: u32) {
    let Some(frame) = m.frame(fid) else { return };
    let state = m.def.state(frame.state_ref());
    let raw = frame.input.clone();
    let out = if state.query_language == QueryLanguage::Jsonata {
        let states = States { input: Some(&raw), ..Default::default() };
        let assigned = match state.assign.as_ref().map(|a| io::assign(m, fid, state, a, &states)).transpose()
        {
            Ok(a) => a,
            Err(f) => return m.fail_state(fid, f),
        };
        let output = match &state.output {
            Some(t) => io::jsonata(m, fid, state, t, "Output", &states),
            None => Ok(Value::clone(&raw)),
        };
        output.map(|o| (o, assigned))
    } else {
        io::input_path(m, fid, state, &raw).and_then(|effective| {
            let assigned = match &state.assign {
                Some(a) => Some(io::assign(
                    m,
                    fid,
                    state,
                    a,
                    &States { input: Some(&effective), ..Default::default() },
                )?),
                None => None,
            };
            Ok((io::output_path(m, fid, state, effective.into_owned())?, assigned))
        })
    };
    match out {
        Ok((output, assigned)) => {
            if let Some(vars) = &assigned {
                if let Some(f) = m.frame_mut(fid) {
                    f.vars.assign(vars.clone());
                }
            }
            m.exit_state(fid, output, None, assigned)
        }
        Err(f) => m.fail_state(fid, f),
    }
}

fn until(m: &Machine<'_>, fid: u32, state: &State, wait: &Wait, raw: &Value) -> Result<i64, Failure> {
    let now = m.now;
    let jsonata_states = States { input: Some(raw), ..Default::default() };
    match wait {
        Wait::Seconds(Dynamic::Literal(s)) => Ok(now + *s as i64 * 1000),
        Wait::Seconds(Dynamic::Path(p)) => {
            let effective = io::input_path(m, fid, state, raw)?;
            let v = io::select(m, fid, p, &effective).ok_or_else(|| {
                io::runtime_failure(
                    m,
                    fid,
                    state,
                    &format!("The SecondsPath parameter does not reference an input value: {}", p.as_str()),
                )
            })?;
            let text = statecraft_expr::to_aws_json(&v);
            let secs = match &v {
                Value::Number(n) => n.as_i64().ok_or_else(|| {
                    io::runtime_failure(
                        m,
                        fid,
                        state,
                        &format!(
                            "The SecondsPath parameter cannot be parsed as a long value: {} == {text}",
                            p.as_str()
                        ),
                    )
                })?,
                _ => {
                    return Err(io::runtime_failure(
                        m,
                        fid,
                        state,
                        &format!(
                            "The SecondsPath parameter cannot be parsed as a long value: {} == {text}",
                            p.as_str()
                        ),
                    ))
                }
            };
            if secs < 0 {
                return Err(io::runtime_failure(
                    m,
                    fid,
                    state,
                    &format!(
                        "The SecondsPath parameter references a negative value: {} == {text}",
                        p.as_str()
                    ),
                ));
            }
            Ok(now + secs * 1000)
        }
        Wait::Seconds(Dynamic::Jsonata(t)) => {
            let v = io::jsonata(m, fid, state, t, "Seconds", &jsonata_states)?;
            match v.as_i64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)) {
                Some(s) if s >= 0 => Ok(now + s * 1000),
                _ => Err(Failure::new(
                    StatesError::QueryEvaluationError.as_str(),
                    io::state_cause(
                        m,
                        fid,
                        state,
                        &format!(
                            "The JSONata expression specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '{}' for value: {}",
                            super::choice::json_type(&v),
                            statecraft_expr::to_aws_json(&v)
                        ),
                    ),
                )),
            }
        }
        Wait::Seconds(Dynamic::Intrinsic(_)) | Wait::Timestamp(Dynamic::Intrinsic(_)) => Ok(now),
        Wait::Timestamp(Dynamic::Literal(s)) => Ok(statecraft_asl::timestamp::parse_millis(s).unwrap_or(now)),
        Wait::Timestamp(Dynamic::Path(p)) => {
            let effective = io::input_path(m, fid, state, raw)?;
            let bad = |shown: &str| {
                io::runtime_failure(
                    m,
                    fid,
                    state,
                    &format!(
                        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {shown}",
                        p.as_str()
                    ),
                )
            };
            let v = io::select(m, fid, p, &effective).ok_or_else(|| {
                io::runtime_failure(
                    m,
                    fid,
                    state,
                    &format!("The TimestampPath parameter does not reference an input value: {}", p.as_str()),
                )
            })?;
            match &v {
                Value::String(s) => statecraft_asl::timestamp::parse_millis(s).ok_or_else(|| bad(s)),
                other => Err(bad(&statecraft_expr::to_aws_json(other))),
            }
        }
        Wait::Timestamp(Dynamic::Jsonata(t)) => {
            let v = io::jsonata(m, fid, state, t, "Timestamp", &jsonata_states)?;
            v.as_str().and_then(statecraft_asl::timestamp::parse_millis).ok_or_else(|| {
                Failure::new(
                    StatesError::QueryEvaluationError.as_str(),
                    io::state_cause(
                        m,
                        fid,
                        state,
                        &format!(
                            "The JSONata expression specified for the field 'Timestamp' returned an invalid timestamp: {}",
                            statecraft_expr::to_aws_json(&v)
                        ),
                    ),
                )
            })
        }
    }
}
