//! Activities and task tokens: Create/Describe/Delete/ListActivities, GetActivityTask (long
//! polling), and SendTaskSuccess/Failure/Heartbeat, which answer a task by its token.

use super::names::{check_name, parse_activity};
use super::{engine_error, page, store_error, ts, Result, Service};
use statecraft_api::types::*;
use statecraft_api::{ApiError, ErrorCode};
use statecraft_runtime::driver::Completion;
use statecraft_runtime::env::now_millis;
use statecraft_runtime::ports::{self, ActivityRecord, RECORD_VERSION};

fn does_not_exist(arn: &str) -> ApiError {
    ApiError::new(ErrorCode::ActivityDoesNotExist, format!("Activity Does Not Exist: '{arn}'"))
}

pub(crate) async fn create(svc: &Service, input: CreateActivityInput) -> Result<CreateActivityOutput> {
    check_name(&input.name)?;
    let arn = svc.scope.activity_arn(&input.name);
    let rec = svc
        .store()
        .create_activity(&ActivityRecord {
            record_version: RECORD_VERSION,
            arn: arn.clone(),
            name: input.name,
            created: now_millis(),
        })
        .await
        .map_err(store_error)?;
    if let Some(tags) = &input.tags {
        let tags: Vec<(String, String)> = tags.iter().map(|t| (t.key.clone(), t.value.clone())).collect();
        svc.store().tag(&arn, &tags).await.map_err(store_error)?;
    }
    Ok(CreateActivityOutput { activity_arn: rec.arn, creation_date: ts(rec.created) })
}

async fn get(svc: &Service, arn: &str) -> Result<ActivityRecord> {
    parse_activity(arn)?;
    svc.store().get_activity(arn).await.map_err(store_error)?.ok_or_else(|| does_not_exist(arn))
}

pub(crate) async fn describe(svc: &Service, input: DescribeActivityInput) -> Result<DescribeActivityOutput> {
    let a = get(svc, &input.activity_arn).await?;
    Ok(DescribeActivityOutput {
        activity_arn: a.arn,
        name: a.name,
        creation_date: ts(a.created),
        ..Default::default()
    })
}

pub(crate) async fn delete(svc: &Service, input: DeleteActivityInput) -> Result<DeleteActivityOutput> {
    parse_activity(&input.activity_arn)?;
    match svc.store().delete_activity(&input.activity_arn).await {
        Ok(()) | Err(ports::Error::NotFound) => Ok(DeleteActivityOutput {}),
        Err(e) => Err(store_error(e)),
    }
}

pub(crate) async fn list(svc: &Service, input: ListActivitiesInput) -> Result<ListActivitiesOutput> {
    let p =
        svc.store().list_activities(&page(input.next_token, input.max_results)).await.map_err(store_error)?;
    Ok(ListActivitiesOutput {
        activities: p
            .items
            .into_iter()
            .map(|a| ActivityListItem { activity_arn: a.arn, name: a.name, creation_date: ts(a.created) })
            .collect(),
        next_token: p.next_token,
    })
}

pub(crate) async fn get_task(svc: &Service, input: GetActivityTaskInput) -> Result<GetActivityTaskOutput> {
    get(svc, &input.activity_arn).await?;
    match svc.engine.poll_activity(&input.activity_arn, input.worker_name).await.map_err(engine_error)? {
        Some(task) => Ok(GetActivityTaskOutput { task_token: Some(task.token), input: Some(task.input) }),
        None => Ok(GetActivityTaskOutput { task_token: None, input: None }),
    }
}

pub(crate) async fn send_success(
    svc: &Service,
    input: SendTaskSuccessInput,
) -> Result<SendTaskSuccessOutput> {
    let output: serde_json::Value = serde_json::from_str(&input.output)
        .map_err(|e| ApiError::new(ErrorCode::InvalidOutput, format!("Invalid Output: '{e}'")))?;
    if input.output.len() > 256 * 1024 {
        return Err(ApiError::new(
            ErrorCode::InvalidOutput,
            "The output exceeds the maximum size of 262144 bytes",
        ));
    }
    svc.engine.complete_task(&input.task_token, Completion::Success(output)).await.map_err(engine_error)?;
    Ok(SendTaskSuccessOutput {})
}

pub(crate) async fn send_failure(
    svc: &Service,
    input: SendTaskFailureInput,
) -> Result<SendTaskFailureOutput> {
    let (error, cause) = (input.error, input.cause);
    svc.engine
        .complete_task(&input.task_token, Completion::Failure { error, cause })
        .await
        .map_err(engine_error)?;
    Ok(SendTaskFailureOutput {})
}

pub(crate) async fn send_heartbeat(
    svc: &Service,
    input: SendTaskHeartbeatInput,
) -> Result<SendTaskHeartbeatOutput> {
    svc.engine.complete_task(&input.task_token, Completion::Heartbeat).await.map_err(engine_error)?;
    Ok(SendTaskHeartbeatOutput {})
}
