//! What happens to an execution from the outside (past tense: a task succeeded, a timer
//! fired), and what the interpreter asks the shell to do (imperative: invoke this task,
//! schedule that wake-up). Both are plain data.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use statecraft_asl::Resource;

/// Identifies one scheduling of a task: the frame it runs in and that frame's blocking
/// sequence number. An event whose `seq` is not the frame's current one is stale (a
/// duplicate or late delivery) and is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskId {
    pub frame: u32,
    pub seq: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimerKind {
    /// A Wait state's end.
    Wait,
    /// The end of a retry back-off.
    Retry,
    /// A task's TimeoutSeconds.
    TaskTimeout,
    /// A task's HeartbeatSeconds.
    Heartbeat,
    /// The state machine's top-level TimeoutSeconds.
    ExecutionTimeout,
}

/// Identifies a wake-up. Like [`TaskId`], stale timers are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimerId {
    pub frame: u32,
    pub seq: u32,
    pub kind: TimerKind,
    /// Distinguishes successive heartbeat timers of one task (0 otherwise).
    pub round: u32,
}

/// An input to [`crate::Execution::apply`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Event {
    /// The execution starts (its input is in [`crate::ExecutionInfo`]).
    Started,
    /// A worker picked up an activity task (or a task otherwise started).
    TaskStarted {
        task: TaskId,
        worker_name: Option<String>,
    },
    /// A `.waitForTaskToken` or `.sync` integration accepted the request; the final result
    /// comes later.
    TaskSubmitted {
        task: TaskId,
        output: Value,
    },
    TaskSucceeded {
        task: TaskId,
        output: Value,
    },
    TaskFailed {
        task: TaskId,
        error: Option<String>,
        cause: Option<String>,
    },
    /// The task timed out where it ran (a mocked timeout, or a shell-side limit).
    TaskTimedOut {
        task: TaskId,
        error: Option<String>,
        cause: Option<String>,
    },
    TaskHeartbeat {
        task: TaskId,
    },
    TimerFired {
        timer: TimerId,
    },
    /// Detached fan-out: every child of a Parallel/Map ended within tolerance; `results` are
    /// their outputs by index.
    FanoutCompleted {
        frame: u32,
        seq: u32,
        results: Vec<Value>,
    },
    /// Detached fan-out: the children failed beyond tolerance (the first failure, or
    /// `States.ExceedToleratedFailureThreshold`).
    FanoutFailed {
        frame: u32,
        seq: u32,
        failure: crate::execution::Failure,
    },
    /// StopExecution.
    Stopped {
        error: Option<String>,
        cause: Option<String>,
    },
}

/// What the interpreter asks the shell to do, after the new state is committed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Effect {
    InvokeTask(Box<TaskRequest>),
    ScheduleTimer {
        timer: TimerId,
        at: i64,
    },
    /// A task is no longer awaited (its state was aborted or timed out): release what the
    /// shell holds for it (activity queue entry, child execution, callback token).
    CancelTask {
        task: TaskId,
    },
    /// The execution reached a terminal status.
    ExecutionFinished,
    /// Detached fan-out: run these children as records of their own and report back with
    /// [`Event::FanoutCompleted`] or [`Event::FanoutFailed`].
    StartFanout(Box<crate::detached::FanoutStart>),
    /// Detached fan-out: stop the children of this fan-out (the state was aborted).
    CancelFanout {
        frame: u32,
        seq: u32,
    },
    /// A child record ended: its parent's fan-out should count it.
    ChildFinished(Box<crate::detached::ChildFinished>),
}

/// A task to run: what, with which input, within which limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRequest {
    pub task: TaskId,
    pub state_name: String,
    #[serde(with = "resource_serde")]
    pub resource: Resource,
    /// The task's input: the evaluated `Parameters`/`Arguments` (or the effective input).
    pub input: Value,
    pub timeout_seconds: Option<u64>,
    pub heartbeat_seconds: Option<u64>,
    /// The task token, for `.waitForTaskToken` integrations and activities.
    pub token: Option<String>,
    pub credentials: Option<Value>,
    /// How many times this state has been retried so far.
    pub retry_count: u32,
}

mod resource_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use statecraft_asl::Resource;

    pub(super) fn serialize<S: Serializer>(r: &Resource, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(r.arn())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Resource, D::Error> {
        let s = String::deserialize(d)?;
        Resource::parse(&s).map_err(serde::de::Error::custom)
    }
}
