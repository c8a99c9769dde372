//! Executions and Map Runs: Start/StartSync/Stop/Describe/List/RedriveExecution,
//! GetExecutionHistory, Describe/List/UpdateMapRun(s).

use serde::{Deserialize, Serialize};

use super::{wire_enum, CloudWatchEventsExecutionDataDetails, IncludedData, Timestamp};

wire_enum! {
    /// `status` of an execution.
    #[derive(Default)]
    ExecutionStatus {
        #[default]
        Running = "RUNNING",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        TimedOut = "TIMED_OUT",
        Aborted = "ABORTED",
        PendingRedrive = "PENDING_REDRIVE",
    }
}

wire_enum! {
    /// `status` of a StartSyncExecution result (Express workflows).
    #[derive(Default)]
    SyncExecutionStatus {
        #[default]
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        TimedOut = "TIMED_OUT",
    }
}

wire_enum! {
    /// `redriveStatus` of an execution.
    ExecutionRedriveStatus {
        Redrivable = "REDRIVABLE",
        NotRedrivable = "NOT_REDRIVABLE",
        RedrivableByMapRun = "REDRIVABLE_BY_MAP_RUN",
    }
}

wire_enum! {
    /// `redriveFilter` of ListExecutions.
    ExecutionRedriveFilter {
        Redriven = "REDRIVEN",
        NotRedriven = "NOT_REDRIVEN",
    }
}

wire_enum! {
    /// `status` of a Map Run.
    #[derive(Default)]
    MapRunStatus {
        #[default]
        Running = "RUNNING",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        Aborted = "ABORTED",
    }
}

/// StartExecution request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartExecutionInput {
    /// A state machine, version or alias ARN.
    pub state_machine_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// JSON text; AWS treats an absent input as `{}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_header: Option<String>,
}

/// StartExecution response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartExecutionOutput {
    pub execution_arn: String,
    pub start_date: Timestamp,
}

/// StartSyncExecution request (Express state machines only).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartSyncExecutionInput {
    pub state_machine_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_header: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_data: Option<IncludedData>,
}

/// StartSyncExecution response: the finished execution.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartSyncExecutionOutput {
    pub execution_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub start_date: Timestamp,
    pub stop_date: Timestamp,
    pub status: SyncExecutionStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_details: Option<CloudWatchEventsExecutionDataDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_details: Option<CloudWatchEventsExecutionDataDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_header: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_details: Option<BillingDetails>,
}

/// `billingDetails` of a synchronous Express execution.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BillingDetails {
    #[serde(rename = "billedMemoryUsedInMB", skip_serializing_if = "Option::is_none")]
    pub billed_memory_used_in_mb: Option<i64>,
    #[serde(rename = "billedDurationInMilliseconds", skip_serializing_if = "Option::is_none")]
    pub billed_duration_in_milliseconds: Option<i64>,
}

/// StopExecution request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopExecutionInput {
    pub execution_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// StopExecution response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopExecutionOutput {
    pub stop_date: Timestamp,
}

/// DescribeExecution request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeExecutionInput {
    /// An execution ARN, or a Map Run child execution ARN.
    pub execution_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub included_data: Option<IncludedData>,
}

/// DescribeExecution response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeExecutionOutput {
    pub execution_arn: String,
    pub state_machine_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub status: ExecutionStatus,
    pub start_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_details: Option<CloudWatchEventsExecutionDataDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_details: Option<CloudWatchEventsExecutionDataDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_header: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_run_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_version_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_alias_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_status: Option<ExecutionRedriveStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_status_reason: Option<String>,
}

/// ListExecutions request: by state machine (or version/alias) ARN, or by Map Run ARN.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListExecutionsInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_filter: Option<ExecutionStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_run_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_filter: Option<ExecutionRedriveFilter>,
}

/// ListExecutions response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListExecutionsOutput {
    pub executions: Vec<ExecutionListItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One entry of `executions`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionListItem {
    pub execution_arn: String,
    pub state_machine_arn: String,
    pub name: String,
    pub status: ExecutionStatus,
    pub start_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_date: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_run_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_version_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_machine_alias_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_date: Option<Timestamp>,
}

/// GetExecutionHistory request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetExecutionHistoryInput {
    pub execution_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverse_order: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// AWS's default when absent is `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_execution_data: Option<bool>,
}

/// GetExecutionHistory response. Each event is a ready `HistoryEvent` JSON object
/// (`timestamp`, `type`, `id`, `previousEventId`, `<type>EventDetails`), produced by the engine.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetExecutionHistoryOutput {
    pub events: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// RedriveExecution request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedriveExecutionInput {
    pub execution_arn: String,
    /// Idempotency token (1..64 printable ASCII).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

/// RedriveExecution response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedriveExecutionOutput {
    pub redrive_date: Timestamp,
}

/// DescribeMapRun request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeMapRunInput {
    pub map_run_arn: String,
}

/// DescribeMapRun response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeMapRunOutput {
    pub map_run_arn: String,
    pub execution_arn: String,
    pub status: MapRunStatus,
    pub start_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_date: Option<Timestamp>,
    pub max_concurrency: i32,
    pub tolerated_failure_percentage: f64,
    pub tolerated_failure_count: i64,
    pub item_counts: MapRunCounts,
    pub execution_counts: MapRunCounts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redrive_date: Option<Timestamp>,
}

/// `itemCounts` and `executionCounts` of a Map Run (the model's `MapRunItemCounts` and
/// `MapRunExecutionCounts` have the same members).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapRunCounts {
    pub pending: u64,
    pub running: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub aborted: u64,
    pub total: u64,
    pub results_written: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures_not_redrivable: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_redrive: Option<i64>,
}

/// ListMapRuns request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMapRunsInput {
    pub execution_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// ListMapRuns response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMapRunsOutput {
    pub map_runs: Vec<MapRunListItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One entry of `mapRuns`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapRunListItem {
    pub execution_arn: String,
    pub map_run_arn: String,
    pub state_machine_arn: String,
    pub start_date: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_date: Option<Timestamp>,
}

/// UpdateMapRun request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMapRunInput {
    pub map_run_arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_percentage: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_count: Option<i64>,
}

/// UpdateMapRun response (empty object).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateMapRunOutput {}
