//! Execution history in the shape of `GetExecutionHistory`: the same event `type` names, ids,
//! `previousEventId` and `...EventDetails` objects. Payloads are kept as JSON values and
//! rendered as JSON strings (as AWS does) only when an event is written out.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use statecraft_asl::StateType;

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
        input: Value,
        role_arn: String,
    },
    ExecutionSucceeded {
        output: Value,
    },
    ExecutionFailed(ErrorInfo),
    ExecutionAborted(ErrorInfo),
    ExecutionTimedOut(ErrorInfo),
    ExecutionRedriven {
        redrive_count: u32,
    },
    StateEntered {
        state_type: StateType,
        name: String,
        input: Value,
    },
    StateExited {
        state_type: StateType,
        name: String,
        output: Value,
        assigned: Option<Map<String, Value>>,
    },
    StateAborted {
        state_type: StateType,
        name: String,
    },
    TaskScheduled {
        family: TaskFamily,
        resource_type: String,
        resource: String,
        region: String,
        parameters: Value,
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
        output: Value,
    },
    TaskSucceeded {
        family: TaskFamily,
        resource_type: String,
        resource: String,
        output: Value,
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
        name: String,
        index: u64,
    },
    MapIterationSucceeded {
        name: String,
        index: u64,
    },
    MapIterationFailed {
        name: String,
        index: u64,
    },
    MapIterationAborted {
        name: String,
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
        state: String,
    },
}

impl EventKind {
    /// The `type` of the event, as AWS names it.
    pub fn type_name(&self) -> String {
        use EventKind::*;
        let fixed = match self {
            ExecutionStarted { .. } => "ExecutionStarted",
            ExecutionSucceeded { .. } => "ExecutionSucceeded",
            ExecutionFailed(_) => "ExecutionFailed",
            ExecutionAborted(_) => "ExecutionAborted",
            ExecutionTimedOut(_) => "ExecutionTimedOut",
            ExecutionRedriven { .. } => "ExecutionRedriven",
            StateEntered { state_type, .. } => return format!("{}StateEntered", state_type.as_str()),
            StateExited { state_type, .. } => return format!("{}StateExited", state_type.as_str()),
            StateAborted { state_type, .. } => return format!("{}StateAborted", state_type.as_str()),
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
        };
        fixed.to_string()
    }
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

/// A payload as AWS renders it in history: compact JSON text.
pub fn payload_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn not_truncated() -> Value {
    json!({ "truncated": false })
}

fn error_details(info: &ErrorInfo) -> Value {
    let mut m = Map::new();
    if let Some(e) = &info.error {
        m.insert("error".into(), Value::String(e.clone()));
    }
    if let Some(c) = &info.cause {
        m.insert("cause".into(), Value::String(c.clone()));
    }
    Value::Object(m)
}

impl HistoryEvent {
    /// The event as GetExecutionHistory returns it (AWS JSON protocol: `timestamp` in epoch
    /// seconds). With `include_data` false, payloads are left out as AWS does for
    /// `includeExecutionData: false`.
    pub fn to_aws_json(&self, include_data: bool) -> Value {
        use EventKind::*;
        let mut m = Map::new();
        m.insert("timestamp".into(), json!(self.timestamp as f64 / 1000.0));
        m.insert("type".into(), Value::String(self.kind.type_name()));
        m.insert("id".into(), json!(self.id));
        m.insert("previousEventId".into(), json!(self.previous_event_id));
        let payload = |v: &Value| if include_data { Value::String(payload_text(v)) } else { Value::Null };
        let (key, details): (&str, Value) = match &self.kind {
            ExecutionStarted { input, role_arn } => (
                "executionStartedEventDetails",
                json!({ "input": payload(input), "inputDetails": not_truncated(), "roleArn": role_arn }),
            ),
            ExecutionSucceeded { output } => (
                "executionSucceededEventDetails",
                json!({ "output": payload(output), "outputDetails": not_truncated() }),
            ),
            ExecutionFailed(i) => ("executionFailedEventDetails", error_details(i)),
            ExecutionAborted(i) => ("executionAbortedEventDetails", error_details(i)),
            ExecutionTimedOut(i) => ("executionTimedOutEventDetails", error_details(i)),
            ExecutionRedriven { redrive_count } => {
                ("executionRedrivenEventDetails", json!({ "redriveCount": redrive_count }))
            }
            StateEntered { name, input, .. } => (
                "stateEnteredEventDetails",
                json!({ "name": name, "input": payload(input), "inputDetails": not_truncated() }),
            ),
            StateExited { name, output, assigned, .. } => {
                let mut d =
                    json!({ "name": name, "output": payload(output), "outputDetails": not_truncated() });
                if let Some(vars) = assigned {
                    let rendered: Map<String, Value> =
                        vars.iter().map(|(k, v)| (k.clone(), Value::String(payload_text(v)))).collect();
                    d["assignedVariables"] = Value::Object(rendered);
                    d["assignedVariablesDetails"] = not_truncated();
                }
                ("stateExitedEventDetails", d)
            }
            StateAborted { .. } => ("", Value::Null),
            TaskScheduled { family: TaskFamily::Lambda, resource, parameters, timeout, .. } => {
                let mut d = json!({ "resource": resource, "input": payload(parameters), "inputDetails": not_truncated() });
                if let Some(t) = timeout {
                    d["timeoutInSeconds"] = json!(t);
                }
                ("lambdaFunctionScheduledEventDetails", d)
            }
            TaskScheduled {
                family: TaskFamily::Activity, resource, parameters, timeout, heartbeat, ..
            } => {
                let mut d = json!({ "resource": resource, "input": payload(parameters), "inputDetails": not_truncated() });
                if let Some(t) = timeout {
                    d["timeoutInSeconds"] = json!(t);
                }
                if let Some(h) = heartbeat {
                    d["heartbeatInSeconds"] = json!(h);
                }
                ("activityScheduledEventDetails", d)
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
                let mut d = json!({
                    "resourceType": resource_type, "resource": resource, "region": region,
                    "parameters": payload(parameters),
                });
                if let Some(t) = timeout {
                    d["timeoutInSeconds"] = json!(t);
                }
                if let Some(h) = heartbeat {
                    d["heartbeatInSeconds"] = json!(h);
                }
                ("taskScheduledEventDetails", d)
            }
            TaskStarted { family: TaskFamily::Lambda, .. } => ("", Value::Null),
            TaskStarted { family: TaskFamily::Activity, worker_name, .. } => {
                let mut d = json!({});
                if let Some(w) = worker_name {
                    d["workerName"] = json!(w);
                }
                ("activityStartedEventDetails", d)
            }
            TaskStarted { family: TaskFamily::Service, resource_type, resource, .. } => {
                ("taskStartedEventDetails", json!({ "resourceType": resource_type, "resource": resource }))
            }
            TaskSubmitted { resource_type, resource, output } => (
                "taskSubmittedEventDetails",
                json!({ "resourceType": resource_type, "resource": resource, "output": payload(output), "outputDetails": not_truncated() }),
            ),
            TaskSucceeded { family: TaskFamily::Lambda, output, .. } => (
                "lambdaFunctionSucceededEventDetails",
                json!({ "output": payload(output), "outputDetails": not_truncated() }),
            ),
            TaskSucceeded { family: TaskFamily::Activity, output, .. } => (
                "activitySucceededEventDetails",
                json!({ "output": payload(output), "outputDetails": not_truncated() }),
            ),
            TaskSucceeded { family: TaskFamily::Service, resource_type, resource, output } => (
                "taskSucceededEventDetails",
                json!({ "resourceType": resource_type, "resource": resource, "output": payload(output), "outputDetails": not_truncated() }),
            ),
            TaskFailed { family, resource_type, resource, info }
            | TaskTimedOut { family, resource_type, resource, info } => {
                let timed_out = matches!(self.kind, TaskTimedOut { .. });
                let mut d = error_details(info);
                if *family == TaskFamily::Service {
                    d["resourceType"] = json!(resource_type);
                    d["resource"] = json!(resource);
                }
                let key = match (family, timed_out) {
                    (TaskFamily::Lambda, false) => "lambdaFunctionFailedEventDetails",
                    (TaskFamily::Lambda, true) => "lambdaFunctionTimedOutEventDetails",
                    (TaskFamily::Activity, false) => "activityFailedEventDetails",
                    (TaskFamily::Activity, true) => "activityTimedOutEventDetails",
                    (TaskFamily::Service, false) => "taskFailedEventDetails",
                    (TaskFamily::Service, true) => "taskTimedOutEventDetails",
                };
                (key, d)
            }
            ParallelStarted | ParallelSucceeded | ParallelFailed | ParallelAborted | MapSucceeded
            | MapFailed | MapAborted | MapRunSucceeded | MapRunAborted => ("", Value::Null),
            MapStarted { length } => ("mapStateStartedEventDetails", json!({ "length": length })),
            MapIterationStarted { name, index } => {
                ("mapIterationStartedEventDetails", json!({ "name": name, "index": index }))
            }
            MapIterationSucceeded { name, index } => {
                ("mapIterationSucceededEventDetails", json!({ "name": name, "index": index }))
            }
            MapIterationFailed { name, index } => {
                ("mapIterationFailedEventDetails", json!({ "name": name, "index": index }))
            }
            MapIterationAborted { name, index } => {
                ("mapIterationAbortedEventDetails", json!({ "name": name, "index": index }))
            }
            MapRunStarted { map_run_arn } => {
                ("mapRunStartedEventDetails", json!({ "mapRunArn": map_run_arn }))
            }
            MapRunFailed(i) => ("mapRunFailedEventDetails", error_details(i)),
            EvaluationFailed { info, location, state } => {
                let mut d = error_details(info);
                if let Some(l) = location {
                    d["location"] = json!(l);
                }
                d["state"] = json!(state);
                ("evaluationFailedEventDetails", d)
            }
        };
        if !key.is_empty() {
            let details = if include_data { details } else { strip_nulls(details) };
            m.insert(key.into(), details);
        }
        Value::Object(m)
    }
}

fn strip_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}
