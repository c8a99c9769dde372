//! Tasks that start another execution on this server: request-response (the start's answer),
//! `.sync` (the child's description with `Input`/`Output` as JSON text) and `.sync:2` (as JSON),
//! with the child's failure as `States.TaskFailed` whose cause is that description, as AWS does.

use super::{tracing_warn, Inner};
use crate::invoke::NestedExecutions;
use crate::ports::{ExecutionStatus, ExecutionSummary};
use serde_json::{json, Map, Value};
use statecraft_asl::{Pattern, Resource};
use statecraft_core::{Event, TaskRequest};
use std::sync::Arc;

pub(super) fn is_start_execution(r: &Resource) -> bool {
    match r {
        Resource::Service { service, action, .. } => service == "states" && action == "startExecution",
        Resource::Sdk { service, action, .. } => service == "sfn" && action == "startExecution",
        _ => false,
    }
}

/// AWS's date rendering in integration results: epoch milliseconds.
fn date(millis: i64) -> Value {
    json!(millis)
}

/// The child's description, as `.sync` (`json_payloads` false) or `.sync:2` returns it.
fn describe(s: &ExecutionSummary, json_payloads: bool) -> Value {
    let payload = |text: &str| {
        if json_payloads {
            serde_json::from_str(text).unwrap_or(Value::String(text.to_string()))
        } else {
            Value::String(text.to_string())
        }
    };
    let mut m = Map::new();
    if let Some(c) = &s.cause {
        m.insert("Cause".into(), json!(c));
    }
    if let Some(e) = &s.error {
        m.insert("Error".into(), json!(e));
    }
    m.insert("ExecutionArn".into(), json!(s.arn));
    m.insert("Input".into(), payload(&s.input));
    m.insert("InputDetails".into(), json!({"Included": true}));
    m.insert("Name".into(), json!(s.name));
    if let Some(o) = &s.output {
        m.insert("Output".into(), payload(o));
        m.insert("OutputDetails".into(), json!({"Included": true}));
    }
    m.insert("RedriveCount".into(), json!(s.redrive_count));
    let redrivable =
        matches!(s.status, ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted);
    m.insert("RedriveStatus".into(), json!(if redrivable { "REDRIVABLE" } else { "NOT_REDRIVABLE" }));
    if !redrivable {
        m.insert(
            "RedriveStatusReason".into(),
            json!(format!("Execution is {} and cannot be redriven", s.status.as_str())),
        );
    }
    m.insert("StartDate".into(), date(s.start));
    m.insert("StateMachineArn".into(), json!(s.state_machine_arn));
    m.insert("Status".into(), json!(s.status.as_str()));
    if let Some(stop) = s.stop {
        m.insert("StopDate".into(), date(stop));
    }
    Value::Object(m)
}

/// Starts the child, then reports as the task's pattern requires.
pub(super) fn spawn(inner: &Arc<Inner>, nested: Arc<dyn NestedExecutions>, arn: &str, req: TaskRequest) {
    let me = inner.clone();
    let parent = arn.to_string();
    let task = req.task;
    let handle = tokio::spawn(async move {
        let default_name =
            format!("{}-{}-{}", parent.rsplit(':').next().unwrap_or("child"), task.frame, task.seq);
        let event = match nested.start_nested(&parent, &req.input, &default_name).await {
            Err((error, cause)) => Event::TaskFailed { task, error: Some(error), cause: Some(cause) },
            Ok(child) => {
                me.children
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert((parent.clone(), task), child.arn.clone());
                let started = json!({ "ExecutionArn": child.arn, "StartDate": date(child.start) });
                match req.resource.pattern() {
                    Pattern::Sync | Pattern::Sync2 => {
                        let submitted = Event::TaskSubmitted { task, output: started };
                        if let Err(e) = Inner::deliver(&me, &parent, submitted).await {
                            tracing_warn(&format!("recording the start of a child of {parent}: {e}"));
                        }
                        match nested.wait_nested(&child.arn).await {
                            Ok(done) => {
                                let desc = describe(&done, req.resource.pattern() == Pattern::Sync2);
                                if done.status == ExecutionStatus::Succeeded {
                                    Event::TaskSucceeded { task, output: desc }
                                } else {
                                    Event::TaskFailed {
                                        task,
                                        error: Some("States.TaskFailed".into()),
                                        cause: Some(desc.to_string()),
                                    }
                                }
                            }
                            Err(e) => Event::TaskFailed {
                                task,
                                error: Some("States.TaskFailed".into()),
                                cause: Some(e),
                            },
                        }
                    }
                    _ => Event::TaskSucceeded { task, output: started },
                }
            }
        };
        if let Err(e) = Inner::deliver(&me, &parent, event).await {
            tracing_warn(&format!("delivering the result of a child execution of {parent}: {e}"));
        }
        me.children.lock().unwrap_or_else(|e| e.into_inner()).remove(&(parent.clone(), task));
        me.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&(parent, task));
    });
    inner.running.lock().unwrap_or_else(|e| e.into_inner()).insert((arn.to_string(), req.task), handle);
}
