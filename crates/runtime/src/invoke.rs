//! Running a task's resource: the [`TaskInvoker`] port. Implementations map a resource to
//! something that runs it: mocks ([`MockInvoker`]), local commands, HTTP endpoints, Lambda
//! (see [`crate::resolvers`]), AWS service integrations. Activities are not invoked: workers
//! poll for them (or get them pushed), see the engine.

use crate::mock::{MockConfig, MockResponse};
use crate::runner::Resolution;
use async_trait::async_trait;
use serde_json::Value;
use statecraft_core::TaskRequest;
use std::collections::HashMap;
use std::sync::Mutex;

/// What running a task gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Invocation {
    /// The task ended with this result.
    Done(Resolution),
    /// The request was accepted; the result arrives later through the task token (a
    /// `.waitForTaskToken` integration) or a completion (`.sync`). `Value` is what the
    /// integration answered (recorded as `TaskSubmitted`).
    Submitted(Value),
}

/// Runs tasks. Called after the commit that scheduled the task; may be called again for the
/// same task after a crash (at-least-once).
#[async_trait]
pub trait TaskInvoker: Send + Sync {
    async fn invoke(&self, request: &TaskRequest) -> Invocation;
}

/// Service integrations that answer only the resources they know (`arn:aws:states:::sqs:...`,
/// `aws-sdk:...`): `None` means "not mine", so a shell can put them behind its own routing.
/// Implemented by the AWS SDK adapter (`statecraft-integrations`), which this crate does not
/// depend on.
#[async_trait]
pub trait ServiceIntegrations: Send + Sync {
    async fn try_invoke(&self, request: &TaskRequest) -> Option<Invocation>;
}

/// Answers tasks from a Step Functions Local mock configuration, counting invocations per
/// state as the format does.
pub struct MockInvoker {
    mocks: MockConfig,
    counts: Mutex<HashMap<String, u32>>,
}

impl MockInvoker {
    pub fn new(mocks: MockConfig) -> MockInvoker {
        MockInvoker { mocks, counts: Mutex::new(HashMap::new()) }
    }

    pub fn has_mock(&self, state: &str) -> bool {
        self.mocks.has_mock(state)
    }

    /// The response for the next invocation of `state`, if the mocks have one.
    pub fn next(&self, state: &str) -> Option<Resolution> {
        let n = {
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            let c = counts.entry(state.to_string()).or_insert(0);
            let n = *c;
            *c += 1;
            n
        };
        Some(match self.mocks.response(state, n)? {
            MockResponse::Return(v) => Resolution::Succeeded(v.clone()),
            MockResponse::Throw { error, cause, timed_out: true } => {
                Resolution::TimedOut { error: error.clone(), cause: cause.clone() }
            }
            MockResponse::Throw { error, cause, .. } => {
                Resolution::Failed { error: error.clone(), cause: cause.clone() }
            }
        })
    }
}

#[async_trait]
impl TaskInvoker for MockInvoker {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        match self.next(&request.state_name) {
            Some(r) => Invocation::Done(r),
            None => Invocation::Done(Resolution::Failed {
                error: Some("States.Runtime".into()),
                cause: Some(format!(
                    "No mocked response for state '{}' (resource {})",
                    request.state_name,
                    request.resource.arn()
                )),
            }),
        }
    }
}

/// Push delivery of activity tasks (webhooks, SNS topics): the activity's task is handed to
/// its subscribers instead of waiting for a worker to poll. Tasks are queued for
/// `GetActivityTask` as well, so a failed push leaves them to pollers.
#[async_trait]
pub trait ActivityPush: Send + Sync {
    /// Whether tasks of this activity are pushed.
    fn pushes(&self, activity_arn: &str) -> bool;
    /// Delivers one task before `deadline` (ms since the epoch); `Err` when it could not.
    async fn push(
        &self,
        activity_arn: &str,
        execution_arn: &str,
        token: &str,
        input: &Value,
        deadline: i64,
    ) -> Result<(), String>;
}

/// Executions a Task starts on this same server (`arn:aws:states:::states:startExecution`,
/// `.sync`, `.sync:2`, `aws-sdk:sfn:startExecution`): the control plane implements it, the
/// engine calls it, so nested executions never leave the process even when other services'
/// endpoints point elsewhere.
#[async_trait]
pub trait NestedExecutions: Send + Sync {
    /// Starts the execution a task's parameters name (`StateMachineArn`, `Input`, `Name`);
    /// `default_name` is used when they name none (deterministic, so a replayed start is
    /// idempotent). `Err((error, cause))` as the Task should fail.
    async fn start_nested(
        &self,
        parent_arn: &str,
        params: &Value,
        default_name: &str,
    ) -> Result<crate::ports::ExecutionSummary, (String, String)>;
    /// Waits for it to end.
    async fn wait_nested(&self, arn: &str) -> Result<crate::ports::ExecutionSummary, String>;
    /// Stops it (its parent was stopped or its task timed out).
    async fn stop_nested(&self, arn: &str);
}
