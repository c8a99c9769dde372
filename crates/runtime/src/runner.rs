//! Runs one execution to its end in-process: the loop behind `statecraft run`. Task effects go
//! to a [`Resolver`] (mocks for now), timers to a heap that is either slept on (real clock) or
//! jumped through (virtual clock, which still records the right timestamps).

use serde_json::Value;
use statecraft_asl::{Definition, Resource};
use statecraft_core::{
    Effect, Env, Event, Execution, FixedEnv, HistoryEvent, Status, TaskId, TaskRequest, TimerId, TimerKind,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet, VecDeque};

/// How a task ended, as a resolver reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    Succeeded(Value),
    Failed { error: Option<String>, cause: Option<String> },
    TimedOut { error: Option<String>, cause: Option<String> },
}

/// Runs tasks. `invocation` counts this state's invocations in the execution (0-based,
/// retries included), as the mock format does.
pub trait Resolver {
    fn resolve(&mut self, request: &TaskRequest, invocation: u32) -> Result<Resolution, RunError>;
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("state '{state}': no mocked response for resource {resource} (invocation {invocation}); real task execution needs `statecraft serve` or a mock (--mock-config)")]
    NoMock { state: String, resource: String, invocation: u32 },
    #[error("state '{state}': {message}")]
    Task { state: String, message: String },
    #[error("the execution cannot make progress: tasks are pending and nothing can complete them")]
    Stuck,
}

/// Which clock the run uses.
pub enum Clock<'a> {
    /// Timers complete instantly; the clock jumps to each timer's time.
    Virtual(&'a FixedEnv),
    /// Timers are waited for.
    Real(&'a dyn Env),
}

impl Clock<'_> {
    fn env(&self) -> &dyn Env {
        match self {
            Clock::Virtual(e) => *e,
            Clock::Real(e) => *e,
        }
    }
}

/// The end of a run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// Applies `Started` and then every consequence until the execution ends. History events go
/// to `on_event` as they are recorded (nothing is kept).
pub fn run_to_end(
    def: &Definition,
    mut exec: Execution,
    resolver: &mut dyn Resolver,
    clock: Clock<'_>,
    on_event: &mut dyn FnMut(&HistoryEvent),
) -> Result<Outcome, RunError> {
    let mut queue = VecDeque::from([Event::Started]);
    let mut timers: BinaryHeap<Reverse<(i64, u64, TimerKey)>> = BinaryHeap::new();
    let mut timer_no = 0u64;
    let mut pending: HashSet<TaskId> = HashSet::new();
    let mut invocations: std::collections::HashMap<String, u32> = Default::default();
    loop {
        if let Some(event) = queue.pop_front() {
            let step = exec.apply(def, event, clock.env());
            for e in &step.history {
                on_event(e);
            }
            for effect in step.effects {
                match effect {
                    Effect::InvokeTask(req) => {
                        let n = invocations.entry(req.state_name.clone()).or_insert(0);
                        let invocation = *n;
                        *n += 1;
                        pending.insert(req.task);
                        for e in resolve(resolver, &req, invocation)? {
                            queue.push_back(e);
                        }
                    }
                    Effect::ScheduleTimer { timer, at } => {
                        timer_no += 1;
                        timers.push(Reverse((at, timer_no, TimerKey(timer))));
                    }
                    Effect::CancelTask { task } => {
                        pending.remove(&task);
                    }
                    _ => {}
                }
            }
            continue;
        }
        if exec.is_finished() {
            break;
        }
        let Some(Reverse((at, _, TimerKey(timer)))) = timers.pop() else {
            return Err(RunError::Stuck);
        };
        // A task timer is moot once its task has completed.
        if matches!(timer.kind, TimerKind::TaskTimeout | TimerKind::Heartbeat)
            && exec.frames.get(&timer.frame).is_none_or(|f| f.seq != timer.seq)
        {
            continue;
        }
        match &clock {
            Clock::Virtual(env) => {
                if at > env.now() {
                    env.set_now(at);
                }
            }
            Clock::Real(env) => {
                let wait = at - env.now();
                if wait > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(wait as u64));
                }
            }
        }
        queue.push_back(Event::TimerFired { timer });
    }
    Ok(Outcome { status: exec.status, output: exec.output, error: exec.error, cause: exec.cause })
}

/// Orders timers with equal times by insertion only (TimerId has no meaningful order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TimerKey(TimerId);

impl PartialOrd for TimerKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TimerKey {
    fn cmp(&self, _other: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// The events a resolution produces, in the order AWS records them.
fn resolve(resolver: &mut dyn Resolver, req: &TaskRequest, invocation: u32) -> Result<Vec<Event>, RunError> {
    let task = req.task;
    let mut events = Vec::new();
    if matches!(req.resource, Resource::Activity { .. }) {
        events.push(Event::TaskStarted { task, worker_name: None });
    }
    let resolution = resolver.resolve(req, invocation)?;
    let submitted = matches!(
        req.resource.pattern(),
        statecraft_asl::Pattern::WaitForTaskToken
            | statecraft_asl::Pattern::Sync
            | statecraft_asl::Pattern::Sync2
    );
    if submitted {
        events.push(Event::TaskSubmitted { task, output: Value::Object(Default::default()) });
    }
    events.push(match resolution {
        Resolution::Succeeded(output) => Event::TaskSucceeded { task, output },
        Resolution::Failed { error, cause } => Event::TaskFailed { task, error, cause },
        Resolution::TimedOut { error, cause } => Event::TaskTimedOut { task, error, cause },
    });
    Ok(events)
}

/// Resolves tasks from a mock configuration.
pub struct MockResolver {
    pub mocks: crate::MockConfig,
}

impl Resolver for MockResolver {
    fn resolve(&mut self, req: &TaskRequest, invocation: u32) -> Result<Resolution, RunError> {
        match self.mocks.response(&req.state_name, invocation) {
            Some(crate::MockResponse::Return(v)) => Ok(Resolution::Succeeded(v.clone())),
            Some(crate::MockResponse::Throw { error, cause, timed_out }) => Ok(if *timed_out {
                Resolution::TimedOut { error: error.clone(), cause: cause.clone() }
            } else {
                Resolution::Failed { error: error.clone(), cause: cause.clone() }
            }),
            None => Err(RunError::NoMock {
                state: req.state_name.clone(),
                resource: req.resource.arn().to_string(),
                invocation,
            }),
        }
    }
}
