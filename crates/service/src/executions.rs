//! Executions: Start (asynchronous and synchronous), Stop, Describe, List, GetExecutionHistory,
//! Redrive, DescribeStateMachineForExecution and the Map Runs an execution started.

use super::machines::{get_machine, get_revision, resolve_target};
use super::names::{check_name, parse_execution, parse_machine, MachineRef};
use super::{engine_error, page, store_error, ts, Result, Service};
use serde_json::Value;
use statecraft_api::types::*;
use statecraft_api::{ApiError, ErrorCode};
use statecraft_runtime::engine::StartRequest;
use statecraft_runtime::env::{now_millis, SystemEnv};
use statecraft_runtime::ports::{self, ExecutionFilter, ExecutionRecord, ExecutionSummary, MachineKind};

/// AWS's limit on an execution's input, in bytes.
const MAX_INPUT_BYTES: usize = 256 * 1024;

fn status(s: ports::ExecutionStatus) -> ExecutionStatus {
    match s {
        ports::ExecutionStatus::Running => ExecutionStatus::Running,
        ports::ExecutionStatus::Succeeded => ExecutionStatus::Succeeded,
        ports::ExecutionStatus::Failed => ExecutionStatus::Failed,
        ports::ExecutionStatus::TimedOut => ExecutionStatus::TimedOut,
        ports::ExecutionStatus::Aborted => ExecutionStatus::Aborted,
        ports::ExecutionStatus::PendingRedrive => ExecutionStatus::PendingRedrive,
    }
}

fn does_not_exist(arn: &str) -> ApiError {
    ApiError::new(ErrorCode::ExecutionDoesNotExist, format!("Execution Does Not Exist: '{arn}'"))
}

async fn get_execution(svc: &Service, arn: &str) -> Result<ExecutionRecord> {
    parse_execution(arn)?;
    svc.store().get_execution(arn).await.map_err(store_error)?.ok_or_else(|| does_not_exist(arn))
}

/// Parses and checks an execution input (absent means `{}`).
fn parse_input(input: Option<&str>) -> Result<Value> {
    let text = input.unwrap_or("{}");
    if text.len() > MAX_INPUT_BYTES {
        return Err(ApiError::new(
            ErrorCode::InvalidExecutionInput,
            format!("The input exceeds the maximum size of {MAX_INPUT_BYTES} bytes"),
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidExecutionInput,
            format!("Invalid State Machine Execution Input: '{e}'"),
        )
    })
}

async fn start_inner(
    svc: &Service,
    machine_arn: &str,
    name: Option<String>,
    input: Option<&str>,
    trace_header: Option<String>,
    sync: bool,
    parent_arn: Option<String>,
) -> Result<(ExecutionSummary, MachineKind)> {
    let (sm, revision, version_arn, alias_arn) = resolve_target(svc, machine_arn).await?;
    if sync && sm.kind != MachineKind::Express {
        return Err(ApiError::new(
            ErrorCode::StateMachineTypeNotSupported,
            "This operation is only supported by EXPRESS state machines",
        ));
    }
    let name = match name {
        Some(n) => {
            check_name(&n)?;
            n
        }
        None => statecraft_core::ids::uuid(&SystemEnv),
    };
    let input = parse_input(input)?;
    let execution_arn = match sm.kind {
        MachineKind::Standard => svc.scope.execution_arn(&sm.name, &name),
        MachineKind::Express => {
            svc.scope.express_execution_arn(&sm.name, &name, &statecraft_core::ids::uuid(&SystemEnv))
        }
    };
    let started = svc
        .engine
        .start(StartRequest {
            execution_arn,
            name,
            state_machine_arn: sm.arn.clone(),
            state_machine_name: sm.name.clone(),
            version_arn,
            alias_arn,
            kind: sm.kind,
            revision,
            input,
            trace_header,
            parent_arn,
        })
        .await
        .map_err(engine_error)?;
    Ok((started.summary, sm.kind))
}

pub(crate) async fn start(svc: &Service, input: StartExecutionInput) -> Result<StartExecutionOutput> {
    let (summary, kind) = start_inner(
        svc,
        &input.state_machine_arn,
        input.name,
        input.input.as_deref(),
        input.trace_header,
        false,
        None,
    )
    .await?;
    if kind == MachineKind::Express && summary.status == ports::ExecutionStatus::Running {
        // Nobody waits on an asynchronous Express execution: a task enforces its limit.
        let (engine, arn, limit) = (svc.engine.clone(), summary.arn.clone(), svc.express_limit);
        tokio::spawn(async move {
            if tokio::time::timeout(limit, engine.wait_finished(&arn)).await.is_err() {
                let _ = engine
                    .stop(&arn, Some("States.Timeout".into()), Some(express_timeout_cause(limit)))
                    .await;
            }
        });
    }
    Ok(StartExecutionOutput { execution_arn: summary.arn, start_date: ts(summary.start) })
}

pub(crate) async fn start_sync(
    svc: &Service,
    input: StartSyncExecutionInput,
) -> Result<StartSyncExecutionOutput> {
    let (summary, _) = start_inner(
        svc,
        &input.state_machine_arn,
        input.name,
        input.input.as_deref(),
        input.trace_header.clone(),
        true,
        None,
    )
    .await?;
    let done = match tokio::time::timeout(svc.express_limit, svc.engine.wait_finished(&summary.arn)).await {
        Ok(r) => r.map_err(engine_error)?,
        Err(_) => {
            svc.engine
                .stop(
                    &summary.arn,
                    Some("States.Timeout".into()),
                    Some(express_timeout_cause(svc.express_limit)),
                )
                .await
                .map_err(engine_error)?;
            svc.engine.wait_finished(&summary.arn).await.map_err(engine_error)?
        }
    };
    let stop = done.stop.unwrap_or_else(now_millis);
    let sync_status = match done.status {
        ports::ExecutionStatus::Succeeded => SyncExecutionStatus::Succeeded,
        ports::ExecutionStatus::TimedOut => SyncExecutionStatus::TimedOut,
        ports::ExecutionStatus::Aborted if done.error.as_deref() == Some("States.Timeout") => {
            SyncExecutionStatus::TimedOut
        }
        _ => SyncExecutionStatus::Failed,
    };
    let metadata_only = matches!(input.included_data, Some(IncludedData::MetadataOnly));
    let billed_ms = ((stop - done.start).max(1) + 99) / 100 * 100;
    Ok(StartSyncExecutionOutput {
        execution_arn: done.arn.clone(),
        state_machine_arn: Some(done.state_machine_arn.clone()),
        name: Some(done.name.clone()),
        start_date: ts(done.start),
        stop_date: ts(stop),
        status: sync_status,
        error: done.error.clone(),
        cause: done.cause.clone(),
        input: (!metadata_only).then(|| done.input.clone()),
        input_details: Some(CloudWatchEventsExecutionDataDetails { included: Some(!metadata_only) }),
        output: if metadata_only { None } else { done.output.clone() },
        output_details: Some(CloudWatchEventsExecutionDataDetails { included: Some(!metadata_only) }),
        trace_header: input.trace_header,
        billing_details: Some(BillingDetails {
            billed_memory_used_in_mb: Some(64),
            billed_duration_in_milliseconds: Some(billed_ms),
        }),
    })
}

fn express_timeout_cause(limit: std::time::Duration) -> String {
    if limit == super::EXPRESS_LIMIT {
        "The Express execution ran longer than five minutes".into()
    } else {
        format!("The Express execution ran longer than its limit of {} s", limit.as_secs())
    }
}

pub(crate) async fn stop(svc: &Service, input: StopExecutionInput) -> Result<StopExecutionOutput> {
    let rec = get_execution(svc, &input.execution_arn).await?;
    if rec.summary.status == ports::ExecutionStatus::Running {
        svc.engine.stop(&input.execution_arn, input.error, input.cause).await.map_err(engine_error)?;
    }
    let stopped = get_execution(svc, &input.execution_arn).await?;
    Ok(StopExecutionOutput { stop_date: ts(stopped.summary.stop.unwrap_or_else(now_millis)) })
}

fn redrive_status(s: &ExecutionSummary) -> (ExecutionRedriveStatus, Option<String>) {
    match s.status {
        ports::ExecutionStatus::Failed
        | ports::ExecutionStatus::TimedOut
        | ports::ExecutionStatus::Aborted => (ExecutionRedriveStatus::Redrivable, None),
        ports::ExecutionStatus::Succeeded => (
            ExecutionRedriveStatus::NotRedrivable,
            Some("Execution is SUCCEEDED and cannot be redriven".into()),
        ),
        _ => (
            ExecutionRedriveStatus::NotRedrivable,
            Some("Execution is RUNNING and cannot be redriven".into()),
        ),
    }
}

pub(crate) async fn describe(
    svc: &Service,
    input: DescribeExecutionInput,
) -> Result<DescribeExecutionOutput> {
    let rec = get_execution(svc, &input.execution_arn).await?;
    let s = rec.summary;
    let metadata_only = matches!(input.included_data, Some(IncludedData::MetadataOnly));
    let (redrive, reason) = redrive_status(&s);
    Ok(DescribeExecutionOutput {
        execution_arn: s.arn.clone(),
        state_machine_arn: s.state_machine_arn.clone(),
        name: Some(s.name.clone()),
        status: status(s.status),
        start_date: ts(s.start),
        stop_date: s.stop.map(ts),
        input: (!metadata_only).then(|| s.input.clone()),
        input_details: Some(CloudWatchEventsExecutionDataDetails { included: Some(!metadata_only) }),
        output: if metadata_only { None } else { s.output.clone() },
        output_details: s
            .output
            .as_ref()
            .map(|_| CloudWatchEventsExecutionDataDetails { included: Some(!metadata_only) }),
        trace_header: s.trace_header.clone(),
        error: s.error.clone(),
        cause: s.cause.clone(),
        state_machine_version_arn: s.version_arn.clone(),
        state_machine_alias_arn: s.alias_arn.clone(),
        redrive_count: Some(s.redrive_count as i32),
        redrive_date: s.redrive_date.map(ts),
        redrive_status: Some(redrive),
        redrive_status_reason: reason,
        ..Default::default()
    })
}

pub(crate) async fn describe_machine(
    svc: &Service,
    input: DescribeStateMachineForExecutionInput,
) -> Result<DescribeStateMachineForExecutionOutput> {
    let rec = get_execution(svc, &input.execution_arn).await?;
    let rev = get_revision(svc, &rec.summary.state_machine_arn, &rec.revision_id).await?;
    let sm = get_machine(svc, &rec.summary.state_machine_arn).await.ok();
    Ok(DescribeStateMachineForExecutionOutput {
        state_machine_arn: rec.summary.state_machine_arn.clone(),
        name: parse_machine(&rec.summary.state_machine_arn).map(|m| m.name().to_string()).unwrap_or_default(),
        definition: rev.definition,
        role_arn: rev.role_arn,
        update_date: ts(rev.created),
        revision_id: Some(rev.revision_id),
        logging_configuration: sm
            .as_ref()
            .and_then(|s| s.logging_configuration.clone())
            .and_then(|v| serde_json::from_value(v).ok()),
        tracing_configuration: sm
            .as_ref()
            .and_then(|s| s.tracing_configuration.clone())
            .and_then(|v| serde_json::from_value(v).ok()),
        ..Default::default()
    })
}

pub(crate) async fn list(svc: &Service, input: ListExecutionsInput) -> Result<ListExecutionsOutput> {
    let mut filter = ExecutionFilter::default();
    match (&input.state_machine_arn, &input.map_run_arn) {
        (Some(arn), None) => match parse_machine(arn)? {
            MachineRef::Machine { arn, .. } => {
                get_machine(svc, &arn).await?;
                filter.state_machine_arn = Some(arn);
            }
            MachineRef::Version { arn, .. } => filter.version_arn = Some(arn),
            MachineRef::Alias { arn, .. } => filter.alias_arn = Some(arn),
        },
        (None, Some(map_run)) => filter.map_run_arn = Some(map_run.clone()),
        _ => {
            return Err(ApiError::validation("Exactly one of stateMachineArn and mapRunArn must be given"));
        }
    }
    filter.status = input.status_filter.as_ref().and_then(|s| ports::ExecutionStatus::parse(s.as_str()));
    filter.redrive_filter = input.redrive_filter.as_ref().map(|r| r.as_str().to_string());
    let p = svc
        .store()
        .list_executions(&filter, &page(input.next_token, input.max_results))
        .await
        .map_err(store_error)?;
    Ok(ListExecutionsOutput {
        executions: p
            .items
            .into_iter()
            .map(|s| ExecutionListItem {
                execution_arn: s.arn,
                state_machine_arn: s.state_machine_arn,
                name: s.name,
                status: status(s.status),
                start_date: ts(s.start),
                stop_date: s.stop.map(ts),
                state_machine_version_arn: s.version_arn,
                state_machine_alias_arn: s.alias_arn,
                redrive_count: Some(s.redrive_count as i32),
                redrive_date: s.redrive_date.map(ts),
                ..Default::default()
            })
            .collect(),
        next_token: p.next_token,
    })
}

/// Removes payloads from an event (`includeExecutionData: false`).
fn strip_data(event: &mut Value) {
    if let Some(obj) = event.as_object_mut() {
        for (k, details) in obj.iter_mut() {
            if !k.ends_with("EventDetails") {
                continue;
            }
            if let Some(d) = details.as_object_mut() {
                for key in ["input", "output", "parameters"] {
                    d.remove(key);
                }
            }
        }
    }
}

pub(crate) async fn history(
    svc: &Service,
    input: GetExecutionHistoryInput,
) -> Result<GetExecutionHistoryOutput> {
    get_execution(svc, &input.execution_arn).await?;
    let mut p = page(input.next_token, input.max_results);
    if input.max_results.is_none() {
        p.limit = 100;
    }
    let rows = svc
        .store()
        .history(&input.execution_arn, input.reverse_order.unwrap_or(false), &p)
        .await
        .map_err(store_error)?;
    let include = input.include_execution_data.unwrap_or(true);
    let mut events = Vec::with_capacity(rows.items.len());
    for row in rows.items {
        let mut v: Value =
            serde_json::from_str(&row.json).map_err(|e| ApiError::internal(format!("stored event: {e}")))?;
        if !include {
            strip_data(&mut v);
        }
        events.push(v);
    }
    Ok(GetExecutionHistoryOutput { events, next_token: rows.next_token })
}

pub(crate) async fn redrive(svc: &Service, input: RedriveExecutionInput) -> Result<RedriveExecutionOutput> {
    let rec = get_execution(svc, &input.execution_arn).await?;
    if rec.summary.kind == MachineKind::Express {
        return Err(ApiError::new(
            ErrorCode::ExecutionNotRedrivable,
            "Express executions cannot be redriven",
        ));
    }
    let summary = svc.engine.redrive(&input.execution_arn).await.map_err(engine_error)?;
    Ok(RedriveExecutionOutput { redrive_date: ts(summary.redrive_date.unwrap_or_else(now_millis)) })
}

/// Map Runs an execution started, read from its history (`MapRunStarted` events).
pub(crate) async fn list_map_runs(svc: &Service, input: ListMapRunsInput) -> Result<ListMapRunsOutput> {
    let rec = get_execution(svc, &input.execution_arn).await?;
    let mut runs = Vec::new();
    let mut token = None;
    loop {
        let rows = svc
            .store()
            .history(&input.execution_arn, false, &ports::Page { token: token.clone(), limit: 1000 })
            .await
            .map_err(store_error)?;
        for row in &rows.items {
            if !row.json.contains("\"MapRunStarted\"") {
                continue;
            }
            let v: Value = serde_json::from_str(&row.json).unwrap_or(Value::Null);
            if let Some(arn) = v.pointer("/mapRunStartedEventDetails/mapRunArn").and_then(Value::as_str) {
                let start = v.get("timestamp").and_then(Value::as_f64).unwrap_or(0.0);
                runs.push(MapRunListItem {
                    execution_arn: rec.summary.arn.clone(),
                    map_run_arn: arn.to_string(),
                    state_machine_arn: rec.summary.state_machine_arn.clone(),
                    start_date: Timestamp::from_secs_f64(start),
                    stop_date: None,
                });
            }
        }
        match rows.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    Ok(ListMapRunsOutput { map_runs: runs, next_token: None })
}

#[async_trait::async_trait]
impl statecraft_runtime::invoke::NestedExecutions for Service {
    async fn start_nested(
        &self,
        parent_arn: &str,
        params: &Value,
        default_name: &str,
    ) -> std::result::Result<ExecutionSummary, (String, String)> {
        let fail = |e: ApiError| {
            let code = e.code().as_str();
            (
                format!("StepFunctions.{code}Exception").replace("ExceptionException", "Exception"),
                format!(
                    "{} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code}; Request ID: {}; Proxy: null)",
                    e.message(),
                    statecraft_core::ids::uuid(&SystemEnv)
                ),
            )
        };
        let machine = params.get("StateMachineArn").and_then(Value::as_str).unwrap_or_default();
        let name = params
            .get("Name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| default_name.to_string());
        let input = match params.get("Input") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let (summary, _) =
            start_nested_inner(self, machine, name, input.as_deref(), parent_arn).await.map_err(fail)?;
        Ok(summary)
    }

    async fn wait_nested(&self, arn: &str) -> std::result::Result<ExecutionSummary, String> {
        self.engine.wait_finished(arn).await.map_err(|e| e.to_string())
    }

    async fn stop_nested(&self, arn: &str) {
        let _ = self
            .engine
            .stop(arn, Some("States.Aborted".into()), Some("The parent execution was stopped".into()))
            .await;
    }
}

/// StartExecution of a child: like [`start`], with the parent recorded.
async fn start_nested_inner(
    svc: &Service,
    machine_arn: &str,
    name: String,
    input: Option<&str>,
    parent_arn: &str,
) -> Result<(ExecutionSummary, MachineKind)> {
    start_inner(svc, machine_arn, Some(name), input, None, false, Some(parent_arn.to_string())).await
}
