//! What Parallel and Map share: child frames started within a concurrency limit, their
//! results collected by index, the join when the last one ends, failure tolerance, and the
//! abort of whatever still runs when one fails or the execution stops.
//!
//! The join is a pure function of counters ([`Fanout::decide`]), so a shell that keeps
//! children in separate records (serverless mode) can apply the same rule with atomic
//! counters.

use crate::event::{Effect, TaskId};
use crate::execution::{Blocked, Failure, Machine, ParentLink, Work};
use crate::history::EventKind;
use crate::vars::Vars;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use statecraft_asl::{BlockId, Kind, StateType};
use statecraft_expr::StatesError;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FanoutKind {
    Parallel { branches: Vec<u32> },
    Map { processor: u32, distributed: bool },
}

/// A Parallel or Map state waiting for its children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fanout {
    pub kind: FanoutKind,
    pub total: u32,
    /// The next child index to start.
    pub next: u32,
    /// 0 = unlimited.
    pub max_concurrency: u32,
    /// Child inputs, by index (Map: items after ItemSelector/ItemBatcher; Parallel: empty,
    /// every branch gets `branch_input`).
    pub inputs: Vec<Value>,
    pub branch_input: Value,
    pub results: Vec<Value>,
    pub succeeded: u32,
    pub failed: u32,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
    /// Running children: index → frame id.
    pub running: BTreeMap<u32, u32>,
    pub vars: Option<Arc<Map<String, Value>>>,
    pub map_run_arn: Option<String>,
    /// Children that succeeded, by index (a redrive re-runs only the others).
    #[serde(default)]
    pub done: Vec<bool>,
}

/// What the join decides after a child ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Keep going (start more children if allowed).
    Continue,
    /// Every child ended within tolerance: the state succeeds.
    Succeed,
    /// Too many failures: the state fails.
    Fail,
}

impl Fanout {
    pub fn decide(&self) -> Decision {
        if self.failed > 0 && self.exceeds_tolerance() {
            return Decision::Fail;
        }
        if self.succeeded + self.failed == self.total {
            return Decision::Succeed;
        }
        Decision::Continue
    }

    fn has_tolerance(&self) -> bool {
        self.tolerated_count.is_some() || self.tolerated_percentage.is_some()
    }

    fn exceeds_tolerance(&self) -> bool {
        if !self.has_tolerance() {
            return true;
        }
        let by_count = self.tolerated_count.is_some_and(|c| self.failed as u64 > c);
        let by_pct = self
            .tolerated_percentage
            .is_some_and(|p| self.total > 0 && (self.failed as f64 * 100.0 / self.total as f64) > p);
        match (self.tolerated_count, self.tolerated_percentage) {
            (Some(_), Some(_)) => by_count && by_pct,
            (Some(_), None) => by_count,
            (None, Some(_)) => by_pct,
            (None, None) => true,
        }
    }

    fn can_start(&self) -> bool {
        self.next < self.total
            && (self.max_concurrency == 0 || (self.running.len() as u32) < self.max_concurrency)
    }

    /// Skips children that already succeeded (after a redrive).
    fn skip_done(&mut self) {
        while self.next < self.total && self.done.get(self.next as usize).copied().unwrap_or(false) {
            self.next += 1;
        }
    }

    /// Prepares a failed fan-out to run its unsuccessful children again.
    pub fn for_redrive(mut self) -> Fanout {
        self.done.resize(self.total as usize, false);
        self.succeeded = self.done.iter().filter(|d| **d).count() as u32;
        self.failed = 0;
        self.next = 0;
        self.running.clear();
        self.skip_done();
        self
    }
}

/// A redriven Parallel or Map resumes its failed fan-out: only unsuccessful children run again.
pub(crate) fn resume_redriven(m: &mut Machine<'_>, fid: u32, started: EventKind) -> bool {
    let Some(fanout) = m.frame_mut(fid).and_then(|f| f.failed_fanout.take()) else { return false };
    let started = match started {
        EventKind::MapStarted { .. } => EventKind::MapStarted { length: u64::from(fanout.total) },
        other => other,
    };
    m.emit(fid, started);
    begin(m, fid, fanout.for_redrive());
    true
}

/// Starts a fan-out on a frame: blocks it and starts the first children.
pub(crate) fn begin(m: &mut Machine<'_>, fid: u32, mut fanout: Fanout) {
    fanout.done.resize(fanout.total as usize, false);
    let finished = fanout.succeeded == fanout.total;
    m.block(fid, Blocked::Children(Box::new(fanout)));
    if finished {
        return complete(m, fid);
    }
    start_more(m, fid);
}

/// Starts children while the concurrency limit allows.
fn start_more(m: &mut Machine<'_>, fid: u32) {
    loop {
        let Some(frame) = m.frame(fid) else { return };
        let silent_parent = frame.silent;
        let state = m.def.state(frame.state_ref());
        let Blocked::Children(f) = &frame.blocked else { return };
        if !f.can_start() {
            return;
        }
        let index = f.next;
        let (block, input, silent) = match &f.kind {
            FanoutKind::Parallel { branches } => {
                (branches[index as usize], f.branch_input.clone(), silent_parent)
            }
            FanoutKind::Map { processor, distributed } => (
                *processor,
                f.inputs.get(index as usize).cloned().unwrap_or(Value::Null),
                silent_parent || *distributed,
            ),
        };
        let vars = Vars { outer: f.vars.clone(), own: Map::new() };
        let is_map = matches!(f.kind, FanoutKind::Map { .. });
        let distributed = matches!(f.kind, FanoutKind::Map { distributed: true, .. });
        if let Some(frame) = m.frame_mut(fid) {
            if let Blocked::Children(f) = &mut frame.blocked {
                f.next += 1;
                f.skip_done();
            }
        }
        let prev = if is_map && !distributed {
            m.emit(fid, EventKind::MapIterationStarted { name: state.name.clone(), index: index as u64 })
        } else {
            m.frame(fid).map(|f| f.prev_event_id).unwrap_or(0)
        };
        let child = m.new_frame(
            Some(ParentLink { frame: fid, index }),
            BlockId(block),
            Arc::new(input),
            vars,
            silent,
            prev,
        );
        if let Some(frame) = m.frame_mut(fid) {
            if let Blocked::Children(f) = &mut frame.blocked {
                f.running.insert(index, child);
            }
        }
        m.work.push_back(Work::Enter(child));
    }
}

/// A child frame ended.
pub(crate) fn child_done(m: &mut Machine<'_>, parent: ParentLink, outcome: Result<Value, Failure>) {
    let fid = parent.frame;
    let Some(frame) = m.frame(fid) else { return };
    let state = m.def.state(frame.state_ref());
    let Blocked::Children(f) = &frame.blocked else { return };
    if !f.running.contains_key(&parent.index) {
        return;
    }
    let is_map_inline = matches!(f.kind, FanoutKind::Map { distributed: false, .. });
    let mut failure = None;
    if let Some(frame) = m.frame_mut(fid) {
        if let Blocked::Children(f) = &mut frame.blocked {
            f.running.remove(&parent.index);
            match outcome {
                Ok(v) => {
                    if let Some(slot) = f.results.get_mut(parent.index as usize) {
                        *slot = v;
                    }
                    if let Some(d) = f.done.get_mut(parent.index as usize) {
                        *d = true;
                    }
                    f.succeeded += 1;
                }
                Err(e) => {
                    f.failed += 1;
                    failure = Some(e);
                }
            }
        }
    }
    if is_map_inline {
        let name = state.name.clone();
        let index = parent.index as u64;
        let kind = if failure.is_some() {
            EventKind::MapIterationFailed { name, index }
        } else {
            EventKind::MapIterationSucceeded { name, index }
        };
        m.emit(fid, kind);
    }
    let Some(Blocked::Children(f)) = m.frame(fid).map(|f| &f.blocked) else { return };
    match f.decide() {
        Decision::Continue => start_more(m, fid),
        Decision::Succeed => complete(m, fid),
        Decision::Fail => {
            let has_tolerance = f.tolerated_count.is_some() || f.tolerated_percentage.is_some();
            let failure = failure.unwrap_or_else(|| Failure::new(StatesError::BranchFailed.as_str(), ""));
            let failure = if has_tolerance && matches!(f.kind, FanoutKind::Map { .. }) {
                Failure::new(
                    StatesError::ExceedToleratedFailureThreshold.as_str(),
                    "The specified tolerated failure threshold was exceeded",
                )
            } else {
                failure
            };
            abort_children(m, fid);
            fail(m, fid, failure, true);
        }
    }
}

/// Every child is done: the state's result is the array of child results.
fn complete(m: &mut Machine<'_>, fid: u32) {
    let def = m.def;
    let Some(frame) = m.frame_mut(fid) else { return };
    let Blocked::Children(f) = std::mem::replace(&mut frame.blocked, Blocked::Running) else { return };
    let state = def.state(frame.state_ref());
    match f.kind {
        // Recorded AWS histories have no ParallelStateSucceeded event.
        FanoutKind::Parallel { .. } => {}
        FanoutKind::Map { distributed, .. } => {
            if distributed {
                m.emit(fid, EventKind::MapRunSucceeded);
            }
            m.emit(fid, EventKind::MapSucceeded);
        }
    }
    let result = Value::Array(f.results);
    match super::task::finish(m, fid, state, result) {
        Ok((out, assigned)) => {
            if let Some(vars) = &assigned {
                if let Some(f) = m.frame_mut(fid) {
                    f.vars.assign(vars.clone());
                }
            }
            m.exit_state(fid, out, None, assigned)
        }
        Err(e) => m.fail_state(fid, e),
    }
}

/// The Parallel or Map state itself fails (a child failed, or its preparation did). A retry
/// restarts it silently; otherwise `...StateFailed` is recorded before Catch. `States.Runtime`
/// failures end the execution without state-level events, as on AWS.
/// `from_child`: the failure came from a child (its own `EvaluationFailed`, if any, is
/// already recorded).
pub(crate) fn fail(m: &mut Machine<'_>, fid: u32, failure: Failure, from_child: bool) {
    let Some(frame) = m.frame(fid) else { return };
    let state = m.def.state(frame.state_ref());
    let distributed = matches!(&frame.blocked, Blocked::Children(f) if matches!(f.kind, FanoutKind::Map { distributed: true, .. }));
    let mut fanout = None;
    if let Some(frame) = m.frame_mut(fid) {
        if let Blocked::Children(f) = std::mem::replace(&mut frame.blocked, Blocked::Running) {
            fanout = Some(f);
        }
    }
    if failure.is(StatesError::Runtime) {
        return m.fail_frame(fid, failure);
    }
    if !from_child && failure.is(StatesError::QueryEvaluationError) {
        m.emit(
            fid,
            EventKind::EvaluationFailed { info: failure.info(), location: None, state: state.name.clone() },
        );
    }
    if super::errors::retry(m, fid, &failure) {
        return;
    }
    if let Some(frame) = m.frame_mut(fid) {
        frame.failed_fanout = fanout;
    }
    match state.state_type() {
        StateType::Parallel => {
            m.emit(fid, EventKind::ParallelFailed);
        }
        _ => {
            if distributed {
                m.emit(fid, EventKind::MapRunFailed(failure.info()));
            }
            m.emit(fid, EventKind::MapFailed);
        }
    }
    super::errors::catch_or_fail(m, fid, failure);
}

/// Aborts the running children of a fan-out.
fn abort_children(m: &mut Machine<'_>, fid: u32) {
    let running = match m.frame(fid).map(|f| &f.blocked) {
        Some(Blocked::Children(f)) => f.running.clone(),
        _ => return,
    };
    for (index, child) in running {
        abort_frame(m, child);
        let Some(frame) = m.frame(fid) else { return };
        let state = m.def.state(frame.state_ref());
        if let Blocked::Children(f) = &frame.blocked {
            if matches!(f.kind, FanoutKind::Map { distributed: false, .. }) {
                m.emit(fid, EventKind::MapIterationAborted { name: state.name.clone(), index: index as u64 });
            }
        }
    }
    if let Some(frame) = m.frame_mut(fid) {
        if let Blocked::Children(f) = &mut frame.blocked {
            f.running.clear();
        }
    }
}

/// Aborts a frame and everything under it, recording `...StateAborted` for the state it was
/// in, and removes it.
pub(crate) fn abort_frame(m: &mut Machine<'_>, fid: u32) {
    let Some(frame) = m.frame(fid) else { return };
    let state = m.def.state(frame.state_ref());
    match &frame.blocked {
        Blocked::Children(_) => {
            abort_children(m, fid);
            let kind = match state.kind {
                Kind::Parallel(_) => EventKind::ParallelAborted,
                _ => EventKind::MapAborted,
            };
            m.emit(fid, kind);
        }
        Blocked::Task(_) => {
            let seq = frame.seq;
            m.out.effects.push(Effect::CancelTask { task: TaskId { frame: fid, seq } });
            m.emit(fid, EventKind::StateAborted { state_type: state.state_type(), name: state.name.clone() });
        }
        Blocked::Wait | Blocked::Retry => {
            m.emit(fid, EventKind::StateAborted { state_type: state.state_type(), name: state.name.clone() });
        }
        Blocked::Running => {}
    }
    m.exec.frames.remove(&fid);
}
