//! Task: asks the shell to run a resource (a Lambda function, an activity, a service
//! integration) and resumes when its result arrives. Timeouts and heartbeats are timers.

use crate::context::Extra;
use crate::event::{Effect, TaskId, TaskRequest, TimerKind};
use crate::execution::{Blocked, Failure, Machine, TaskWait};
use crate::history::{ErrorInfo, EventKind, TaskFamily};
use crate::io::{self, States};
use serde_json::Value;
use statecraft_asl::{Dynamic, Payload, QueryLanguage, Resource, State, Task};

pub(crate) fn family(r: &Resource) -> TaskFamily {
    match r {
        Resource::Lambda { .. } => TaskFamily::Lambda,
        Resource::Activity { .. } => TaskFamily::Activity,
        Resource::Service { .. } | Resource::Sdk { .. } => TaskFamily::Service,
    }
}

pub(crate) fn run(m: &mut Machine<'_>, fid: u32, state: &State, task: &Task) {
    let Some(raw) = m.frame(fid).map(|f| f.input.clone()) else { return };
    let fam = family(&task.resource);
    // Every task gets a token: callbacks need it, and `$$.Task.Token` is readable in any task.
    let token = Some(m.env.task_token());
    let (input, timeout, heartbeat) = match prepare(m, fid, state, task, &raw, token.as_deref()) {
        Ok(x) => x,
        Err(f) => return m.fail_state(fid, f),
    };
    let retry_count = m.frame(fid).map(|f| f.retry_count()).unwrap_or(0);
    let region = match &task.resource {
        Resource::Lambda { region, .. } if !region.is_empty() => region.clone(),
        _ => m.exec.info.region.clone(),
    };
    m.emit(
        fid,
        EventKind::TaskScheduled {
            family: fam,
            resource_type: task.resource.resource_type(),
            resource: resource_label(&task.resource),
            region,
            parameters: crate::history::json(&input),
            timeout,
            heartbeat,
        },
    );
    let wait = TaskWait {
        family: fam,
        started: fam != TaskFamily::Activity,
        token: token.clone(),
        heartbeat_seconds: heartbeat,
        heartbeat_seq: 0,
    };
    let seq = m.block(fid, Blocked::Task(wait));
    if fam != TaskFamily::Activity {
        m.emit(
            fid,
            EventKind::TaskStarted {
                family: fam,
                resource_type: task.resource.resource_type(),
                resource: resource_label(&task.resource),
                worker_name: None,
            },
        );
    }
    let now = m.now;
    m.out.effects.push(Effect::InvokeTask(Box::new(TaskRequest {
        task: TaskId { frame: fid, seq },
        state_name: state.name.to_string(),
        resource: task.resource.clone(),
        input,
        timeout_seconds: timeout,
        heartbeat_seconds: heartbeat,
        token,
        credentials: task.credentials.clone(),
        retry_count,
    })));
    if let Some(t) = timeout {
        m.schedule(fid, seq, TimerKind::TaskTimeout, now + t as i64 * 1000);
    }
    if let Some(h) = heartbeat {
        m.schedule_round(fid, seq, TimerKind::Heartbeat, 0, now + h as i64 * 1000);
    }
}

/// The `resource` shown in history: the ARN for Lambda and activities, the action for
/// integrations.
fn resource_label(r: &Resource) -> String {
    match r {
        Resource::Lambda { arn, .. } | Resource::Activity { arn, .. } => arn.clone(),
        _ => r.resource_name(),
    }
}

type Prepared = (Value, Option<u64>, Option<u64>);

fn prepare(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    task: &Task,
    raw: &Value,
    token: Option<&str>,
) -> Result<Prepared, Failure> {
    let extra = Extra { token, ..Default::default() };
    if state.query_language == QueryLanguage::Jsonata {
        let states = States { input: Some(raw), extra, ..Default::default() };
        let input = match &state.arguments {
            Some(t) => io::jsonata(m, fid, state, t, "Arguments", &states)?,
            None => raw.clone(),
        };
        let timeout = seconds(m, fid, state, task.timeout_seconds.as_ref(), raw, "TimeoutSeconds", &states)?;
        let heartbeat =
            seconds(m, fid, state, task.heartbeat_seconds.as_ref(), raw, "HeartbeatSeconds", &states)?;
        return Ok((input, timeout, heartbeat));
    }
    let effective = io::input_path(m, fid, state, raw)?;
    let states = States { input: Some(&effective), extra, ..Default::default() };
    let timeout =
        seconds(m, fid, state, task.timeout_seconds.as_ref(), &effective, "TimeoutSeconds", &states)?;
    let heartbeat =
        seconds(m, fid, state, task.heartbeat_seconds.as_ref(), &effective, "HeartbeatSeconds", &states)?;
    let input = match &state.parameters {
        Some(Payload::JsonPath(t)) => io::template(m, fid, state, t, &effective, extra)?,
        _ => effective.into_owned(),
    };
    Ok((input, timeout, heartbeat))
}

fn seconds(
    m: &Machine<'_>,
    fid: u32,
    state: &State,
    d: Option<&Dynamic<u64>>,
    input: &Value,
    field: &str,
    states: &States<'_>,
) -> Result<Option<u64>, Failure> {
    let v = match d {
        None => return Ok(None),
        Some(Dynamic::Literal(n)) => return Ok(Some(*n)),
        Some(Dynamic::Path(p)) => io::select_required(m, fid, state, p, input)?,
        Some(Dynamic::Jsonata(t)) => io::jsonata(m, fid, state, t, field, states)?,
        Some(Dynamic::Intrinsic(_)) => return Ok(None),
    };
    match v.as_u64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64)) {
        Some(n) if n >= 1 => Ok(Some(n)),
        _ => Err(io::runtime_failure(
            m,
            fid,
            state,
            &format!(
                "The {field} value '{}' is not a valid positive integer",
                statecraft_expr::to_aws_json(&v)
            ),
        )),
    }
}

fn current<'s>(m: &Machine<'s>, fid: u32) -> Option<(&'s State, &'s Task, TaskWait)> {
    let frame = m.frame(fid)?;
    let state = m.def.state(frame.state_ref());
    let statecraft_asl::Kind::Task(task) = &state.kind else { return None };
    let Blocked::Task(w) = &frame.blocked else { return None };
    Some((state, task, w.clone()))
}

pub(crate) fn started(m: &mut Machine<'_>, fid: u32, worker_name: Option<String>) {
    let Some((_, task, w)) = current(m, fid) else { return };
    if w.started {
        return;
    }
    if let Some(f) = m.frame_mut(fid) {
        if let Blocked::Task(tw) = &mut f.blocked {
            tw.started = true;
        }
    }
    m.emit(
        fid,
        EventKind::TaskStarted {
            family: w.family,
            resource_type: task.resource.resource_type(),
            resource: resource_label(&task.resource),
            worker_name,
        },
    );
}

pub(crate) fn submitted(m: &mut Machine<'_>, fid: u32, output: Value) {
    let Some((_, task, _)) = current(m, fid) else { return };
    m.emit(
        fid,
        EventKind::TaskSubmitted {
            resource_type: task.resource.resource_type(),
            resource: task.resource.resource_name(),
            output: crate::history::json(&output),
        },
    );
}

pub(crate) fn heartbeat(m: &mut Machine<'_>, fid: u32) {
    let Some((_, _, w)) = current(m, fid) else { return };
    let Some(h) = w.heartbeat_seconds else { return };
    let mut round = 0;
    let mut seq = 0;
    if let Some(f) = m.frame_mut(fid) {
        seq = f.seq;
        if let Blocked::Task(tw) = &mut f.blocked {
            tw.heartbeat_seq += 1;
            round = tw.heartbeat_seq;
        }
    }
    let at = m.now + h as i64 * 1000;
    m.schedule_round(fid, seq, TimerKind::Heartbeat, round, at);
}

pub(crate) fn succeeded(m: &mut Machine<'_>, fid: u32, output: Value) {
    let Some((state, task, w)) = current(m, fid) else { return };
    if !w.started {
        started(m, fid, None);
    }
    let text = crate::history::json(&output);
    let too_big = io::check_text_size(&text, m.exec.limits.max_payload_bytes, &state.name);
    m.emit(
        fid,
        EventKind::TaskSucceeded {
            family: w.family,
            resource_type: task.resource.resource_type(),
            resource: resource_label(&task.resource),
            output: text,
        },
    );
    if let Err(f) = too_big {
        return m.fail_state(fid, f);
    }
    match finish(m, fid, state, output) {
        Ok((out, assigned)) => {
            if let Some(vars) = &assigned {
                if let Some(f) = m.frame_mut(fid) {
                    f.vars.assign(vars.clone());
                }
            }
            m.exit_state(fid, out, None, assigned)
        }
        Err(f) => m.fail_state(fid, f),
    }
}

type Finished = (Value, Option<serde_json::Map<String, Value>>);

/// ResultSelector, Assign, ResultPath and OutputPath (or JSONata Output and Assign) on a
/// result. Shared by Task, Parallel and Map.
pub(crate) fn finish(
    m: &mut Machine<'_>,
    fid: u32,
    state: &State,
    result: Value,
) -> Result<Finished, Failure> {
    let raw = m.frame(fid).map(|f| f.input.clone()).unwrap_or_default();
    if state.query_language == QueryLanguage::Jsonata {
        let states = States { input: Some(&raw), result: Some(&result), ..Default::default() };
        let assigned = state.assign.as_ref().map(|a| io::assign(m, fid, state, a, &states)).transpose()?;
        let output = match &state.output {
            Some(t) => io::jsonata(m, fid, state, t, "Output", &states)?,
            None => result,
        };
        return Ok((output, assigned));
    }
    let selected = match &state.result_selector {
        Some(Payload::JsonPath(t)) => io::template(m, fid, state, t, &result, Extra::default())?,
        _ => result,
    };
    let assigned = match &state.assign {
        Some(a) => {
            let states = States { input: Some(&raw), result: Some(&selected), ..Default::default() };
            Some(io::assign(m, fid, state, a, &states)?)
        }
        None => None,
    };
    drop(raw);
    let out = io::apply_result_path(m, fid, state, &state.result_path, selected)?;
    Ok((io::output_path(m, fid, state, out)?, assigned))
}

pub(crate) fn failed(
    m: &mut Machine<'_>,
    fid: u32,
    error: Option<String>,
    cause: Option<String>,
    timed_out: bool,
) {
    let Some((_, task, w)) = current(m, fid) else { return };
    if !w.started && !timed_out {
        started(m, fid, None);
    }
    let error = if timed_out { Some(error.unwrap_or_else(|| "States.Timeout".into())) } else { error };
    let cause = if timed_out { Some(cause.unwrap_or_default()) } else { cause };
    let info = ErrorInfo { error: error.clone(), cause: cause.clone() };
    let kind = if timed_out {
        EventKind::TaskTimedOut {
            family: w.family,
            resource_type: task.resource.resource_type(),
            resource: resource_label(&task.resource),
            info,
        }
    } else {
        EventKind::TaskFailed {
            family: w.family,
            resource_type: task.resource.resource_type(),
            resource: resource_label(&task.resource),
            info,
        }
    };
    m.emit(fid, kind);
    if let Some(f) = m.frame_mut(fid) {
        f.blocked = Blocked::Running;
    }
    m.fail_state(fid, Failure { error, cause });
}
