//! The step messages: the wire format of everything that travels through the step queue and
//! the task queue. Versioned JSON (`"v": 1`), separate from the core's types and converted
//! explicitly, so an execution started by one release can be resumed by the next.
//!
//! Messages are small by construction: nothing of unbounded size travels in them. Task inputs
//! stay in the record's outbox (a task message names the outbox key), child inputs stay in the
//! fan-out store (a start message names the index), fan-out results are read from the fan-out
//! store by the parent (a join message names the fan-out). The one payload a message may carry
//! is a task result, and only when it fits ([`MAX_INLINE_BYTES`]); a larger one is applied by
//! the task runner directly.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use statecraft_core::{Event, TaskId, TimerId, TimerKind};

/// Wire version of [`Message`].
pub const MESSAGE_VERSION: u32 = 1;

/// SQS's limit on a message (body and attributes), in bytes.
pub const SQS_MAX_BYTES: usize = 256 * 1024;

/// The largest body this crate puts in a message; results over it are applied directly.
pub const MAX_INLINE_BYTES: usize = 200 * 1024;

/// Which record a message is for: an execution (`child: None`) or one child record of a
/// detached fan-out (a Parallel branch or Map iteration).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordRef {
    /// The execution (for a child: the execution it belongs to).
    pub exec: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<ChildRef>,
}

/// A child record: the fan-out it belongs to and its index there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChildRef {
    pub fanout: String,
    pub index: u32,
}

impl RecordRef {
    pub fn root(exec: impl Into<String>) -> RecordRef {
        RecordRef { exec: exec.into(), child: None }
    }

    pub fn child(exec: impl Into<String>, fanout: impl Into<String>, index: u32) -> RecordRef {
        RecordRef { exec: exec.into(), child: Some(ChildRef { fanout: fanout.into(), index }) }
    }

    /// The prefix of the keys of fan-outs this record starts.
    pub fn path(&self) -> String {
        match &self.child {
            None => self.exec.clone(),
            Some(c) => format!("{}/{}", c.fanout, c.index),
        }
    }

    /// The key of the fan-out this record starts for a frame's blocking sequence.
    pub fn fanout_key(&self, frame: u32, seq: u32) -> String {
        format!("{}#{frame}.{seq}", self.path())
    }
}

/// A step message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub v: u32,
    pub record: RecordRef,
    pub body: Body,
}

/// What a message asks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    /// Start this child record (its input is in the fan-out store).
    Start,
    /// A timer is due at `due` (ms since the epoch); early arrivals are sent on again.
    Timer { timer: WireTimer, due: i64 },
    /// A task's outcome.
    TaskResult { task: WireTask, outcome: Outcome },
    /// A task's heartbeat (SendTaskHeartbeat through the queue).
    Heartbeat { task: WireTask },
    /// Every child of the fan-out ended within tolerance: the results are in the fan-out store.
    FanoutCompleted { frame: u32, seq: u32, fanout: String },
    /// The fan-out failed.
    FanoutFailed { frame: u32, seq: u32, error: Option<String>, cause: Option<String> },
    /// StopExecution through the queue.
    Stop { error: Option<String>, cause: Option<String> },
    /// Re-perform the record's pending effects (after a start whose dispatch may be lost).
    Redo,
    /// Task queue: run the task stored under this outbox key.
    Task { key: String },
}

/// A task's outcome on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Succeeded {
        output: Value,
    },
    /// Accepted; the result comes through the task token.
    Submitted {
        output: Value,
    },
    Failed {
        error: Option<String>,
        cause: Option<String>,
    },
    TimedOut {
        error: Option<String>,
        cause: Option<String>,
    },
    /// A worker picked the task up (activities).
    Started {
        worker: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireTask {
    pub frame: u32,
    pub seq: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireTimer {
    pub frame: u32,
    pub seq: u32,
    pub kind: WireTimerKind,
    #[serde(default)]
    pub round: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireTimerKind {
    Wait,
    Retry,
    TaskTimeout,
    Heartbeat,
    ExecutionTimeout,
}

impl From<TaskId> for WireTask {
    fn from(t: TaskId) -> WireTask {
        WireTask { frame: t.frame, seq: t.seq }
    }
}

impl From<WireTask> for TaskId {
    fn from(t: WireTask) -> TaskId {
        TaskId { frame: t.frame, seq: t.seq }
    }
}

impl From<TimerId> for WireTimer {
    fn from(t: TimerId) -> WireTimer {
        let kind = match t.kind {
            TimerKind::Wait => WireTimerKind::Wait,
            TimerKind::Retry => WireTimerKind::Retry,
            TimerKind::TaskTimeout => WireTimerKind::TaskTimeout,
            TimerKind::Heartbeat => WireTimerKind::Heartbeat,
            TimerKind::ExecutionTimeout => WireTimerKind::ExecutionTimeout,
        };
        WireTimer { frame: t.frame, seq: t.seq, kind, round: t.round }
    }
}

impl From<WireTimer> for TimerId {
    fn from(t: WireTimer) -> TimerId {
        let kind = match t.kind {
            WireTimerKind::Wait => TimerKind::Wait,
            WireTimerKind::Retry => TimerKind::Retry,
            WireTimerKind::TaskTimeout => TimerKind::TaskTimeout,
            WireTimerKind::Heartbeat => TimerKind::Heartbeat,
            WireTimerKind::ExecutionTimeout => TimerKind::ExecutionTimeout,
        };
        TimerId { frame: t.frame, seq: t.seq, kind, round: t.round }
    }
}

impl Outcome {
    /// The core event this outcome is for `task`.
    pub fn event(self, task: TaskId) -> Event {
        match self {
            Outcome::Succeeded { output } => Event::TaskSucceeded { task, output },
            Outcome::Submitted { output } => Event::TaskSubmitted { task, output },
            Outcome::Failed { error, cause } => Event::TaskFailed { task, error, cause },
            Outcome::TimedOut { error, cause } => Event::TaskTimedOut { task, error, cause },
            Outcome::Started { worker } => Event::TaskStarted { task, worker_name: worker },
        }
    }
}

impl Message {
    pub fn new(record: RecordRef, body: Body) -> Message {
        Message { v: MESSAGE_VERSION, record, body }
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a message body; `Err` names what is wrong (an unknown version included).
    pub fn decode(text: &str) -> Result<Message, String> {
        let m: Message = serde_json::from_str(text).map_err(|e| format!("not a step message: {e}"))?;
        if m.v != MESSAGE_VERSION {
            return Err(format!("step message version {} is not supported", m.v));
        }
        Ok(m)
    }

    /// Whether this message is for the task queue (runs a task) rather than the step queue.
    pub fn is_task(&self) -> bool {
        matches!(self.body, Body::Task { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_round_trip_and_are_versioned() {
        let m = Message::new(
            RecordRef::child("arn:e", "arn:e#0.1", 7),
            Body::Timer {
                timer: WireTimer { frame: 0, seq: 3, kind: WireTimerKind::Wait, round: 0 },
                due: 1_700_000_000_000,
            },
        );
        let text = m.encode();
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!({"v": 1, "record": {"exec": "arn:e", "child": {"fanout": "arn:e#0.1", "index": 7}},
                   "body": {"kind": "timer", "timer": {"frame": 0, "seq": 3, "kind": "wait", "round": 0},
                            "due": 1_700_000_000_000_i64}})
        );
        assert_eq!(Message::decode(&text).unwrap(), m);
        assert!(Message::decode(&text.replace("\"v\":1", "\"v\":2")).is_err());
        assert!(Message::decode("{}").is_err());
    }

    #[test]
    fn record_paths_nest() {
        let root = RecordRef::root("arn:e");
        assert_eq!(root.fanout_key(0, 2), "arn:e#0.2");
        let child = RecordRef::child("arn:e", root.fanout_key(0, 2), 5);
        assert_eq!(child.fanout_key(0, 1), "arn:e#0.2/5#0.1");
    }
}
