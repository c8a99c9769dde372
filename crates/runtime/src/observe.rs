//! The engine's observer hook: a narrow, synchronous callback interface through which the
//! durable engine reports what it has *committed* (executions starting or being redriven,
//! ending, states entered) and how long the tasks it ran took. Status-change notifications
//! ([`crate::notify`]), metrics and logs hang off it; the engine itself neither counts nor
//! logs. An engine has any number of observers ([`crate::engine::Engine::add_observer`]).
//!
//! Calls happen after the commit that made them true, from whichever task made the commit,
//! so an implementation must be cheap and must not block (update an atomic or a map under a
//! short lock, or hand the work to a channel). The pure core knows nothing of this.

use crate::ports::ExecutionSummary;
use statecraft_core::TaskRequest;
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

/// What the engine tells an observer, after the commit that made it so.
pub trait Observer: Send + Sync {
    /// An execution started (`redrive_count` 0) or was redriven. The summary is as committed:
    /// an execution that ran to its end within its first transition already shows its final
    /// status (and [`Observer::finished`] follows).
    fn started(&self, summary: &ExecutionSummary);

    /// An execution ended; the summary has its final status, output or error.
    fn finished(&self, summary: &ExecutionSummary);

    /// One committed transition of an execution entered `count` states (AWS's "state
    /// transitions"). Not called when `count` is 0.
    fn states_entered(&self, summary: &ExecutionSummary, count: u64) {
        let _ = (summary, count);
    }

    /// A task this process ran through its invoker ended after `elapsed` (callbacks and
    /// activities completed by others are timed until their token is handed over).
    fn task_finished(
        &self,
        execution_arn: &str,
        request: &TaskRequest,
        outcome: TaskOutcome,
        elapsed: Duration,
    ) {
        let _ = (execution_arn, request, outcome, elapsed);
    }
}

/// The state machine's name from an execution's summary (the last segment of its ARN).
pub fn state_machine_name(summary: &ExecutionSummary) -> &str {
    summary.state_machine_arn.rsplit(':').next().unwrap_or_default()
}
