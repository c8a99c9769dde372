//! ValidateStateMachineDefinition, TestState (one state run through the same core, with a
//! mocked or real task result) and tags.

use super::{store_error, Result, Service};
use serde_json::{json, Map, Value};
use statecraft_api::types::*;
use statecraft_api::{ApiError, ErrorCode};
use statecraft_asl::{parse, MachineType, Severity};
use statecraft_core::{Effect, Event, Execution, ExecutionInfo, Limits, Status, TimerKind};
use statecraft_runtime::env::{now_millis, SystemEnv};
use statecraft_runtime::invoke::Invocation;
use statecraft_runtime::runner::Resolution;

pub(crate) fn validate(
    input: ValidateStateMachineDefinitionInput,
) -> Result<ValidateStateMachineDefinitionOutput> {
    let machine_type = match input.r#type.as_ref() {
        Some(StateMachineType::Express) => MachineType::Express,
        _ => MachineType::Standard,
    };
    let parsed = parse(&input.definition, machine_type);
    let only_errors = !matches!(input.severity, Some(ValidateStateMachineDefinitionSeverity::Warning));
    let max = match input.max_results {
        Some(n) if n > 0 => n as usize,
        _ => 100,
    };
    let all: Vec<_> = parsed
        .diagnostics
        .iter()
        .filter(|d| !only_errors || d.severity == Severity::Error)
        .map(|d| ValidateStateMachineDefinitionDiagnostic {
            severity: match d.severity {
                Severity::Error => ValidateStateMachineDefinitionSeverity::Error,
                Severity::Warning => ValidateStateMachineDefinitionSeverity::Warning,
            },
            code: d.code.as_str().to_string(),
            message: d.message.clone(),
            location: d.location.clone(),
        })
        .collect();
    let truncated = all.len() > max;
    Ok(ValidateStateMachineDefinitionOutput {
        result: if parsed.is_ok() {
            ValidateStateMachineDefinitionResultCode::Ok
        } else {
            ValidateStateMachineDefinitionResultCode::Fail
        },
        diagnostics: all.into_iter().take(max).collect(),
        truncated: Some(truncated),
    })
}

/// Wraps one state into a machine of its own: the state under test, plus a `Succeed` for each
/// state it can move to (so the next state shows up as entered).
fn test_machine(definition: &str, state_name: Option<&str>) -> Result<(String, String)> {
    let doc: Value = serde_json::from_str(definition)
        .map_err(|e| ApiError::new(ErrorCode::InvalidDefinition, format!("Invalid State Definition: {e}")))?;
    let (name, state, top_ql) = match (doc.get("States"), state_name) {
        (Some(states), Some(name)) => {
            let s = states
                .get(name)
                .cloned()
                .ok_or_else(|| ApiError::validation(format!("State '{name}' is not in the definition")))?;
            (name.to_string(), s, doc.get("QueryLanguage").cloned())
        }
        (Some(_), None) => {
            return Err(ApiError::validation("stateName is required when the definition is a state machine"))
        }
        (None, _) => (state_name.unwrap_or("TestState").to_string(), doc.clone(), None),
    };
    let mut states = Map::new();
    let mut targets = Vec::new();
    let mut collect = |v: Option<&Value>| {
        if let Some(Value::String(t)) = v {
            if !targets.contains(t) {
                targets.push(t.clone());
            }
        }
    };
    collect(state.get("Next"));
    collect(state.get("Default"));
    for key in ["Choices", "Catch"] {
        if let Some(Value::Array(items)) = state.get(key) {
            for item in items {
                collect(item.get("Next"));
            }
        }
    }
    for t in targets {
        if t != name {
            states.insert(t, json!({"Type": "Succeed"}));
        }
    }
    states.insert(name.clone(), state);
    let mut machine = json!({"StartAt": name, "States": states});
    if let Some(ql) = top_ql {
        machine["QueryLanguage"] = ql;
    }
    Ok((machine.to_string(), name))
}

pub(crate) async fn test_state(svc: &Service, input: TestStateInput) -> Result<TestStateOutput> {
    let (machine, name) = test_machine(&input.definition, input.state_name.as_deref())?;
    let def = parse(&machine, MachineType::Standard).into_result().map_err(|errors| {
        ApiError::new(
            ErrorCode::InvalidDefinition,
            statecraft_asl::Diagnostic::invalid_definition_message(&errors),
        )
    })?;
    let state_input: Value = match &input.input {
        Some(t) => serde_json::from_str(t)
            .map_err(|e| ApiError::new(ErrorCode::InvalidExecutionInput, format!("Invalid Input: {e}")))?,
        None => json!({}),
    };
    let info = ExecutionInfo {
        execution_arn: svc.scope.execution_arn("TestState", "test"),
        name: "test".into(),
        state_machine_arn: svc.scope.state_machine_arn("TestState"),
        state_machine_name: "TestState".into(),
        role_arn: input.role_arn.clone().unwrap_or_default(),
        region: svc.scope.region.clone(),
        account: svc.scope.account.clone(),
        start_time: now_millis(),
        input: state_input.clone(),
        redrive_count: 0,
    };
    let mut exec = Execution::new(info, Limits::default());
    if let Some(vars) = &input.variables {
        let vars: Map<String, Value> = serde_json::from_str(vars)
            .map_err(|e| ApiError::validation(format!("Invalid variables: {e}")))?;
        exec.initial_variables = vars;
    }
    let mut events = vec![Event::Started];
    let mut history = Vec::new();
    let mut task_result: Option<Value> = None;
    let mut retriable = false;
    while let Some(ev) = events.pop() {
        let step = exec.apply(&def, ev, &SystemEnv);
        history.extend(step.history);
        for effect in step.effects {
            match effect {
                Effect::InvokeTask(req) => {
                    let resolution = match &input.mock {
                        Some(MockInput { result: Some(r), .. }) => Resolution::Succeeded(
                            serde_json::from_str(r)
                                .map_err(|e| ApiError::validation(format!("Invalid mock result: {e}")))?,
                        ),
                        Some(MockInput { error_output: Some(e), .. }) => {
                            Resolution::Failed { error: e.error.clone(), cause: e.cause.clone() }
                        }
                        _ => match svc.engine.invoke(&req).await {
                            Invocation::Done(r) => r,
                            Invocation::Submitted(_) => {
                                return Err(ApiError::validation(
                                    "TestState cannot wait for a task token: give a mock result",
                                ))
                            }
                        },
                    };
                    if let Resolution::Succeeded(v) = &resolution {
                        task_result = Some(v.clone());
                    }
                    events.push(match resolution {
                        Resolution::Succeeded(output) => Event::TaskSucceeded { task: req.task, output },
                        Resolution::Failed { error, cause } => {
                            Event::TaskFailed { task: req.task, error, cause }
                        }
                        Resolution::TimedOut { error, cause } => {
                            Event::TaskTimedOut { task: req.task, error, cause }
                        }
                    });
                }
                // A Wait completes at once; a retry is reported, not waited for.
                Effect::ScheduleTimer { timer, .. } if timer.kind == TimerKind::Wait => {
                    events.push(Event::TimerFired { timer });
                }
                Effect::ScheduleTimer { timer, .. } if timer.kind == TimerKind::Retry => retriable = true,
                _ => {}
            }
        }
        if retriable {
            break;
        }
    }
    let own_exit = history.iter().find_map(|e| match &e.kind {
        statecraft_core::EventKind::StateExited { name: n, output, .. } if **n == *name => {
            Some(output.to_string())
        }
        _ => None,
    });
    let next_state = history.iter().find_map(|e| match &e.kind {
        statecraft_core::EventKind::StateEntered { name: n, .. } if **n != *name => Some(n.to_string()),
        _ => None,
    });
    let failed_task = history.iter().rev().find_map(|e| match &e.kind {
        statecraft_core::EventKind::TaskFailed { info, .. }
        | statecraft_core::EventKind::TaskTimedOut { info, .. } => Some(info.clone()),
        _ => None,
    });
    let inspection = InspectionData {
        input: Some(state_input.to_string()),
        result: task_result.map(|v| v.to_string()),
        ..Default::default()
    };
    let mut out = TestStateOutput { inspection_data: Some(inspection), ..Default::default() };
    if retriable {
        out.status = Some(TestExecutionStatus::Retriable);
        if let Some(i) = failed_task {
            out.error = i.error;
            out.cause = i.cause;
        }
    } else if exec.status == Status::Failed || exec.status == Status::TimedOut {
        out.status = Some(TestExecutionStatus::Failed);
        out.error = exec.error.clone();
        out.cause = exec.cause.clone();
    } else if let (Some(i), Some(_)) = (failed_task, &own_exit) {
        out.status = Some(TestExecutionStatus::CaughtError);
        out.error = i.error;
        out.cause = i.cause;
        out.output = own_exit;
        out.next_state = next_state;
    } else {
        out.status = Some(TestExecutionStatus::Succeeded);
        out.output = own_exit.or_else(|| exec.output.as_ref().map(|v| v.to_string()));
        out.next_state = next_state;
    }
    Ok(out)
}

fn check_tags(tags: &[Tag]) -> Result<()> {
    if tags.len() > 50 {
        return Err(ApiError::new(ErrorCode::TooManyTags, "A resource can have at most 50 tags"));
    }
    Ok(())
}

async fn resource_exists(svc: &Service, arn: &str) -> Result<()> {
    let exists = if arn.contains(":activity:") {
        svc.store().get_activity(arn).await.map_err(store_error)?.is_some()
    } else if arn.contains(":stateMachine:") {
        match super::names::parse_machine(arn)? {
            super::names::MachineRef::Machine { arn, .. } => {
                svc.store().get_state_machine(&arn).await.map_err(store_error)?.is_some()
            }
            super::names::MachineRef::Alias { arn, .. } => {
                svc.store().get_alias(&arn).await.map_err(store_error)?.is_some()
            }
            super::names::MachineRef::Version { arn, .. } => {
                svc.store().get_version(&arn).await.map_err(store_error)?.is_some()
            }
        }
    } else {
        return Err(ApiError::new(ErrorCode::InvalidArn, format!("Invalid Arn: '{arn}'")));
    };
    if exists {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::ResourceNotFound, format!("Resource not found: '{arn}'"))
            .with_resource_name(arn))
    }
}

pub(crate) async fn tag(svc: &Service, input: TagResourceInput) -> Result<TagResourceOutput> {
    resource_exists(svc, &input.resource_arn).await?;
    check_tags(&input.tags)?;
    let existing = svc.store().tags(&input.resource_arn).await.map_err(store_error)?;
    let new_keys = input.tags.iter().filter(|t| !existing.iter().any(|(k, _)| *k == t.key)).count();
    if existing.len() + new_keys > 50 {
        return Err(ApiError::new(ErrorCode::TooManyTags, "A resource can have at most 50 tags"));
    }
    let tags: Vec<(String, String)> = input.tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect();
    svc.store().tag(&input.resource_arn, &tags).await.map_err(store_error)?;
    Ok(TagResourceOutput {})
}

pub(crate) async fn untag(svc: &Service, input: UntagResourceInput) -> Result<UntagResourceOutput> {
    resource_exists(svc, &input.resource_arn).await?;
    svc.store().untag(&input.resource_arn, &input.tag_keys).await.map_err(store_error)?;
    Ok(UntagResourceOutput {})
}

pub(crate) async fn list_tags(
    svc: &Service,
    input: ListTagsForResourceInput,
) -> Result<ListTagsForResourceOutput> {
    resource_exists(svc, &input.resource_arn).await?;
    let tags = svc.store().tags(&input.resource_arn).await.map_err(store_error)?;
    Ok(ListTagsForResourceOutput { tags: tags.into_iter().map(|(key, value)| Tag { key, value }).collect() })
}
