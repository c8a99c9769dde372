//! Authoring tools: ValidateStateMachineDefinition (diagnostics without creating anything)
//! and TestState (run one state in isolation, optionally with a mocked task result).

use serde::{Deserialize, Serialize};

use super::{wire_enum, StateMachineType};

wire_enum! {
    /// `severity` of a diagnostic, and the minimum severity a request asks for.
    #[derive(Default)]
    ValidateStateMachineDefinitionSeverity {
        #[default]
        Error = "ERROR",
        Warning = "WARNING",
    }
}

wire_enum! {
    /// `result` of ValidateStateMachineDefinition.
    #[derive(Default)]
    ValidateStateMachineDefinitionResultCode {
        #[default]
        Ok = "OK",
        Fail = "FAIL",
    }
}

wire_enum! {
    /// `inspectionLevel` of TestState.
    InspectionLevel {
        Info = "INFO",
        Debug = "DEBUG",
        Trace = "TRACE",
    }
}

wire_enum! {
    /// `mock.fieldValidationMode` of TestState.
    MockResponseValidationMode {
        Strict = "STRICT",
        Present = "PRESENT",
        None = "NONE",
    }
}

wire_enum! {
    /// `status` of a TestState result.
    #[derive(Default)]
    TestExecutionStatus {
        #[default]
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        Retriable = "RETRIABLE",
        CaughtError = "CAUGHT_ERROR",
    }
}

/// ValidateStateMachineDefinition request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateStateMachineDefinitionInput {
    pub definition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<StateMachineType>,
    /// Minimum severity to report; AWS's default is `ERROR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<ValidateStateMachineDefinitionSeverity>,
    /// 0..=100; 0 or absent means AWS's default of 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
}

/// ValidateStateMachineDefinition response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateStateMachineDefinitionOutput {
    pub result: ValidateStateMachineDefinitionResultCode,
    pub diagnostics: Vec<ValidateStateMachineDefinitionDiagnostic>,
    /// Whether `diagnostics` was cut at `maxResults`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
}

/// One entry of `diagnostics`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateStateMachineDefinitionDiagnostic {
    pub severity: ValidateStateMachineDefinitionSeverity,
    /// AWS's diagnostic code, e.g. `SCHEMA_VALIDATION_FAILED`.
    pub code: String,
    pub message: String,
    /// A JSON-pointer-like location, e.g. `/States/Pass/Next`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// TestState request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestStateInput {
    /// A single state's definition, or (with `stateName`) a whole state machine.
    pub definition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection_level: Option<InspectionLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reveal_secrets: Option<bool>,
    /// JSON text of the workflow variables in scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mock: Option<MockInput>,
    /// JSON text of the Context object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_configuration: Option<TestStateConfiguration>,
}

/// `mock` of TestState: a canned task result or error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MockInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_output: Option<MockErrorOutput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_validation_mode: Option<MockResponseValidationMode>,
}

/// `mock.errorOutput` of TestState.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MockErrorOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// `stateConfiguration` of TestState.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestStateConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrier_retry_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_caused_by_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_iteration_failure_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_item_reader_data: Option<String>,
}

/// TestState response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestStateOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inspection_data: Option<InspectionData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<TestExecutionStatus>,
}

/// `inspectionData` of TestState: the payload after each processing step (JSON text each).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_arguments: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_input_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_parameters: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_result_selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_result_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<InspectionDataRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<InspectionDataResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_details: Option<InspectionErrorDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_items_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_item_selector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_item_batcher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_items_pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_count: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerated_failure_percentage: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<i32>,
}

/// `inspectionData.request`: the HTTP request of an HTTP Task (TRACE level).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionDataRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `inspectionData.response`: the HTTP response of an HTTP Task (TRACE level).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionDataResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// `inspectionData.errorDetails`: which Retrier or Catcher handled the error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionErrorDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catch_index: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_index: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_backoff_interval_seconds: Option<i32>,
}
