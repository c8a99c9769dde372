//! Detached fan-out: Parallel branches and Map iterations as records of their own.
//!
//! In the embedded mode an execution holds every frame. A serverless shell cannot: a Map over
//! thousands of items would make one hot, oversized record. With [`crate::Execution::detached`]
//! set, a Parallel or Map state asks the shell to run its children elsewhere
//! ([`crate::Effect::StartFanout`]); each child is an [`crate::Execution`] of its own
//! ([`crate::Execution::child`]) whose end is reported as [`crate::Effect::ChildFinished`]; the
//! shell counts outcomes with [`decide`] (atomic counters suffice) and resumes the parent with
//! [`crate::Event::FanoutCompleted`] or [`crate::Event::FanoutFailed`]. The decision rule is
//! the same function the embedded mode uses, so both modes agree.

use crate::execution::Failure;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

/// What kind of fan-out a child belongs to (it decides which history events it records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChildKind {
    /// A Parallel branch: no events of its own.
    Branch,
    /// An inline Map iteration: `MapIterationStarted`/`Succeeded`/`Failed`.
    Iteration,
    /// A distributed Map child: silent in the parent's history.
    Distributed,
}

/// A child to start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildSpec {
    pub block: u32,
    pub input: Value,
}

/// What [`crate::Effect::StartFanout`] asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanoutStart {
    /// The parent frame and its blocking sequence: events back must name both.
    pub frame: u32,
    pub seq: u32,
    pub state_name: Arc<str>,
    pub kind: ChildKind,
    /// 0 = unlimited.
    pub max_concurrency: u32,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
    pub children: Vec<ChildSpec>,
    /// Variables the children can read.
    pub vars: Option<Arc<Map<String, Value>>>,
    /// The parent's last history event id (for the children's `previousEventId`).
    pub prev_event_id: u64,
}

/// Where a child record reports to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    pub parent_frame: u32,
    pub parent_seq: u32,
    pub index: u32,
    pub block: u32,
    pub state_name: Arc<str>,
    pub kind: ChildKind,
    pub prev_event_id: u64,
}

/// What [`crate::Effect::ChildFinished`] reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildFinished {
    pub origin: Origin,
    pub outcome: Result<Value, Failure>,
}

/// The join rule, on counts alone: continue, succeed (all ended within tolerance) or fail.
pub fn decide(
    total: u32,
    succeeded: u32,
    failed: u32,
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
) -> crate::Decision {
    use crate::Decision;
    let exceeds = match (tolerated_count, tolerated_percentage) {
        (None, None) => failed > 0,
        (count, pct) => {
            let by_count = count.is_some_and(|c| u64::from(failed) > c);
            let by_pct = pct.is_some_and(|p| total > 0 && (f64::from(failed) * 100.0 / f64::from(total)) > p);
            match (count, pct) {
                (Some(_), Some(_)) => by_count && by_pct,
                (Some(_), None) => by_count,
                _ => by_pct,
            }
        }
    };
    if failed > 0 && exceeds {
        return Decision::Fail;
    }
    if succeeded + failed == total {
        return Decision::Succeed;
    }
    Decision::Continue
}

/// The failure a fan-out ends with when [`decide`] says `Fail`: with a tolerance configured,
/// `States.ExceedToleratedFailureThreshold`; otherwise the child's own failure.
pub fn fanout_failure(has_tolerance: bool, child: Failure) -> Failure {
    if has_tolerance {
        Failure::new(
            statecraft_expr::StatesError::ExceedToleratedFailureThreshold.as_str(),
            "The specified tolerated failure threshold was exceeded",
        )
    } else {
        child
    }
}
