//! What the control plane (`statecraft-service`) needs from whatever runs executions: the
//! embedded [`crate::engine::Engine`] (in-process timers and task runners) or the serverless
//! driver (SQS messages and Lambda invocations). One trait, so the same API semantics serve both.

use crate::engine::{ActivityTask, EngineConfig, Result, StartRequest, Started};
use crate::invoke::Invocation;
use crate::ports::{ExecutionSummary, RevisionRecord, Store};
use async_trait::async_trait;
use serde_json::Value;
use statecraft_asl::Definition;
use statecraft_core::TaskRequest;
use std::sync::Arc;

/// How a task token is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    Success(Value),
    Failure { error: Option<String>, cause: Option<String> },
    Heartbeat,
}

#[async_trait]
pub trait Driver: Send + Sync {
    fn store(&self) -> &Arc<dyn Store>;
    fn config(&self) -> &EngineConfig;
    /// The parsed definition of a revision.
    fn definition(&self, revision: &RevisionRecord) -> Result<Arc<Definition>>;
    /// Starts an execution durably (idempotent for the same name and input while it runs).
    async fn start(&self, request: StartRequest) -> Result<Started>;
    /// StopExecution; false when it had already ended.
    async fn stop(&self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<bool>;
    /// RedriveExecution.
    async fn redrive(&self, arn: &str) -> Result<ExecutionSummary>;
    /// SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat.
    async fn complete_task(&self, token: &str, completion: Completion) -> Result<()>;
    /// Waits until the execution ends (StartSyncExecution).
    async fn wait_finished(&self, arn: &str) -> Result<ExecutionSummary>;
    /// GetActivityTask.
    async fn poll_activity(&self, activity_arn: &str, worker: Option<String>)
        -> Result<Option<ActivityTask>>;
    /// Runs one task now (TestState without a mock).
    async fn invoke(&self, request: &TaskRequest) -> Invocation;
}

#[async_trait]
impl Driver for crate::engine::Engine {
    fn store(&self) -> &Arc<dyn Store> {
        crate::engine::Engine::store(self)
    }

    fn config(&self) -> &EngineConfig {
        crate::engine::Engine::config(self)
    }

    fn definition(&self, revision: &RevisionRecord) -> Result<Arc<Definition>> {
        crate::engine::Engine::definition(self, revision)
    }

    async fn start(&self, request: StartRequest) -> Result<Started> {
        crate::engine::Engine::start(self, request).await
    }

    async fn stop(&self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<bool> {
        crate::engine::Engine::stop(self, arn, error, cause).await
    }

    async fn redrive(&self, arn: &str) -> Result<ExecutionSummary> {
        crate::engine::Engine::redrive(self, arn).await
    }

    async fn complete_task(&self, token: &str, completion: Completion) -> Result<()> {
        use statecraft_core::Event;
        crate::engine::Engine::complete_task(self, token, move |task| match completion {
            Completion::Success(output) => Event::TaskSucceeded { task, output },
            Completion::Failure { error, cause } => Event::TaskFailed { task, error, cause },
            Completion::Heartbeat => Event::TaskHeartbeat { task },
        })
        .await
    }

    async fn wait_finished(&self, arn: &str) -> Result<ExecutionSummary> {
        crate::engine::Engine::wait_finished(self, arn).await
    }

    async fn poll_activity(
        &self,
        activity_arn: &str,
        worker: Option<String>,
    ) -> Result<Option<ActivityTask>> {
        crate::engine::Engine::poll_activity(self, activity_arn, worker).await
    }

    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        self.invoker().invoke(request).await
    }
}
