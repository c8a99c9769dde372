//! The Step Functions control plane: implements the API's [`StepFunctions`] trait with AWS's
//! semantics (names, ARNs, revisions, versions, aliases with weighted routing, executions,
//! history, tokens, activities, tags) over the durable [`Engine`] and the storage ports.
//!
//! Shared by `statecraft serve` (SQLite store) and the serverless api function (DynamoDB
//! store): the backend is whatever [`Store`] the engine was built with. No HTTP here: the
//! router (`statecraft-api`) owns the wire.

mod activities;
mod executions;
mod machines;
pub mod names;
mod tooling;

use async_trait::async_trait;
use statecraft_api::types::*;
use statecraft_api::{ApiError, ErrorCode, StepFunctions};
use statecraft_runtime::driver::Driver;
use statecraft_runtime::engine::{self, Engine};
use statecraft_runtime::ports::{self, Page, Store};
use std::sync::Arc;

pub use names::Scope;

/// The control plane.
#[derive(Clone)]
pub struct Service {
    engine: Arc<dyn Driver>,
    scope: Scope,
    /// How long an Express execution may run before it is stopped with `States.Timeout`.
    express_limit: std::time::Duration,
}

/// AWS's limit on an Express execution: five minutes.
pub const EXPRESS_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

type Result<T> = std::result::Result<T, ApiError>;

impl Service {
    /// The control plane over the embedded engine.
    pub fn new(engine: Engine) -> Service {
        Service::with_driver(Arc::new(engine))
    }

    /// The control plane over any driver (the serverless one, for instance).
    pub fn with_driver(engine: Arc<dyn Driver>) -> Service {
        let c = engine.config();
        let scope = Scope::new(c.region.clone(), c.account.clone());
        Service { engine, scope, express_limit: EXPRESS_LIMIT }
    }

    /// Another limit on Express executions than AWS's five minutes (tests lower it).
    pub fn with_express_limit(mut self, limit: std::time::Duration) -> Service {
        self.express_limit = limit;
        self
    }

    pub fn driver(&self) -> &Arc<dyn Driver> {
        &self.engine
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    fn store(&self) -> &Arc<dyn Store> {
        self.engine.store()
    }
}

/// A page request from the API's `nextToken`/`maxResults` (AWS's default page is 100, the
/// maximum 1000).
fn page(next_token: Option<String>, max_results: Option<i32>) -> Page {
    let limit = match max_results {
        Some(n) if n > 0 => (n as usize).min(1000),
        _ => 100,
    };
    Page { token: next_token, limit }
}

fn ts(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis)
}

/// Storage failures as API errors.
fn store_error(e: ports::Error) -> ApiError {
    match e {
        ports::Error::InvalidToken(t) => {
            ApiError::new(ErrorCode::InvalidToken, format!("Invalid pagination token: {t}"))
        }
        ports::Error::TooLarge(m) => ApiError::validation(m),
        other => ApiError::internal(other.to_string()),
    }
}

fn engine_error(e: engine::Error) -> ApiError {
    match e {
        engine::Error::Store(s) => store_error(s),
        engine::Error::ExecutionDoesNotExist(arn) => {
            ApiError::new(ErrorCode::ExecutionDoesNotExist, format!("Execution Does Not Exist: '{arn}'"))
        }
        engine::Error::ExecutionAlreadyExists(arn) => {
            ApiError::new(ErrorCode::ExecutionAlreadyExists, format!("Execution Already Exists: '{arn}'"))
        }
        engine::Error::InvalidDefinition(m) => ApiError::new(ErrorCode::InvalidDefinition, m),
        engine::Error::InvalidToken => ApiError::new(ErrorCode::InvalidToken, "Invalid Token"),
        engine::Error::TaskTimedOut => ApiError::new(
            ErrorCode::TaskTimedOut,
            "Task Timed Out: the task token has expired or its task is already closed",
        ),
        engine::Error::NotRedrivable(m) => ApiError::new(ErrorCode::ExecutionNotRedrivable, m),
        other => ApiError::internal(other.to_string()),
    }
}

#[async_trait]
impl StepFunctions for Service {
    async fn create_state_machine(&self, input: CreateStateMachineInput) -> Result<CreateStateMachineOutput> {
        machines::create(self, input).await
    }

    async fn describe_state_machine(
        &self,
        input: DescribeStateMachineInput,
    ) -> Result<DescribeStateMachineOutput> {
        machines::describe(self, input).await
    }

    async fn update_state_machine(&self, input: UpdateStateMachineInput) -> Result<UpdateStateMachineOutput> {
        machines::update(self, input).await
    }

    async fn delete_state_machine(&self, input: DeleteStateMachineInput) -> Result<DeleteStateMachineOutput> {
        machines::delete(self, input).await
    }

    async fn list_state_machines(&self, input: ListStateMachinesInput) -> Result<ListStateMachinesOutput> {
        machines::list(self, input).await
    }

    async fn publish_state_machine_version(
        &self,
        input: PublishStateMachineVersionInput,
    ) -> Result<PublishStateMachineVersionOutput> {
        machines::publish(self, input).await
    }

    async fn list_state_machine_versions(
        &self,
        input: ListStateMachineVersionsInput,
    ) -> Result<ListStateMachineVersionsOutput> {
        machines::list_versions(self, input).await
    }

    async fn delete_state_machine_version(
        &self,
        input: DeleteStateMachineVersionInput,
    ) -> Result<DeleteStateMachineVersionOutput> {
        machines::delete_version(self, input).await
    }

    async fn create_state_machine_alias(
        &self,
        input: CreateStateMachineAliasInput,
    ) -> Result<CreateStateMachineAliasOutput> {
        machines::create_alias(self, input).await
    }

    async fn describe_state_machine_alias(
        &self,
        input: DescribeStateMachineAliasInput,
    ) -> Result<DescribeStateMachineAliasOutput> {
        machines::describe_alias(self, input).await
    }

    async fn update_state_machine_alias(
        &self,
        input: UpdateStateMachineAliasInput,
    ) -> Result<UpdateStateMachineAliasOutput> {
        machines::update_alias(self, input).await
    }

    async fn delete_state_machine_alias(
        &self,
        input: DeleteStateMachineAliasInput,
    ) -> Result<DeleteStateMachineAliasOutput> {
        machines::delete_alias(self, input).await
    }

    async fn list_state_machine_aliases(
        &self,
        input: ListStateMachineAliasesInput,
    ) -> Result<ListStateMachineAliasesOutput> {
        machines::list_aliases(self, input).await
    }

    async fn start_execution(&self, input: StartExecutionInput) -> Result<StartExecutionOutput> {
        executions::start(self, input).await
    }

    async fn start_sync_execution(&self, input: StartSyncExecutionInput) -> Result<StartSyncExecutionOutput> {
        executions::start_sync(self, input).await
    }

    async fn stop_execution(&self, input: StopExecutionInput) -> Result<StopExecutionOutput> {
        executions::stop(self, input).await
    }

    async fn describe_execution(&self, input: DescribeExecutionInput) -> Result<DescribeExecutionOutput> {
        executions::describe(self, input).await
    }

    async fn describe_state_machine_for_execution(
        &self,
        input: DescribeStateMachineForExecutionInput,
    ) -> Result<DescribeStateMachineForExecutionOutput> {
        executions::describe_machine(self, input).await
    }

    async fn list_executions(&self, input: ListExecutionsInput) -> Result<ListExecutionsOutput> {
        executions::list(self, input).await
    }

    async fn get_execution_history(
        &self,
        input: GetExecutionHistoryInput,
    ) -> Result<GetExecutionHistoryOutput> {
        executions::history(self, input).await
    }

    async fn redrive_execution(&self, input: RedriveExecutionInput) -> Result<RedriveExecutionOutput> {
        executions::redrive(self, input).await
    }

    async fn send_task_success(&self, input: SendTaskSuccessInput) -> Result<SendTaskSuccessOutput> {
        activities::send_success(self, input).await
    }

    async fn send_task_failure(&self, input: SendTaskFailureInput) -> Result<SendTaskFailureOutput> {
        activities::send_failure(self, input).await
    }

    async fn send_task_heartbeat(&self, input: SendTaskHeartbeatInput) -> Result<SendTaskHeartbeatOutput> {
        activities::send_heartbeat(self, input).await
    }

    async fn create_activity(&self, input: CreateActivityInput) -> Result<CreateActivityOutput> {
        activities::create(self, input).await
    }

    async fn describe_activity(&self, input: DescribeActivityInput) -> Result<DescribeActivityOutput> {
        activities::describe(self, input).await
    }

    async fn delete_activity(&self, input: DeleteActivityInput) -> Result<DeleteActivityOutput> {
        activities::delete(self, input).await
    }

    async fn list_activities(&self, input: ListActivitiesInput) -> Result<ListActivitiesOutput> {
        activities::list(self, input).await
    }

    async fn get_activity_task(&self, input: GetActivityTaskInput) -> Result<GetActivityTaskOutput> {
        activities::get_task(self, input).await
    }

    async fn validate_state_machine_definition(
        &self,
        input: ValidateStateMachineDefinitionInput,
    ) -> Result<ValidateStateMachineDefinitionOutput> {
        tooling::validate(input)
    }

    async fn test_state(&self, input: TestStateInput) -> Result<TestStateOutput> {
        tooling::test_state(self, input).await
    }

    async fn tag_resource(&self, input: TagResourceInput) -> Result<TagResourceOutput> {
        tooling::tag(self, input).await
    }

    async fn untag_resource(&self, input: UntagResourceInput) -> Result<UntagResourceOutput> {
        tooling::untag(self, input).await
    }

    async fn list_tags_for_resource(
        &self,
        input: ListTagsForResourceInput,
    ) -> Result<ListTagsForResourceOutput> {
        tooling::list_tags(self, input).await
    }

    async fn describe_map_run(&self, input: DescribeMapRunInput) -> Result<DescribeMapRunOutput> {
        Err(ApiError::new(
            ErrorCode::ResourceNotFound,
            format!("Map Run Does Not Exist: '{}'", input.map_run_arn),
        ))
    }

    async fn list_map_runs(&self, input: ListMapRunsInput) -> Result<ListMapRunsOutput> {
        executions::list_map_runs(self, input).await
    }

    async fn update_map_run(&self, input: UpdateMapRunInput) -> Result<UpdateMapRunOutput> {
        Err(ApiError::new(
            ErrorCode::ResourceNotFound,
            format!("Map Run Does Not Exist: '{}'", input.map_run_arn),
        ))
    }
}
