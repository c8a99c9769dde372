//! The execution state and the transition function: [`Execution::apply`] takes an event and
//! gives the effects to perform and the history events to record, mutating the execution.
//!
//! An execution is a set of *frames*: the top level, each Parallel branch and each Map
//! iteration is a frame with its own current state. A frame runs synchronously from state to
//! state until it blocks (on a task, a timer or its children) or ends; a chain of Pass and
//! Choice states therefore costs one call. Every wait is identified by the frame's `seq`, so a
//! duplicate or late event is recognised as stale and ignored: applying the same event twice
//! changes nothing the second time.

use crate::env::Env;
use crate::event::{Effect, Event, TaskId, TimerId, TimerKind};
use crate::history::{ErrorInfo, EventKind, HistoryEvent, TaskFamily};
use crate::vars::Vars;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use statecraft_asl::{BlockId, Definition, Kind, StateRef};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Identity and input of an execution, fixed at start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionInfo {
    pub execution_arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub role_arn: String,
    pub region: String,
    pub account: String,
    /// Milliseconds since the epoch.
    pub start_time: i64,
    pub input: Value,
    pub redrive_count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }
}

/// Interpreter settings that are not part of the definition.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Maximum size of a payload (state input/output, task result), in bytes. AWS: 256 KiB.
    pub max_payload_bytes: usize,
    /// Maximum number of history events; `None` = unlimited (AWS: 25,000).
    pub max_history_events: Option<u64>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_payload_bytes: 256 * 1024, max_history_events: None }
    }
}

/// A failure on its way through Retry and Catch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The error name; a task may fail without one (SendTaskFailure with no `error`).
    pub error: Option<String>,
    pub cause: Option<String>,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure { error: Some(error.into()), cause: Some(cause.into()) }
    }

    /// The error name for matching against `ErrorEquals` (empty when there is none).
    pub fn name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    pub fn is(&self, e: statecraft_expr::StatesError) -> bool {
        self.name() == e.as_str()
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo { error: self.error.clone(), cause: self.cause.clone() }
    }
}

/// Where a child frame reports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentLink {
    pub frame: u32,
    pub index: u32,
}

/// One thread of control: the top level, a Parallel branch or a Map iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub parent: Option<ParentLink>,
    pub block: u32,
    /// Index of the current state in the block.
    pub state: u32,
    /// The current state's raw input (shared with the history event that recorded it).
    pub input: Arc<Value>,
    pub entered_event_id: u64,
    pub entered_time: i64,
    /// The last event this frame recorded (its next event's `previousEventId`).
    pub prev_event_id: u64,
    /// Increases whenever the frame blocks; events must name the current value.
    pub seq: u32,
    /// Attempts used per retrier of the current state.
    pub retry_counts: Vec<u32>,
    pub blocked: Blocked,
    pub vars: Vars,
    /// Frames of a distributed Map run record no history in the parent execution.
    pub silent: bool,
    /// The fan-out of a Parallel or Map state that failed, kept so a redrive re-runs only
    /// its unsuccessful children.
    #[serde(default)]
    pub failed_fanout: Option<Box<crate::states::fanout::Fanout>>,
}

impl Frame {
    pub fn state_ref(&self) -> StateRef {
        StateRef { block: BlockId(self.block), index: self.state }
    }

    pub fn retry_count(&self) -> u32 {
        self.retry_counts.iter().sum()
    }
}

/// What a frame is waiting for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Blocked {
    /// Not blocked.
    Running,
    /// A task is in flight.
    Task(TaskWait),
    /// A retry back-off is running.
    Retry,
    /// A Wait state is waiting.
    Wait,
    /// A Parallel or Map state is waiting for its children.
    Children(Box<crate::states::fanout::Fanout>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskWait {
    pub family: TaskFamily,
    pub started: bool,
    pub token: Option<String>,
    pub heartbeat_seconds: Option<u64>,
    /// Heartbeat timers are re-armed on every heartbeat: this numbers them.
    pub heartbeat_seq: u32,
}

/// An execution: identity, status and the frames that are running.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    pub info: ExecutionInfo,
    pub status: Status,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub stop_time: Option<i64>,
    pub frames: BTreeMap<u32, Frame>,
    pub next_frame: u32,
    pub next_event_id: u64,
    pub limits: Limits,
    /// Where a redrive restarts: the top-level state that failed, with its input.
    #[serde(default)]
    pub redrive_point: Option<RedrivePoint>,
    /// Workflow variables in scope when the execution starts (TestState's `variables`).
    #[serde(default)]
    pub initial_variables: serde_json::Map<String, Value>,
    /// Parallel branches and Map iterations run as records of their own
    /// (see [`crate::detached`]).
    #[serde(default)]
    pub detached: bool,
    /// Set on a child record of a detached fan-out: where it reports its end.
    #[serde(default)]
    pub origin: Option<crate::detached::Origin>,
}

/// The top-level state an unsuccessful execution stopped in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedrivePoint {
    pub state: u32,
    pub input: Arc<Value>,
    pub vars: Vars,
    pub fanout: Option<Box<crate::states::fanout::Fanout>>,
}

/// Why an execution cannot be redriven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedriveError {
    #[error("the execution is still running")]
    Running,
    #[error("the execution succeeded")]
    Succeeded,
    #[error("the execution has no state to restart from")]
    NothingToRedrive,
}

/// The result of one [`Execution::apply`]: what to do and what to record.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Step {
    pub effects: Vec<Effect>,
    pub history: Vec<HistoryEvent>,
}

/// The frame id used for execution-level timers.
pub const EXECUTION_FRAME: u32 = u32::MAX;

impl Execution {
    /// A new execution, not yet started: apply [`Event::Started`] to start it.
    pub fn new(info: ExecutionInfo, limits: Limits) -> Execution {
        Execution {
            info,
            status: Status::Running,
            output: None,
            error: None,
            cause: None,
            stop_time: None,
            frames: BTreeMap::new(),
            next_frame: 0,
            next_event_id: 1,
            limits,
            redrive_point: None,
            initial_variables: serde_json::Map::new(),
            detached: false,
            origin: None,
        }
    }

    /// A child record of a detached fan-out: it runs one branch or iteration (`origin.block`)
    /// on `input` with the parent's variables, and reports its end as
    /// [`Effect::ChildFinished`]. `info` is the parent execution's (the context object is the
    /// same). Apply [`Event::Started`] to start it.
    pub fn child(
        info: ExecutionInfo,
        origin: crate::detached::Origin,
        input: Value,
        vars: Option<Arc<serde_json::Map<String, Value>>>,
        limits: Limits,
    ) -> Execution {
        let mut e = Execution::new(ExecutionInfo { input, ..info }, limits);
        e.detached = true;
        e.initial_variables = vars.map(|v| (*v).clone()).unwrap_or_default();
        e.origin = Some(origin);
        e
    }

    pub fn is_finished(&self) -> bool {
        self.status != Status::Running
    }

    /// Whether a frame is waiting for exactly this task (so an event naming it would apply).
    pub fn is_pending_task(&self, task: TaskId) -> bool {
        !self.is_finished()
            && self
                .frames
                .get(&task.frame)
                .is_some_and(|f| f.seq == task.seq && matches!(f.blocked, Blocked::Task(_)))
    }

    /// Every task in flight.
    pub fn pending_tasks(&self) -> impl Iterator<Item = TaskId> + '_ {
        self.frames
            .iter()
            .filter(|(_, f)| matches!(f.blocked, Blocked::Task(_)))
            .map(|(id, f)| TaskId { frame: *id, seq: f.seq })
    }

    /// Applies one event. Never panics on a stale or unexpected event: it is ignored.
    /// RedriveExecution: restarts an unsuccessful execution from the top-level state it
    /// stopped in, re-running only the unsuccessful branches or iterations of a Parallel or Map.
    pub fn redrive(&mut self, def: &Definition, env: &dyn Env) -> Result<Step, RedriveError> {
        match self.status {
            Status::Running => return Err(RedriveError::Running),
            Status::Succeeded => return Err(RedriveError::Succeeded),
            _ => {}
        }
        let point = self.redrive_point.take().ok_or(RedriveError::NothingToRedrive)?;
        self.status = Status::Running;
        self.output = None;
        self.error = None;
        self.cause = None;
        self.stop_time = None;
        self.info.redrive_count += 1;
        let now = env.now();
        let mut m = Machine { exec: self, def, env, now, out: Step::default(), work: VecDeque::new() };
        let count = m.exec.info.redrive_count;
        let prev = m.emit_execution(EventKind::ExecutionRedriven { redrive_count: count });
        let fid = m.new_frame(None, Definition::ROOT, point.input, point.vars, false, prev);
        if let Some(frame) = m.frame_mut(fid) {
            frame.state = point.state;
            frame.failed_fanout = point.fanout;
        }
        m.work.push_back(Work::Enter(fid));
        m.drain();
        Ok(m.out)
    }

    pub fn apply(&mut self, def: &Definition, event: Event, env: &dyn Env) -> Step {
        let now = env.now();
        let mut m = Machine { exec: self, def, env, now, out: Step::default(), work: VecDeque::new() };
        m.handle(event);
        m.drain();
        m.out
    }
}

/// Work queued while applying one event.
pub(crate) enum Work {
    /// Run the frame's current state from its beginning.
    Enter(u32),
    /// A child frame ended.
    ChildDone { parent: ParentLink, outcome: Result<Value, Failure> },
}

/// The transition function's working set for one `apply`.
pub(crate) struct Machine<'a> {
    pub(crate) exec: &'a mut Execution,
    pub(crate) def: &'a Definition,
    pub(crate) env: &'a dyn Env,
    /// The time of this event: read once, so one event's consequences share one timestamp.
    pub(crate) now: i64,
    pub(crate) out: Step,
    pub(crate) work: VecDeque<Work>,
}

impl<'a> Machine<'a> {
    fn handle(&mut self, event: Event) {
        if self.exec.is_finished() {
            return;
        }
        match event {
            Event::Started => self.start(),
            Event::TaskStarted { task, worker_name } => self.task_started(task, worker_name),
            Event::TaskSubmitted { task, output } => self.task_submitted(task, output),
            Event::TaskSucceeded { task, output } => self.task_succeeded(task, output),
            Event::TaskFailed { task, error, cause } => self.task_failed(task, error, cause, false),
            Event::TaskTimedOut { task, error, cause } => self.task_failed(task, error, cause, true),
            Event::TaskHeartbeat { task } => self.task_heartbeat(task),
            Event::TimerFired { timer } => self.timer_fired(timer),
            Event::Stopped { error, cause } => self.stop(error, cause),
            Event::FanoutCompleted { frame, seq, results } => {
                crate::states::fanout::remote_outcome(self, frame, seq, Ok(results))
            }
            Event::FanoutFailed { frame, seq, failure } => {
                crate::states::fanout::remote_outcome(self, frame, seq, Err(failure))
            }
        }
    }

    fn start(&mut self) {
        if !self.exec.frames.is_empty() || self.exec.next_event_id > 1 {
            return; // already started
        }
        if let Some(origin) = self.exec.origin.clone() {
            return self.start_child(origin);
        }
        let input = Arc::new(self.exec.info.input.clone());
        self.emit_execution(EventKind::ExecutionStarted {
            input: crate::history::json(&input),
            role_arn: self.exec.info.role_arn.clone(),
        });
        if let Some(t) = self.def.timeout_seconds {
            let timer =
                TimerId { frame: EXECUTION_FRAME, seq: 0, kind: TimerKind::ExecutionTimeout, round: 0 };
            self.out
                .effects
                .push(Effect::ScheduleTimer { timer, at: self.exec.info.start_time + t as i64 * 1000 });
        }
        // AWS records the first state's entry with previousEventId 0.
        let vars = Vars { outer: None, own: std::mem::take(&mut self.exec.initial_variables) };
        let id = self.new_frame(None, Definition::ROOT, input, vars, false, 0);
        self.work.push_back(Work::Enter(id));
    }

    /// Starts a child record: its one frame runs the branch or iteration.
    fn start_child(&mut self, origin: crate::detached::Origin) {
        use crate::detached::ChildKind;
        let input = Arc::new(self.exec.info.input.clone());
        let vars = Vars { outer: None, own: std::mem::take(&mut self.exec.initial_variables) };
        let silent = origin.kind == ChildKind::Distributed;
        let id = self.new_frame(None, BlockId(origin.block), input, vars, silent, origin.prev_event_id);
        if origin.kind == ChildKind::Iteration {
            self.emit(
                id,
                EventKind::MapIterationStarted {
                    name: origin.state_name.clone(),
                    index: u64::from(origin.index),
                },
            );
        }
        self.work.push_back(Work::Enter(id));
    }

    /// A child record's frame ended: record the iteration's end and report to the parent.
    fn end_child(&mut self, origin: crate::detached::Origin, frame: Frame, outcome: Result<Value, Failure>) {
        use crate::detached::ChildKind;
        if origin.kind == ChildKind::Iteration {
            let (name, index) = (origin.state_name.clone(), u64::from(origin.index));
            let kind = if outcome.is_ok() {
                EventKind::MapIterationSucceeded { name, index }
            } else {
                EventKind::MapIterationFailed { name, index }
            };
            // The frame is gone: record against the record's last event.
            let id = self.exec.next_event_id;
            self.exec.next_event_id += 1;
            self.out.history.push(HistoryEvent {
                id,
                previous_event_id: frame.prev_event_id,
                timestamp: self.now,
                kind,
            });
        }
        self.exec.status = if outcome.is_ok() { Status::Succeeded } else { Status::Failed };
        self.exec.stop_time = Some(self.now);
        if let Err(f) = &outcome {
            self.exec.error = f.error.clone();
            self.exec.cause = f.cause.clone();
        }
        if let Ok(v) = &outcome {
            self.exec.output = Some(v.clone());
        }
        self.exec.frames.clear();
        self.work.clear();
        self.out
            .effects
            .push(Effect::ChildFinished(Box::new(crate::detached::ChildFinished { origin, outcome })));
    }

    /// Creates a frame positioned at its block's start state.
    pub(crate) fn new_frame(
        &mut self,
        parent: Option<ParentLink>,
        block: BlockId,
        input: Arc<Value>,
        vars: Vars,
        silent: bool,
        prev_event_id: u64,
    ) -> u32 {
        let id = self.exec.next_frame;
        self.exec.next_frame += 1;
        let start = self.def.block(block).start_at;
        self.exec.frames.insert(
            id,
            Frame {
                parent,
                block: block.0,
                state: start,
                input,
                entered_event_id: 0,
                entered_time: self.now,
                prev_event_id,
                seq: 0,
                retry_counts: Vec::new(),
                blocked: Blocked::Running,
                vars,
                silent,
                failed_fanout: None,
            },
        );
        id
    }

    fn drain(&mut self) {
        while let Some(w) = self.work.pop_front() {
            if self.exec.is_finished() {
                return;
            }
            if let Some(max) = self.exec.limits.max_history_events {
                if self.exec.next_event_id > max {
                    let info = ErrorInfo {
                        error: Some(statecraft_expr::StatesError::Runtime.as_str().into()),
                        cause: Some(format!(
                            "The execution reached the maximum number of history events ({max})."
                        )),
                    };
                    return self.finish_execution(Status::Failed, None, Some(info));
                }
            }
            match w {
                Work::Enter(fid) => self.enter(fid),
                Work::ChildDone { parent, outcome } => {
                    crate::states::fanout::child_done(self, parent, outcome)
                }
            }
        }
    }

    /// Records an event for a frame.
    pub(crate) fn emit(&mut self, fid: u32, kind: EventKind) -> u64 {
        let Some(frame) = self.exec.frames.get_mut(&fid) else {
            return 0;
        };
        if frame.silent {
            return 0;
        }
        let id = self.exec.next_event_id;
        self.exec.next_event_id += 1;
        let prev = frame.prev_event_id;
        frame.prev_event_id = id;
        self.out.history.push(HistoryEvent { id, previous_event_id: prev, timestamp: self.now, kind });
        id
    }

    /// Records an execution-level event (after the last event).
    pub(crate) fn emit_execution(&mut self, kind: EventKind) -> u64 {
        let id = self.exec.next_event_id;
        self.exec.next_event_id += 1;
        self.out.history.push(HistoryEvent { id, previous_event_id: id - 1, timestamp: self.now, kind });
        id
    }

    pub(crate) fn frame(&self, fid: u32) -> Option<&Frame> {
        self.exec.frames.get(&fid)
    }

    pub(crate) fn frame_mut(&mut self, fid: u32) -> Option<&mut Frame> {
        self.exec.frames.get_mut(&fid)
    }

    /// Runs a frame's current state from its beginning.
    fn enter(&mut self, fid: u32) {
        let Some(frame) = self.frame(fid) else { return };
        let state = self.def.state(frame.state_ref());
        let input = crate::history::json(&frame.input);
        if let Err(f) = crate::io::check_text_size(&input, self.exec.limits.max_payload_bytes, &state.name) {
            return self.fail_frame(fid, f);
        }
        let now = self.now;
        let entered = self.emit(
            fid,
            EventKind::StateEntered { state_type: state.state_type(), name: state.name.clone(), input },
        );
        if let Some(frame) = self.frame_mut(fid) {
            frame.entered_event_id = entered;
            frame.entered_time = now;
            frame.retry_counts.clear();
            frame.retry_counts.resize(state.retry.len(), 0);
            frame.blocked = Blocked::Running;
        }
        self.run_state(fid);
    }

    /// Runs (or re-runs, after a retry back-off) the current state's work.
    pub(crate) fn run_state(&mut self, fid: u32) {
        let Some(frame) = self.frame(fid) else { return };
        let state = self.def.state(frame.state_ref());
        match &state.kind {
            Kind::Pass(p) => crate::states::pass::run(self, fid, state, p),
            Kind::Task(t) => crate::states::task::run(self, fid, state, t),
            Kind::Choice(c) => crate::states::choice::run(self, fid, state, c),
            Kind::Wait(w) => crate::states::wait::run(self, fid, state, w),
            Kind::Succeed => crate::states::succeed::run(self, fid, state),
            Kind::Fail(f) => crate::states::fail::run(self, fid, state, f),
            Kind::Parallel(p) => crate::states::parallel::run(self, fid, state, p),
            Kind::Map(m) => crate::states::map::run(self, fid, state, m),
        }
    }

    /// The current state finished with `output`: record its exit and follow its transition.
    pub(crate) fn exit_state(
        &mut self,
        fid: u32,
        output: Value,
        next: Option<u32>,
        assigned: Option<serde_json::Map<String, Value>>,
    ) {
        let Some(frame) = self.frame(fid) else { return };
        let state = self.def.state(frame.state_ref());
        let text = crate::history::json(&output);
        if let Err(f) = crate::io::check_text_size(&text, self.exec.limits.max_payload_bytes, &state.name) {
            return self.fail_frame(fid, f);
        }
        let next = next.or(match state.transition {
            statecraft_asl::Transition::Next(n) => Some(n),
            statecraft_asl::Transition::End => None,
        });
        self.emit(
            fid,
            EventKind::StateExited {
                state_type: state.state_type(),
                name: state.name.clone(),
                output: text,
                assigned,
            },
        );
        match next {
            Some(n) => {
                if let Some(frame) = self.frame_mut(fid) {
                    frame.state = n;
                    frame.input = Arc::new(output);
                    frame.blocked = Blocked::Running;
                    frame.failed_fanout = None;
                }
                self.work.push_back(Work::Enter(fid));
            }
            None => self.end_frame(fid, Ok(output)),
        }
    }

    /// The frame ended (its last state succeeded, or it failed without a catcher).
    pub(crate) fn end_frame(&mut self, fid: u32, outcome: Result<Value, Failure>) {
        if outcome.is_err() {
            self.record_branch_task_abort(fid);
        }
        let Some(mut frame) = self.exec.frames.remove(&fid) else { return };
        if frame.parent.is_none() && outcome.is_err() {
            self.exec.redrive_point = Some(RedrivePoint {
                state: frame.state,
                input: frame.input.clone(),
                vars: frame.vars.clone(),
                fanout: frame.failed_fanout.take(),
            });
        }
        if frame.parent.is_none() {
            if let Some(origin) = self.exec.origin.clone() {
                return self.end_child(origin, frame, outcome);
            }
        }
        match frame.parent {
            Some(parent) => self.work.push_back(Work::ChildDone { parent, outcome }),
            None => match outcome {
                Ok(output) => self.finish_execution(Status::Succeeded, Some(output), None),
                Err(f) => self.finish_execution(Status::Failed, None, Some(f.info())),
            },
        }
    }

    /// A Task that fails without a catcher inside a Parallel branch is recorded as aborted
    /// (`TaskStateAborted`) before the branch fails, as AWS records it.
    fn record_branch_task_abort(&mut self, fid: u32) {
        let Some(frame) = self.frame(fid) else { return };
        let in_parallel = match frame.parent.and_then(|p| self.frame(p.frame)) {
            Some(parent) => {
                matches!(&parent.blocked, Blocked::Children(f) if matches!(f.kind, crate::states::fanout::FanoutKind::Parallel { .. }))
            }
            // A detached Parallel branch is the root frame of its own record.
            None => self.exec.origin.as_ref().is_some_and(|o| o.kind == crate::detached::ChildKind::Branch),
        };
        let state = self.def.state(frame.state_ref());
        if in_parallel && matches!(state.kind, Kind::Task(_)) {
            self.emit(
                fid,
                EventKind::StateAborted { state_type: state.state_type(), name: state.name.clone() },
            );
        }
    }

    pub(crate) fn finish_execution(
        &mut self,
        status: Status,
        output: Option<Value>,
        info: Option<ErrorInfo>,
    ) {
        // Whatever still runs is abandoned.
        let roots: Vec<u32> = self.exec.frames.keys().copied().collect();
        for fid in roots {
            if let Some(f) = self.exec.frames.get(&fid) {
                if let Blocked::Task(_) = f.blocked {
                    let seq = f.seq;
                    self.out.effects.push(Effect::CancelTask { task: TaskId { frame: fid, seq } });
                }
            }
        }
        self.exec.frames.clear();
        self.work.clear();
        let kind = match status {
            Status::Succeeded => EventKind::ExecutionSucceeded {
                output: crate::history::json(output.as_ref().unwrap_or(&Value::Null)),
            },
            Status::Failed => EventKind::ExecutionFailed(info.clone().unwrap_or_default()),
            Status::TimedOut => EventKind::ExecutionTimedOut(info.clone().unwrap_or_default()),
            Status::Aborted => EventKind::ExecutionAborted(info.clone().unwrap_or_default()),
            Status::Running => return,
        };
        self.emit_execution(kind);
        self.exec.status = status;
        self.exec.output = output;
        if let Some(i) = info {
            self.exec.error = i.error;
            self.exec.cause = i.cause;
        }
        self.exec.stop_time = Some(self.now);
        self.out.effects.push(Effect::ExecutionFinished);
    }

    /// The current state failed: Retry, then Catch, else the frame fails.
    pub(crate) fn fail_state(&mut self, fid: u32, failure: Failure) {
        crate::states::errors::handle(self, fid, failure, false);
    }

    /// The frame fails without going through Retry/Catch (terminal errors, Fail states).
    pub(crate) fn fail_frame(&mut self, fid: u32, failure: Failure) {
        self.end_frame(fid, Err(failure));
    }

    /// Blocks a frame, returning its new `seq`.
    pub(crate) fn block(&mut self, fid: u32, blocked: Blocked) -> u32 {
        let Some(frame) = self.frame_mut(fid) else { return 0 };
        frame.seq += 1;
        frame.blocked = blocked;
        frame.seq
    }

    pub(crate) fn schedule(&mut self, fid: u32, seq: u32, kind: TimerKind, at: i64) {
        self.schedule_round(fid, seq, kind, 0, at);
    }

    pub(crate) fn schedule_round(&mut self, fid: u32, seq: u32, kind: TimerKind, round: u32, at: i64) {
        self.out.effects.push(Effect::ScheduleTimer { timer: TimerId { frame: fid, seq, kind, round }, at });
    }

    /// The frame waiting on `task`, if the task is current.
    fn task_frame(&self, task: TaskId) -> Option<&Frame> {
        let f = self.frame(task.frame)?;
        (f.seq == task.seq && matches!(f.blocked, Blocked::Task(_))).then_some(f)
    }

    fn task_started(&mut self, task: TaskId, worker_name: Option<String>) {
        if self.task_frame(task).is_none() {
            return;
        }
        crate::states::task::started(self, task.frame, worker_name);
    }

    fn task_submitted(&mut self, task: TaskId, output: Value) {
        if self.task_frame(task).is_none() {
            return;
        }
        crate::states::task::submitted(self, task.frame, output);
    }

    fn task_succeeded(&mut self, task: TaskId, output: Value) {
        if self.task_frame(task).is_none() {
            return;
        }
        crate::states::task::succeeded(self, task.frame, output);
    }

    fn task_failed(&mut self, task: TaskId, error: Option<String>, cause: Option<String>, timed_out: bool) {
        if self.task_frame(task).is_none() {
            return;
        }
        crate::states::task::failed(self, task.frame, error, cause, timed_out);
    }

    fn task_heartbeat(&mut self, task: TaskId) {
        if self.task_frame(task).is_none() {
            return;
        }
        crate::states::task::heartbeat(self, task.frame);
    }

    fn timer_fired(&mut self, timer: TimerId) {
        if timer.kind == TimerKind::ExecutionTimeout {
            let info = ErrorInfo { error: Some("States.Timeout".into()), cause: Some(String::new()) };
            self.capture_redrive_point();
            self.abort_all();
            return self.finish_execution(Status::TimedOut, None, Some(info));
        }
        let Some(frame) = self.frame(timer.frame) else { return };
        match (timer.kind, &frame.blocked) {
            (TimerKind::Wait, Blocked::Wait) if frame.seq == timer.seq => {
                crate::states::wait::fired(self, timer.frame);
            }
            (TimerKind::Retry, Blocked::Retry) if frame.seq == timer.seq => {
                if let Some(f) = self.frame_mut(timer.frame) {
                    f.blocked = Blocked::Running;
                }
                self.run_state(timer.frame);
            }
            (TimerKind::TaskTimeout, Blocked::Task(_)) if frame.seq == timer.seq => {
                self.out
                    .effects
                    .push(Effect::CancelTask { task: TaskId { frame: timer.frame, seq: timer.seq } });
                crate::states::task::failed(self, timer.frame, Some("States.Timeout".into()), None, true);
            }
            (TimerKind::Heartbeat, Blocked::Task(w))
                if frame.seq == timer.seq && w.heartbeat_seq == timer.round =>
            {
                self.out
                    .effects
                    .push(Effect::CancelTask { task: TaskId { frame: timer.frame, seq: frame.seq } });
                crate::states::task::failed(
                    self,
                    timer.frame,
                    Some("States.HeartbeatTimeout".into()),
                    None,
                    true,
                );
            }
            _ => {}
        }
    }

    fn stop(&mut self, error: Option<String>, cause: Option<String>) {
        if let Some(origin) = self.exec.origin.clone() {
            return self.abort_child(origin, error, cause);
        }
        self.capture_redrive_point();
        self.abort_all();
        self.finish_execution(Status::Aborted, None, Some(ErrorInfo { error, cause }));
    }

    /// A detached child whose fan-out failed or was cancelled while it ran: its running states
    /// are recorded as aborted, then (a Map iteration) `MapIterationAborted`, as the embedded
    /// mode records a running sibling of a failed child. It reports nothing to its fan-out,
    /// which is already decided.
    fn abort_child(&mut self, origin: crate::detached::Origin, error: Option<String>, cause: Option<String>) {
        use crate::detached::ChildKind;
        self.abort_all();
        if origin.kind == ChildKind::Iteration {
            let id = self.exec.next_event_id;
            self.exec.next_event_id += 1;
            let kind = EventKind::MapIterationAborted {
                name: origin.state_name.clone(),
                index: u64::from(origin.index),
            };
            self.out.history.push(HistoryEvent { id, previous_event_id: id - 1, timestamp: self.now, kind });
        }
        self.exec.status = Status::Aborted;
        self.exec.stop_time = Some(self.now);
        self.exec.error = error;
        self.exec.cause = cause;
        self.exec.frames.clear();
        self.work.clear();
    }

    /// Remembers where the top-level frame is, before a stop or timeout removes it.
    fn capture_redrive_point(&mut self) {
        let Some(frame) = self.exec.frames.values().find(|f| f.parent.is_none()) else { return };
        let fanout = match &frame.blocked {
            Blocked::Children(f) => Some(f.clone()),
            _ => None,
        };
        self.exec.redrive_point = Some(RedrivePoint {
            state: frame.state,
            input: frame.input.clone(),
            vars: frame.vars.clone(),
            fanout,
        });
    }

    /// Records the abort of every running state, innermost first.
    fn abort_all(&mut self) {
        let roots: Vec<u32> =
            self.exec.frames.iter().filter(|(_, f)| f.parent.is_none()).map(|(id, _)| *id).collect();
        for fid in roots {
            crate::states::fanout::abort_frame(self, fid);
        }
    }

    /// The value of the context object (`$$`) for the current state of a frame.
    pub(crate) fn context(&self, fid: u32, extra: crate::context::Extra<'_>) -> Value {
        crate::context::build(self.exec, self.def, self.frame(fid), extra)
    }
}
