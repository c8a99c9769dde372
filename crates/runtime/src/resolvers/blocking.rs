//! [`BlockingResolver`]: any [`TaskInvoker`] (normally the [`super::ConfiguredInvoker`]) as
//! the synchronous [`Resolver`] that `statecraft run`'s in-process loop ([`crate::run_to_end`])
//! takes, so that `run` executes the project's real resources too.
//!
//! The loop has no way to receive a task token, so a `.waitForTaskToken` integration that
//! was submitted cannot complete there: it ends the run with [`RunError::Task`] saying so
//! (`statecraft serve` handles those).

use crate::invoke::{Invocation, TaskInvoker};
use crate::runner::{Resolution, Resolver, RunError};
use statecraft_core::TaskRequest;
use std::sync::Arc;

/// Runs each task to completion on a runtime of its own.
pub struct BlockingResolver {
    invoker: Arc<dyn TaskInvoker>,
    runtime: tokio::runtime::Runtime,
}

impl BlockingResolver {
    /// Must not be called from inside an async runtime (blocking there would stall it).
    pub fn new(invoker: Arc<dyn TaskInvoker>) -> std::io::Result<BlockingResolver> {
        // One worker: enough for one task at a time, and background work (an `Event`
        // invocation) keeps going between tasks.
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        Ok(BlockingResolver { invoker, runtime })
    }
}

impl Resolver for BlockingResolver {
    fn resolve(&mut self, request: &TaskRequest, _invocation: u32) -> Result<Resolution, RunError> {
        match self.runtime.block_on(self.invoker.invoke(request)) {
            Invocation::Done(r) => Ok(r),
            Invocation::Submitted(_) => Err(RunError::Task {
                state: request.state_name.clone(),
                message: format!(
                    "{} was submitted and waits for SendTaskSuccess/SendTaskFailure with its task token, \
                     which `statecraft run` cannot receive; use `statecraft serve`",
                    request.resource.arn()
                ),
            }),
        }
    }
}
