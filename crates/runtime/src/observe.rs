//! The engine's observer hook: a narrow, synchronous callback interface through which the
//! durable engine reports what it has *committed* (executions starting, finishing and being
//! redriven, states entered) and how long the tasks it ran took. Metrics and logs hang off
//! it; the engine itself neither counts nor logs.
//!
//! Calls happen after the commit that made them true, from whichever task made the commit,
//! so an implementation must be cheap and must not block (update an atomic or a map under a
//! short lock). The pure core knows nothing of this.

use crate::ports::{ExecutionStatus, ExecutionSummary};
use statecraft_core::TaskRequest;
use std::sync::Arc;
use std::time::Duration;

/// How a task the engine ran (through its invoker) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskOutcome {
    Succeeded,
    Failed,
    TimedOut,
    /// A `.waitForTaskToken` integration handed its token over; the result comes later.
    Submitted,
}

impl TaskOutcome {
    /// Lower-case name, for metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskOutcome::Succeeded => "succeeded",
            TaskOutcome::Failed => "failed",
            TaskOutcome::TimedOut => "timed_out",
            TaskOutcome::Submitted => "submitted",
        }
    }
}

/// What the engine tells an observer. Every method has an empty default.
pub trait Observer: Send + Sync {
    /// An execution's status changed: `previous` is `None` when it started, `RUNNING` when it
    /// ended (then `execution.status` is how), and the failed status when it was redriven
    /// (then `execution.status` is `RUNNING`).
    fn execution_status(&self, execution: &ExecutionSummary, previous: Option<ExecutionStatus>) {
        let _ = (execution, previous);
    }

    /// One committed transition of `execution` entered `count` states (AWS's "state
    /// transitions"). Not called when `count` is 0.
    fn states_entered(&self, execution: &ExecutionSummary, count: u64) {
        let _ = (execution, count);
    }

    /// A task that this process ran through its invoker ended after `elapsed` (callbacks and
    /// activities completed by others are not timed here).
    fn task_finished(&self, execution_arn: &str, request: &TaskRequest, outcome: TaskOutcome, elapsed: Duration) {
        let _ = (execution_arn, request, outcome, elapsed);
    }
}

/// The state machine's name from an execution's summary (the last segment of its ARN).
pub fn state_machine_name(execution: &ExecutionSummary) -> &str {
    execution.state_machine_arn.rsplit(':').next().unwrap_or_default()
}

/// Several observers as one, called in order.
#[derive(Default, Clone)]
pub struct Fanout(pub Vec<Arc<dyn Observer>>);

impl Observer for Fanout {
    fn execution_status(&self, execution: &ExecutionSummary, previous: Option<ExecutionStatus>) {
        self.0.iter().for_each(|o| o.execution_status(execution, previous));
    }

    fn states_entered(&self, execution: &ExecutionSummary, count: u64) {
        self.0.iter().for_each(|o| o.states_entered(execution, count));
    }

    fn task_finished(&self, execution_arn: &str, request: &TaskRequest, outcome: TaskOutcome, elapsed: Duration) {
        self.0.iter().for_each(|o| o.task_finished(execution_arn, request, outcome, elapsed));
    }
}
