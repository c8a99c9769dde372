//! A recording in-memory `StepFunctions` for router tests: it remembers every request (as
//! the action name and the request re-serialized to JSON) and answers each action with a
//! canned JSON response, a canned error, or the response type's default.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use statecraft_api::types::*;
use statecraft_api::{ApiError, StepFunctions};

#[derive(Default)]
pub struct Recorder {
    calls: Mutex<Vec<(String, Value)>>,
    outputs: Mutex<HashMap<String, Value>>,
    errors: Mutex<HashMap<String, ApiError>>,
}

impl Recorder {
    /// Answers `action` with `output` (must parse as the action's response type).
    pub fn respond(&self, action: &str, output: Value) {
        self.outputs.lock().unwrap().insert(action.to_owned(), output);
    }

    /// Answers `action` with `error`.
    pub fn fail(&self, action: &str, error: ApiError) {
        self.errors.lock().unwrap().insert(action.to_owned(), error);
    }

    pub fn calls(&self) -> Vec<(String, Value)> {
        self.calls.lock().unwrap().clone()
    }

    pub fn last(&self) -> Option<(String, Value)> {
        self.calls.lock().unwrap().last().cloned()
    }

    fn answer<I: Serialize, O: DeserializeOwned + Default>(
        &self,
        action: &str,
        input: I,
    ) -> Result<O, ApiError> {
        let input = serde_json::to_value(&input).expect("requests serialize");
        self.calls.lock().unwrap().push((action.to_owned(), input));
        if let Some(err) = self.errors.lock().unwrap().get(action) {
            return Err(err.clone());
        }
        match self.outputs.lock().unwrap().get(action) {
            Some(output) => Ok(serde_json::from_value(output.clone())
                .unwrap_or_else(|e| panic!("canned {action} output does not parse: {e}"))),
            None => Ok(O::default()),
        }
    }
}

macro_rules! recorder_impl {
    ($($method:ident($input:ty) -> $output:ty = $action:literal;)+) => {
        #[async_trait]
        impl StepFunctions for Recorder {
            $(async fn $method(&self, input: $input) -> Result<$output, ApiError> {
                self.answer($action, input)
            })+
        }
    };
}

recorder_impl! {
    create_state_machine(CreateStateMachineInput) -> CreateStateMachineOutput = "CreateStateMachine";
    describe_state_machine(DescribeStateMachineInput) -> DescribeStateMachineOutput = "DescribeStateMachine";
    update_state_machine(UpdateStateMachineInput) -> UpdateStateMachineOutput = "UpdateStateMachine";
    delete_state_machine(DeleteStateMachineInput) -> DeleteStateMachineOutput = "DeleteStateMachine";
    list_state_machines(ListStateMachinesInput) -> ListStateMachinesOutput = "ListStateMachines";
    publish_state_machine_version(PublishStateMachineVersionInput) -> PublishStateMachineVersionOutput = "PublishStateMachineVersion";
    list_state_machine_versions(ListStateMachineVersionsInput) -> ListStateMachineVersionsOutput = "ListStateMachineVersions";
    delete_state_machine_version(DeleteStateMachineVersionInput) -> DeleteStateMachineVersionOutput = "DeleteStateMachineVersion";
    create_state_machine_alias(CreateStateMachineAliasInput) -> CreateStateMachineAliasOutput = "CreateStateMachineAlias";
    describe_state_machine_alias(DescribeStateMachineAliasInput) -> DescribeStateMachineAliasOutput = "DescribeStateMachineAlias";
    update_state_machine_alias(UpdateStateMachineAliasInput) -> UpdateStateMachineAliasOutput = "UpdateStateMachineAlias";
    delete_state_machine_alias(DeleteStateMachineAliasInput) -> DeleteStateMachineAliasOutput = "DeleteStateMachineAlias";
    list_state_machine_aliases(ListStateMachineAliasesInput) -> ListStateMachineAliasesOutput = "ListStateMachineAliases";
    start_execution(StartExecutionInput) -> StartExecutionOutput = "StartExecution";
    start_sync_execution(StartSyncExecutionInput) -> StartSyncExecutionOutput = "StartSyncExecution";
    stop_execution(StopExecutionInput) -> StopExecutionOutput = "StopExecution";
    describe_execution(DescribeExecutionInput) -> DescribeExecutionOutput = "DescribeExecution";
    describe_state_machine_for_execution(DescribeStateMachineForExecutionInput) -> DescribeStateMachineForExecutionOutput = "DescribeStateMachineForExecution";
    list_executions(ListExecutionsInput) -> ListExecutionsOutput = "ListExecutions";
    get_execution_history(GetExecutionHistoryInput) -> GetExecutionHistoryOutput = "GetExecutionHistory";
    redrive_execution(RedriveExecutionInput) -> RedriveExecutionOutput = "RedriveExecution";
    send_task_success(SendTaskSuccessInput) -> SendTaskSuccessOutput = "SendTaskSuccess";
    send_task_failure(SendTaskFailureInput) -> SendTaskFailureOutput = "SendTaskFailure";
    send_task_heartbeat(SendTaskHeartbeatInput) -> SendTaskHeartbeatOutput = "SendTaskHeartbeat";
    create_activity(CreateActivityInput) -> CreateActivityOutput = "CreateActivity";
    describe_activity(DescribeActivityInput) -> DescribeActivityOutput = "DescribeActivity";
    delete_activity(DeleteActivityInput) -> DeleteActivityOutput = "DeleteActivity";
    list_activities(ListActivitiesInput) -> ListActivitiesOutput = "ListActivities";
    get_activity_task(GetActivityTaskInput) -> GetActivityTaskOutput = "GetActivityTask";
    validate_state_machine_definition(ValidateStateMachineDefinitionInput) -> ValidateStateMachineDefinitionOutput = "ValidateStateMachineDefinition";
    test_state(TestStateInput) -> TestStateOutput = "TestState";
    tag_resource(TagResourceInput) -> TagResourceOutput = "TagResource";
    untag_resource(UntagResourceInput) -> UntagResourceOutput = "UntagResource";
    list_tags_for_resource(ListTagsForResourceInput) -> ListTagsForResourceOutput = "ListTagsForResource";
    describe_map_run(DescribeMapRunInput) -> DescribeMapRunOutput = "DescribeMapRun";
    list_map_runs(ListMapRunsInput) -> ListMapRunsOutput = "ListMapRuns";
    update_map_run(UpdateMapRunInput) -> UpdateMapRunOutput = "UpdateMapRun";
}

/// One operation of `fixtures/model_samples.json`.
pub struct Sample {
    pub action: String,
    pub input: Value,
    pub required: Vec<String>,
    pub output: Value,
    pub errors: Vec<String>,
}

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Every operation of botocore's `stepfunctions` model with fully populated samples.
pub fn model_samples() -> Vec<Sample> {
    let text = std::fs::read_to_string(fixture_path("model_samples.json")).expect("fixture present");
    let doc: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let ops = doc["operations"].as_object().expect("operations object");
    ops.iter()
        .map(|(action, op)| Sample {
            action: action.clone(),
            input: op["input"].clone(),
            required: serde_json::from_value(op["required"].clone()).unwrap(),
            output: op["output"].clone(),
            errors: serde_json::from_value(op["errors"].clone()).unwrap(),
        })
        .collect()
}
