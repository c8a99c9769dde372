//! The service trait: one async method per Step Functions action, taking the parsed request
//! and returning the response or an [`ApiError`] with AWS's code for that action.
//!
//! The router owns the wire (headers, JSON, error rendering); an implementation owns
//! behaviour (engine, storage, ARNs, pagination tokens) and never sees HTTP. Requests reach
//! it with required members present and enum values valid; everything else (ARN syntax,
//! name rules, existence, limits) is its to check, with the codes listed per method (those
//! are the codes AWS's model declares; `ValidationException` and `InternalFailure` are
//! always possible). The trait is object safe: the router holds an `Arc<dyn StepFunctions>`.

use async_trait::async_trait;

use crate::error::ApiError;
use crate::types::*;

/// Result of every action.
pub type Result<T> = std::result::Result<T, ApiError>;

/// AWS Step Functions, as seen through its JSON API.
#[async_trait]
pub trait StepFunctions: Send + Sync {
    // --- state machines ---

    /// Creates a state machine (and version 1 if `publish`); idempotent when name and all settings match an
    /// existing one, else `StateMachineAlreadyExists`.
    ///
    /// Errors: InvalidArn, InvalidDefinition, InvalidName, InvalidLoggingConfiguration,
    /// InvalidTracingConfiguration, StateMachineAlreadyExists, StateMachineDeleting,
    /// StateMachineLimitExceeded, StateMachineTypeNotSupported, TooManyTags, ConflictException.
    async fn create_state_machine(&self, input: CreateStateMachineInput) -> Result<CreateStateMachineOutput>;

    /// Describes a state machine, a version (`...:<name>:<n>`), or a Distributed Map's child workflow
    /// (`...:<name>/<label>`, answered with `label` set).
    ///
    /// Errors: InvalidArn, StateMachineDoesNotExist.
    async fn describe_state_machine(
        &self,
        input: DescribeStateMachineInput,
    ) -> Result<DescribeStateMachineOutput>;

    /// Updates definition/role/logging/tracing in place (new revision, and a version if `publish`); nothing
    /// to update is `MissingRequiredParameter`.
    ///
    /// Errors: InvalidArn, InvalidDefinition, StateMachineDeleting, StateMachineDoesNotExist,
    /// ServiceQuotaExceededException, ConflictException.
    async fn update_state_machine(&self, input: UpdateStateMachineInput) -> Result<UpdateStateMachineOutput>;

    /// Marks a state machine `DELETING` (running executions go on) and succeeds even when it does not exist.
    ///
    /// Errors: InvalidArn, ValidationException (for a version or alias ARN).
    async fn delete_state_machine(&self, input: DeleteStateMachineInput) -> Result<DeleteStateMachineOutput>;

    /// Lists state machines, one page of at most `maxResults` (default 100), continuing from `nextToken`.
    ///
    /// Errors: InvalidToken.
    async fn list_state_machines(&self, input: ListStateMachinesInput) -> Result<ListStateMachinesOutput>;

    /// Publishes the current revision as the next numbered version (returns the latest one when the revision
    /// is already published).
    ///
    /// Errors: StateMachineDeleting, StateMachineDoesNotExist, ServiceQuotaExceededException,
    /// ConflictException (stale `revisionId`), InvalidArn.
    async fn publish_state_machine_version(
        &self,
        input: PublishStateMachineVersionInput,
    ) -> Result<PublishStateMachineVersionOutput>;

    /// Lists a state machine's versions, newest first, paginated.
    ///
    /// Errors: InvalidArn, InvalidToken.
    async fn list_state_machine_versions(
        &self,
        input: ListStateMachineVersionsInput,
    ) -> Result<ListStateMachineVersionsOutput>;

    /// Deletes a version; succeeds if absent, `ConflictException` while an alias routes to it.
    ///
    /// Errors: InvalidArn, ConflictException.
    async fn delete_state_machine_version(
        &self,
        input: DeleteStateMachineVersionInput,
    ) -> Result<DeleteStateMachineVersionOutput>;

    // --- aliases ---

    /// Creates an alias routing executions to one or two versions of the same state machine (weights sum to
    /// 100).
    ///
    /// Errors: InvalidArn, InvalidName, StateMachineDeleting, ResourceNotFound, ConflictException,
    /// ServiceQuotaExceededException.
    async fn create_state_machine_alias(
        &self,
        input: CreateStateMachineAliasInput,
    ) -> Result<CreateStateMachineAliasOutput>;

    /// Describes an alias.
    ///
    /// Errors: InvalidArn, ResourceNotFound.
    async fn describe_state_machine_alias(
        &self,
        input: DescribeStateMachineAliasInput,
    ) -> Result<DescribeStateMachineAliasOutput>;

    /// Changes an alias's description and/or routing.
    ///
    /// Errors: InvalidArn, ResourceNotFound, ConflictException, StateMachineDeleting.
    async fn update_state_machine_alias(
        &self,
        input: UpdateStateMachineAliasInput,
    ) -> Result<UpdateStateMachineAliasOutput>;

    /// Deletes an alias (running executions started through it go on).
    ///
    /// Errors: InvalidArn, ResourceNotFound, ConflictException.
    async fn delete_state_machine_alias(
        &self,
        input: DeleteStateMachineAliasInput,
    ) -> Result<DeleteStateMachineAliasOutput>;

    /// Lists a state machine's aliases, paginated.
    ///
    /// Errors: InvalidArn, InvalidToken, ResourceNotFound, StateMachineDoesNotExist, StateMachineDeleting.
    async fn list_state_machine_aliases(
        &self,
        input: ListStateMachineAliasesInput,
    ) -> Result<ListStateMachineAliasesOutput>;

    // --- executions ---

    /// Starts an execution of a state machine, version or alias; same name and input as an existing Standard
    /// execution returns it, different input is `ExecutionAlreadyExists`.
    ///
    /// Errors: ExecutionLimitExceeded, ExecutionAlreadyExists, InvalidArn, InvalidExecutionInput,
    /// InvalidName, StateMachineDoesNotExist, StateMachineDeleting.
    async fn start_execution(&self, input: StartExecutionInput) -> Result<StartExecutionOutput>;

    /// Runs an Express execution to its end and returns its result (a failed execution is a 200 with `status:
    /// FAILED`).
    ///
    /// Errors: InvalidArn, InvalidExecutionInput, InvalidName, StateMachineDoesNotExist,
    /// StateMachineDeleting, StateMachineTypeNotSupported.
    async fn start_sync_execution(&self, input: StartSyncExecutionInput) -> Result<StartSyncExecutionOutput>;

    /// Aborts a running execution with optional `error`/`cause`; returns the stop date.
    ///
    /// Errors: ExecutionDoesNotExist, InvalidArn.
    async fn stop_execution(&self, input: StopExecutionInput) -> Result<StopExecutionOutput>;

    /// Describes an execution (Standard, or a Map Run child).
    ///
    /// Errors: ExecutionDoesNotExist, InvalidArn.
    async fn describe_execution(&self, input: DescribeExecutionInput) -> Result<DescribeExecutionOutput>;

    /// Returns the definition an execution ran with (its revision, version or Map Run's child definition).
    ///
    /// Errors: ExecutionDoesNotExist, InvalidArn.
    async fn describe_state_machine_for_execution(
        &self,
        input: DescribeStateMachineForExecutionInput,
    ) -> Result<DescribeStateMachineForExecutionOutput>;

    /// Lists executions of a state machine/version/alias or a Map Run (exactly one of the two ARNs), newest
    /// first, filtered, paginated.
    ///
    /// Errors: InvalidArn, InvalidToken, StateMachineDoesNotExist, StateMachineTypeNotSupported (Express),
    /// ResourceNotFound.
    async fn list_executions(&self, input: ListExecutionsInput) -> Result<ListExecutionsOutput>;

    /// Returns a page of history events (oldest first unless `reverseOrder`; payloads dropped when
    /// `includeExecutionData` is false).
    ///
    /// Errors: ExecutionDoesNotExist, InvalidArn, InvalidToken.
    async fn get_execution_history(
        &self,
        input: GetExecutionHistoryInput,
    ) -> Result<GetExecutionHistoryOutput>;

    /// Restarts a failed/aborted/timed-out Standard execution from its unsuccessful steps (idempotent per
    /// `clientToken`).
    ///
    /// Errors: ExecutionDoesNotExist, ExecutionNotRedrivable, ExecutionLimitExceeded, InvalidArn.
    async fn redrive_execution(&self, input: RedriveExecutionInput) -> Result<RedriveExecutionOutput>;

    // --- task tokens ---

    /// Completes the task waiting on `taskToken` with `output` (JSON text).
    ///
    /// Errors: TaskDoesNotExist, InvalidOutput, InvalidToken, TaskTimedOut.
    async fn send_task_success(&self, input: SendTaskSuccessInput) -> Result<SendTaskSuccessOutput>;

    /// Fails the task waiting on `taskToken` with `error`/`cause`.
    ///
    /// Errors: TaskDoesNotExist, InvalidToken, TaskTimedOut.
    async fn send_task_failure(&self, input: SendTaskFailureInput) -> Result<SendTaskFailureOutput>;

    /// Resets the heartbeat clock of the task waiting on `taskToken`.
    ///
    /// Errors: TaskDoesNotExist, InvalidToken, TaskTimedOut.
    async fn send_task_heartbeat(&self, input: SendTaskHeartbeatInput) -> Result<SendTaskHeartbeatOutput>;

    // --- activities ---

    /// Creates an activity, or returns the existing one of the same name (idempotent).
    ///
    /// Errors: ActivityLimitExceeded, ActivityAlreadyExists, InvalidName, TooManyTags.
    async fn create_activity(&self, input: CreateActivityInput) -> Result<CreateActivityOutput>;

    /// Describes an activity.
    ///
    /// Errors: ActivityDoesNotExist, InvalidArn.
    async fn describe_activity(&self, input: DescribeActivityInput) -> Result<DescribeActivityOutput>;

    /// Deletes an activity; succeeds if absent.
    ///
    /// Errors: InvalidArn.
    async fn delete_activity(&self, input: DeleteActivityInput) -> Result<DeleteActivityOutput>;

    /// Lists activities, paginated.
    ///
    /// Errors: InvalidToken.
    async fn list_activities(&self, input: ListActivitiesInput) -> Result<ListActivitiesOutput>;

    /// Long-polls (AWS: up to 60 s) for a task of the activity; on timeout returns both members absent.
    ///
    /// Errors: ActivityDoesNotExist, ActivityWorkerLimitExceeded, InvalidArn.
    async fn get_activity_task(&self, input: GetActivityTaskInput) -> Result<GetActivityTaskOutput>;

    // --- authoring tools ---

    /// Validates a definition without creating anything; problems are diagnostics in a 200, never an error.
    ///
    /// Errors: ValidationException (request itself malformed).
    async fn validate_state_machine_definition(
        &self,
        input: ValidateStateMachineDefinitionInput,
    ) -> Result<ValidateStateMachineDefinitionOutput>;

    /// Runs one state once with the given input, context, variables and mock; a state failure is a 200 with
    /// `status: FAILED`.
    ///
    /// Errors: InvalidArn, InvalidDefinition, InvalidExecutionInput.
    async fn test_state(&self, input: TestStateInput) -> Result<TestStateOutput>;

    // --- tags ---

    /// Adds or overwrites tags on a state machine or activity.
    ///
    /// Errors: InvalidArn, ResourceNotFound, TooManyTags.
    async fn tag_resource(&self, input: TagResourceInput) -> Result<TagResourceOutput>;

    /// Removes tags by key (absent keys are ignored).
    ///
    /// Errors: InvalidArn, ResourceNotFound.
    async fn untag_resource(&self, input: UntagResourceInput) -> Result<UntagResourceOutput>;

    /// Lists a resource's tags.
    ///
    /// Errors: InvalidArn, ResourceNotFound.
    async fn list_tags_for_resource(
        &self,
        input: ListTagsForResourceInput,
    ) -> Result<ListTagsForResourceOutput>;

    // --- map runs ---

    /// Describes a Distributed Map Run.
    ///
    /// Errors: ResourceNotFound, InvalidArn.
    async fn describe_map_run(&self, input: DescribeMapRunInput) -> Result<DescribeMapRunOutput>;

    /// Lists the Map Runs of an execution, paginated.
    ///
    /// Errors: ExecutionDoesNotExist, InvalidArn, InvalidToken.
    async fn list_map_runs(&self, input: ListMapRunsInput) -> Result<ListMapRunsOutput>;

    /// Changes a running Map Run's concurrency or failure tolerance (`ValidationException` with reason
    /// `CANNOT_UPDATE_COMPLETED_MAP_RUN` once it ended).
    ///
    /// Errors: ResourceNotFound, InvalidArn.
    async fn update_map_run(&self, input: UpdateMapRunInput) -> Result<UpdateMapRunOutput>;
}
