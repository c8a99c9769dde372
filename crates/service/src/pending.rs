//! Statecraft's operator actions on tasks that wait for a token (`Statecraft.ListPendingTasks`,
//! `Statecraft.ResolvePendingTask`, see `statecraft_api::extensions`).
//!
//! A task waiting on a token has its `InvokeTask` effect in the execution's outbox until its
//! result is committed, and that effect carries the token (a restarted server re-sends the
//! same one). Listing reads the outbox; resolving finds the token there and hands it to
//! SendTaskSuccess / SendTaskFailure, so the operator path cannot differ from the token
//! holder's: single use, expiry and payload checks are theirs. Tokens are never returned.

use super::{activities, store_error, Result, Service};
use statecraft_api::extensions::*;
use statecraft_api::types::{SendTaskFailureInput, SendTaskSuccessInput};
use statecraft_api::{ApiError, ErrorCode};
use statecraft_asl::{Pattern, Resource};
use statecraft_core::{Effect, TaskRequest};
use statecraft_runtime::env::token_hash;

/// The tasks in an execution's outbox that wait for a token (callbacks, activities), with it.
async fn pending(svc: &Service, execution_arn: &str) -> Result<Vec<(TaskRequest, String)>> {
    if svc.store().get_execution(execution_arn).await.map_err(store_error)?.is_none() {
        return Err(ApiError::new(
            ErrorCode::ExecutionDoesNotExist,
            format!("Execution Does Not Exist: '{execution_arn}'"),
        ));
    }
    let entries = svc.store().outbox(execution_arn).await.map_err(store_error)?;
    let mut tasks = Vec::new();
    for entry in entries {
        let Ok(Effect::InvokeTask(request)) = serde_json::from_slice::<Effect>(&entry.effect) else {
            continue;
        };
        // Only tasks that wait for their token to come back: a request-response task may
        // carry a token too (for its context object), but its result comes from its run.
        if kind(&request.resource) == "TASK" {
            continue;
        }
        if let Some(token) = request.token.clone() {
            tasks.push((*request, token));
        }
    }
    Ok(tasks)
}

fn kind(resource: &Resource) -> &'static str {
    match resource {
        Resource::Activity { .. } => "ACTIVITY",
        _ if resource.pattern() == Pattern::WaitForTaskToken => "CALLBACK",
        _ => "TASK",
    }
}

pub(crate) async fn list(svc: &Service, input: ListPendingTasksInput) -> Result<ListPendingTasksOutput> {
    let mut pending_tasks: Vec<PendingTask> = pending(svc, &input.execution_arn)
        .await?
        .into_iter()
        .map(|(req, token)| PendingTask {
            task_id: token_hash(&token),
            state_name: req.state_name.clone(),
            resource: req.resource.arn().to_string(),
            kind: kind(&req.resource).to_string(),
            input: serde_json::to_string(&req.input).unwrap_or_default(),
            timeout_seconds: req.timeout_seconds,
            heartbeat_seconds: req.heartbeat_seconds,
        })
        .collect();
    pending_tasks.sort_by(|a, b| (&a.state_name, &a.task_id).cmp(&(&b.state_name, &b.task_id)));
    Ok(ListPendingTasksOutput { pending_tasks })
}

pub(crate) async fn resolve(
    svc: &Service,
    input: ResolvePendingTaskInput,
) -> Result<ResolvePendingTaskOutput> {
    let outcome = input.outcome.to_ascii_uppercase();
    if outcome != "SUCCESS" && outcome != "FAILURE" {
        return Err(ApiError::validation(format!(
            "outcome must be SUCCESS or FAILURE, not '{}'",
            input.outcome
        )));
    }
    let token = pending(svc, &input.execution_arn)
        .await?
        .into_iter()
        .find(|(_, token)| token_hash(token) == input.task_id)
        .map(|(_, token)| token);
    // Not pending any more: the token was spent (or voided) by the commit that removed the
    // task, which is what SendTaskSuccess reports for a spent token.
    let Some(task_token) = token else {
        return Err(ApiError::new(
            ErrorCode::InvalidToken,
            "Invalid Token: the task is no longer pending (completed, timed out, or its execution ended)",
        ));
    };
    if outcome == "SUCCESS" {
        let output = input.output.unwrap_or_else(|| "{}".to_string());
        activities::send_success(svc, SendTaskSuccessInput { task_token, output }).await?;
    } else {
        activities::send_failure(
            svc,
            SendTaskFailureInput { task_token, error: input.error, cause: input.cause },
        )
        .await?;
    }
    Ok(ResolvePendingTaskOutput {})
}
