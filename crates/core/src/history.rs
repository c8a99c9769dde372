//! Execution history in the shape of `GetExecutionHistory`: the same event `type` names, ids,
//! `previousEventId` and `...EventDetails` objects. Payloads are kept as JSON values and
//! rendered as JSON strings (as AWS does) only when an event is written out.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use statecraft_asl::StateType;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub id: u64,
    pub previous_event_id: u64,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    pub kind: EventKind,
}

/// Error and cause of a failure event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// Which task events a Task state emits: Lambda ARNs, activities and service integrations
/// each have their own family of event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskFamily {
    Lambda,
    Activity,
    Service,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EventKind {
    ExecutionStarted {
        input: Json,
        role_arn: String,
    },
    ExecutionSucceeded {
        output: Json,
    },
    ExecutionFailed(ErrorInfo),
    ExecutionAborted(ErrorInfo),
    ExecutionTimedOut(ErrorInfo),
    ExecutionRedriven {
        redrive_count: u32,
    },
    StateEntered {
        state_type: StateType,
        name: Arc<str>,
        input: Json,
    },
    StateExited {
        state_type: StateType,
        name: Arc<str>,
        output: Json,
        assigned: Option<Map<String, Value>>,
    },
    StateAborted {
        state_type: StateType,
        name: Arc<str>,
    },
    TaskScheduled {
        family: TaskFamily,
        resource_type: String,
        resource: String,
        region: String,
        parameters: Json,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
    },
    TaskStarted {
        family: TaskFamily,
        resource_type: String,
        resource: String,
        worker_name: Option<String>,
    },
    TaskSubmitted {
        resource_type: String,
        resource: String,
        output: Json,
    },
    TaskSucceeded {
        family: TaskFamily,
        resource_type: String,
        resource: String,
        output: Json,
    },
    TaskFailed {
        family: TaskFamily,
        resource_type: String,
        resource: String,
        info: ErrorInfo,
    },
    TaskTimedOut {
        family: TaskFamily,
        resource_type: String,
        resource: String,
        info: ErrorInfo,
    },
    ParallelStarted,
    ParallelSucceeded,
    ParallelFailed,
    ParallelAborted,
    MapStarted {
        length: u64,
    },
    MapSucceeded,
    MapFailed,
    MapAborted,
    MapIterationStarted {
        name: Arc<str>,
        index: u64,
    },
    MapIterationSucceeded {
        name: Arc<str>,
        index: u64,
    },
    MapIterationFailed {
        name: Arc<str>,
        index: u64,
    },
    MapIterationAborted {
        name: Arc<str>,
        index: u64,
    },
    MapRunStarted {
        map_run_arn: String,
    },
    MapRunSucceeded,
    MapRunFailed(ErrorInfo),
    MapRunAborted,
    EvaluationFailed {
        info: ErrorInfo,
        location: Option<String>,
        state: Arc<str>,
    },
}

impl EventKind {
    /// The `type` of the event, as AWS names it.
    pub fn type_name(&self) -> &'static str {
        use EventKind::*;
        match self {
            ExecutionStarted { .. } => "ExecutionStarted",
            ExecutionSucceeded { .. } => "ExecutionSucceeded",
            ExecutionFailed(_) => "ExecutionFailed",
            ExecutionAborted(_) => "ExecutionAborted",
            ExecutionTimedOut(_) => "ExecutionTimedOut",
            ExecutionRedriven { .. } => "ExecutionRedriven",
            StateEntered { state_type, .. } => state_event(*state_type, 0),
            StateExited { state_type, .. } => state_event(*state_type, 1),
            StateAborted { state_type, .. } => state_event(*state_type, 2),
            TaskScheduled { family, .. } => family_name(*family, "Scheduled"),
            TaskStarted { family, .. } => family_name(*family, "Started"),
            TaskSubmitted { .. } => "TaskSubmitted",
            TaskSucceeded { family, .. } => family_name(*family, "Succeeded"),
            TaskFailed { family, .. } => family_name(*family, "Failed"),
            TaskTimedOut { family, .. } => family_name(*family, "TimedOut"),
            ParallelStarted => "ParallelStateStarted",
            ParallelSucceeded => "ParallelStateSucceeded",
            ParallelFailed => "ParallelStateFailed",
            ParallelAborted => "ParallelStateAborted",
            MapStarted { .. } => "MapStateStarted",
            MapSucceeded => "MapStateSucceeded",
            MapFailed => "MapStateFailed",
            MapAborted => "MapStateAborted",
            MapIterationStarted { .. } => "MapIterationStarted",
            MapIterationSucceeded { .. } => "MapIterationSucceeded",
            MapIterationFailed { .. } => "MapIterationFailed",
            MapIterationAborted { .. } => "MapIterationAborted",
            MapRunStarted { .. } => "MapRunStarted",
            MapRunSucceeded => "MapRunSucceeded",
            MapRunFailed(_) => "MapRunFailed",
            MapRunAborted => "MapRunAborted",
            EvaluationFailed { .. } => "EvaluationFailed",
        }
    }
}

/// `PassStateEntered`, `TaskStateExited`, `WaitStateAborted`, ...
fn state_event(t: StateType, what: usize) -> &'static str {
    const NAMES: [[&str; 3]; 8] = [
        ["PassStateEntered", "PassStateExited", "PassStateAborted"],
        ["TaskStateEntered", "TaskStateExited", "TaskStateAborted"],
        ["ChoiceStateEntered", "ChoiceStateExited", "ChoiceStateAborted"],
        ["WaitStateEntered", "WaitStateExited", "WaitStateAborted"],
        ["SucceedStateEntered", "SucceedStateExited", "SucceedStateAborted"],
        ["FailStateEntered", "FailStateExited", "FailStateAborted"],
        ["ParallelStateEntered", "ParallelStateExited", "ParallelStateAborted"],
        ["MapStateEntered", "MapStateExited", "MapStateAborted"],
    ];
    let row = match t {
        StateType::Pass => 0,
        StateType::Task => 1,
        StateType::Choice => 2,
        StateType::Wait => 3,
        StateType::Succeed => 4,
        StateType::Fail => 5,
        StateType::Parallel => 6,
        StateType::Map => 7,
    };
    NAMES[row][what]
}

fn family_name(family: TaskFamily, what: &str) -> &'static str {
    match (family, what) {
        (TaskFamily::Lambda, "Scheduled") => "LambdaFunctionScheduled",
        (TaskFamily::Lambda, "Started") => "LambdaFunctionStarted",
        (TaskFamily::Lambda, "Succeeded") => "LambdaFunctionSucceeded",
        (TaskFamily::Lambda, "Failed") => "LambdaFunctionFailed",
        (TaskFamily::Lambda, _) => "LambdaFunctionTimedOut",
        (TaskFamily::Activity, "Scheduled") => "ActivityScheduled",
        (TaskFamily::Activity, "Started") => "ActivityStarted",
        (TaskFamily::Activity, "Succeeded") => "ActivitySucceeded",
        (TaskFamily::Activity, "Failed") => "ActivityFailed",
        (TaskFamily::Activity, _) => "ActivityTimedOut",
        (TaskFamily::Service, "Scheduled") => "TaskScheduled",
        (TaskFamily::Service, "Started") => "TaskStarted",
        (TaskFamily::Service, "Succeeded") => "TaskSucceeded",
        (TaskFamily::Service, "Failed") => "TaskFailed",
        (TaskFamily::Service, _) => "TaskTimedOut",
    }
}

/// A payload as history records it: compact JSON text, rendered once when the event is
/// recorded (it is what every reader of history wants, and its length is the payload size
/// that the 256 KiB limit applies to).
pub type Json = Box<str>;

/// Renders a payload as history records it.
pub fn json(v: &Value) -> Json {
    serde_json::to_string(v).unwrap_or_default().into_boxed_str()
}

/// The same, as a `String` (for causes and messages).
pub fn payload_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Writes one JSON object, key by key, straight into a byte buffer: history is written for
/// every transition, so it does not go through intermediate `Value` maps.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Keys are plain ASCII names (or variable names, which are escaped).
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        write_str(self.out, k);
        self.out.push(b':');
    }

    fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        write_str(self.out, v);
        self
    }

    fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(k, v);
        }
        self
    }

    fn num(&mut self, k: &str, v: u64) -> &mut Self {
        self.key(k);
        push_u64(self.out, v);
        self
    }

    /// Epoch seconds with milliseconds, as the AWS JSON protocol renders timestamps.
    fn timestamp(&mut self, k: &str, millis: i64) -> &mut Self {
        self.key(k);
        if millis < 0 {
            self.out.push(b'-');
        }
        let m = millis.unsigned_abs();
        push_u64(self.out, m / 1000);
        self.out.push(b'.');
        let frac = m % 1000;
        self.out.extend_from_slice(&[
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ]);
        self
    }

    fn opt_num(&mut self, k: &str, v: Option<u64>) -> &mut Self {
        if let Some(v) = v {
            self.num(k, v);
        }
        self
    }

    /// A payload: JSON text inside a JSON string, as AWS renders it; left out without data.
    fn payload(&mut self, k: &str, text: &str, include_data: bool) -> &mut Self {
        if include_data {
            self.key(k);
            write_str(self.out, text);
        }
        self
    }

    /// A JSON value rendered as text inside a JSON string (assigned variables).
    fn value(&mut self, k: &str, v: &Value) -> &mut Self {
        self.key(k);
        self.out.push(b'"');
        let _ = serde_json::to_writer(Escaping(&mut *self.out), v);
        self.out.push(b'"');
        self
    }

    fn not_truncated(&mut self, k: &str) -> &mut Self {
        self.key(k);
        self.out.extend_from_slice(b"{\"truncated\":false}");
        self
    }

    fn error(&mut self, info: &ErrorInfo) -> &mut Self {
        self.opt_str("error", info.error.as_deref()).opt_str("cause", info.cause.as_deref())
    }

    /// A nested object under `k`.
    fn obj(&mut self, k: &str, fill: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        self.key(k);
        let mut inner = Obj::new(self.out);
        fill(&mut inner);
        inner.out.push(b'}');
        self
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Escapes JSON text as it is written, so a payload becomes the body of a JSON string
/// without an intermediate copy.
struct Escaping<'a>(&'a mut Vec<u8>);

impl std::io::Write for Escaping<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        escape_into(self.0, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes `s` as a JSON string literal.
fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    escape_into(out, s.as_bytes());
    out.push(b'"');
}

/// Appends `bytes` (UTF-8) with JSON string escaping.
fn escape_into(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

impl HistoryEvent {
    /// The event as GetExecutionHistory returns it (AWS JSON protocol: `timestamp` in epoch
    /// seconds). With `include_data` false, payloads are left out as AWS does for
    /// `includeExecutionData: false`.
    pub fn write_aws_json(&self, out: &mut Vec<u8>, include_data: bool) {
        use EventKind::*;
        let mut o = Obj::new(out);
        o.timestamp("timestamp", self.timestamp);
        o.str("type", self.kind.type_name());
        o.num("id", self.id).num("previousEventId", self.previous_event_id);
        let d = include_data;
        match &self.kind {
            ExecutionStarted { input, role_arn } => {
                o.obj("executionStartedEventDetails", |x| {
                    x.payload("input", input, d).not_truncated("inputDetails").str("roleArn", role_arn);
                });
            }
            ExecutionSucceeded { output } => {
                o.obj("executionSucceededEventDetails", |x| {
                    x.payload("output", output, d).not_truncated("outputDetails");
                });
            }
            ExecutionFailed(i) => {
                o.obj("executionFailedEventDetails", |x| {
                    x.error(i);
                });
            }
            ExecutionAborted(i) => {
                o.obj("executionAbortedEventDetails", |x| {
                    x.error(i);
                });
            }
            ExecutionTimedOut(i) => {
                o.obj("executionTimedOutEventDetails", |x| {
                    x.error(i);
                });
            }
            ExecutionRedriven { redrive_count } => {
                o.obj("executionRedrivenEventDetails", |x| {
                    x.num("redriveCount", u64::from(*redrive_count));
                });
            }
            StateEntered { name, input, .. } => {
                o.obj("stateEnteredEventDetails", |x| {
                    x.str("name", name).payload("input", input, d).not_truncated("inputDetails");
                });
            }
            StateExited { name, output, assigned, .. } => {
                o.obj("stateExitedEventDetails", |x| {
                    x.str("name", name).payload("output", output, d).not_truncated("outputDetails");
                    if let Some(vars) = assigned {
                        x.obj("assignedVariables", |a| {
                            for (k, v) in vars {
                                a.value(k, v);
                            }
                        });
                        x.not_truncated("assignedVariablesDetails");
                    }
                });
            }
            StateAborted { .. } | TaskStarted { family: TaskFamily::Lambda, .. } => {}
            TaskScheduled { family: TaskFamily::Lambda, resource, parameters, timeout, .. } => {
                o.obj("lambdaFunctionScheduledEventDetails", |x| {
                    x.str("resource", resource).payload("input", parameters, d).not_truncated("inputDetails");
                    x.opt_num("timeoutInSeconds", *timeout);
                });
            }
            TaskScheduled {
                family: TaskFamily::Activity, resource, parameters, timeout, heartbeat, ..
            } => {
                o.obj("activityScheduledEventDetails", |x| {
                    x.str("resource", resource).payload("input", parameters, d).not_truncated("inputDetails");
                    x.opt_num("timeoutInSeconds", *timeout).opt_num("heartbeatInSeconds", *heartbeat);
                });
            }
            TaskScheduled {
                family: TaskFamily::Service,
                resource_type,
                resource,
                region,
                parameters,
                timeout,
                heartbeat,
            } => {
                o.obj("taskScheduledEventDetails", |x| {
                    x.str("resourceType", resource_type).str("resource", resource).str("region", region);
                    x.payload("parameters", parameters, d);
                    x.opt_num("timeoutInSeconds", *timeout).opt_num("heartbeatInSeconds", *heartbeat);
                });
            }
            TaskStarted { family: TaskFamily::Activity, worker_name, .. } => {
                o.obj("activityStartedEventDetails", |x| {
                    x.opt_str("workerName", worker_name.as_deref());
                });
            }
            TaskStarted { family: TaskFamily::Service, resource_type, resource, .. } => {
                o.obj("taskStartedEventDetails", |x| {
                    x.str("resourceType", resource_type).str("resource", resource);
                });
            }
            TaskSubmitted { resource_type, resource, output } => {
                o.obj("taskSubmittedEventDetails", |x| {
                    x.str("resourceType", resource_type).str("resource", resource);
                    x.payload("output", output, d).not_truncated("outputDetails");
                });
            }
            TaskSucceeded { family, resource_type, resource, output } => {
                let key = match family {
                    TaskFamily::Lambda => "lambdaFunctionSucceededEventDetails",
                    TaskFamily::Activity => "activitySucceededEventDetails",
                    TaskFamily::Service => "taskSucceededEventDetails",
                };
                o.obj(key, |x| {
                    if *family == TaskFamily::Service {
                        x.str("resourceType", resource_type).str("resource", resource);
                    }
                    x.payload("output", output, d).not_truncated("outputDetails");
                });
            }
            TaskFailed { family, resource_type, resource, info }
            | TaskTimedOut { family, resource_type, resource, info } => {
                let timed_out = matches!(self.kind, TaskTimedOut { .. });
                let key = match (family, timed_out) {
                    (TaskFamily::Lambda, false) => "lambdaFunctionFailedEventDetails",
                    (TaskFamily::Lambda, true) => "lambdaFunctionTimedOutEventDetails",
                    (TaskFamily::Activity, false) => "activityFailedEventDetails",
                    (TaskFamily::Activity, true) => "activityTimedOutEventDetails",
                    (TaskFamily::Service, false) => "taskFailedEventDetails",
                    (TaskFamily::Service, true) => "taskTimedOutEventDetails",
                };
                o.obj(key, |x| {
                    x.error(info);
                    if *family == TaskFamily::Service {
                        x.str("resourceType", resource_type).str("resource", resource);
                    }
                });
            }
            ParallelStarted | ParallelSucceeded | ParallelFailed | ParallelAborted | MapSucceeded
            | MapFailed | MapAborted | MapRunSucceeded | MapRunAborted => {}
            MapStarted { length } => {
                o.obj("mapStateStartedEventDetails", |x| {
                    x.num("length", *length);
                });
            }
            MapIterationStarted { name, index }
            | MapIterationSucceeded { name, index }
            | MapIterationFailed { name, index }
            | MapIterationAborted { name, index } => {
                let key = match &self.kind {
                    MapIterationStarted { .. } => "mapIterationStartedEventDetails",
                    MapIterationSucceeded { .. } => "mapIterationSucceededEventDetails",
                    MapIterationFailed { .. } => "mapIterationFailedEventDetails",
                    _ => "mapIterationAbortedEventDetails",
                };
                o.obj(key, |x| {
                    x.str("name", name).num("index", *index);
                });
            }
            MapRunStarted { map_run_arn } => {
                o.obj("mapRunStartedEventDetails", |x| {
                    x.str("mapRunArn", map_run_arn);
                });
            }
            MapRunFailed(i) => {
                o.obj("mapRunFailedEventDetails", |x| {
                    x.error(i);
                });
            }
            EvaluationFailed { info, location, state } => {
                o.obj("evaluationFailedEventDetails", |x| {
                    x.error(info).opt_str("location", location.as_deref()).str("state", state);
                });
            }
        }
        o.end();
    }

    /// The event as a JSON value (see [`HistoryEvent::write_aws_json`]).
    pub fn to_aws_json(&self, include_data: bool) -> Value {
        let mut buf = Vec::with_capacity(256);
        self.write_aws_json(&mut buf, include_data);
        serde_json::from_slice(&buf).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_escaping_matches_serde() {
        for s in ["plain", "quote\" back\\slash", "ctl\u{1}\n\t\r\u{8}\u{c}\u{1f}", "é ☃"] {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn renders_payloads_as_json_text() {
        let e = HistoryEvent {
            id: 2,
            previous_event_id: 0,
            timestamp: 1_500,
            kind: EventKind::StateEntered {
                state_type: StateType::Pass,
                name: "A".into(),
                input: json(&serde_json::json!({"a": [1, "x"]})),
            },
        };
        let v = e.to_aws_json(true);
        assert_eq!(v["type"], "PassStateEntered");
        assert_eq!(v["timestamp"], 1.5);
        assert_eq!(v["stateEnteredEventDetails"]["input"], "{\"a\":[1,\"x\"]}");
        assert_eq!(v["stateEnteredEventDetails"]["inputDetails"]["truncated"], false);
        let bare = e.to_aws_json(false);
        assert!(bare["stateEnteredEventDetails"].get("input").is_none());
    }
}
