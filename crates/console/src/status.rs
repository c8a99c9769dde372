//! The status of each state of an execution, derived from its history in the shape
//! GetExecutionHistory returns (the `events` array, oldest first): what the console paints on
//! the graph.
//!
//! History events do not all name their state (`TaskFailed`, `TaskStateAborted` do not), but
//! each one's `previousEventId` points at the previous event of the same thread of control
//! (the top level, a Parallel branch, a Map iteration), so following that link attributes
//! every event to the state *instance* its thread is in. A state entered several times (a
//! loop, a retry through a Catch, Map iterations) has several instances; the one shown is the
//! most telling ([`Status::rank`]): a failure, then a wait, then work in progress, then a
//! cancellation, a caught error, and success.
//!
//! Pure: no I/O, and no event shape can make it panic (unknown or malformed events are
//! ignored).

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// What the console shows for a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Status {
    /// Entered and not yet finished (including a Wait state waiting for its time).
    Running,
    /// Waiting for a task token: a `.waitForTaskToken` callback or an activity.
    Waiting,
    Succeeded,
    /// Failed, and nothing caught the error.
    Failed,
    /// Failed, and a Catch handled the error.
    Caught,
    /// Stopped from outside: the execution was aborted or a sibling branch failed.
    Cancelled,
}

impl Status {
    /// The lower-case name, as in the graph's `data-status`.
    pub fn as_str(self) -> &'static str {
        self.graph().as_str()
    }

    /// The graph crate's status of the same name.
    pub fn graph(self) -> statecraft_graph::Status {
        use statecraft_graph::Status as G;
        match self {
            Status::Running => G::Running,
            Status::Waiting => G::Waiting,
            Status::Succeeded => G::Succeeded,
            Status::Failed => G::Failed,
            Status::Caught => G::Caught,
            Status::Cancelled => G::Cancelled,
        }
    }

    /// Which of several instances of one state is shown: the highest rank.
    fn rank(self) -> u8 {
        match self {
            Status::Failed => 6,
            Status::Waiting => 5,
            Status::Running => 4,
            Status::Cancelled => 3,
            Status::Caught => 2,
            Status::Succeeded => 1,
        }
    }

    fn active(self) -> bool {
        matches!(self, Status::Running | Status::Waiting)
    }
}

/// One entry of a state: from its `...StateEntered` event to its exit.
#[derive(Debug, Clone)]
struct Instance {
    name: String,
    /// `Task`, `Parallel`, ... (the event type's prefix).
    state_type: String,
    status: Status,
    /// Its last attempt failed; a retry clears it, an exit makes it `Caught`.
    failing: bool,
    /// The Parallel or Map instance whose branch or iteration it runs in.
    parent: Option<usize>,
    /// Left out of the result: it failed before a redrive started over.
    superseded: bool,
}

/// Where each event's thread of control stands: the instance it is in, and whether the event
/// opens a branch or an iteration (the next state entered in it is a child).
#[derive(Debug, Clone, Copy)]
struct Thread {
    instance: Option<usize>,
    opens_branch: bool,
}

/// The statuses of an execution's states, by state name, from its history events.
pub fn derive(events: &[Value]) -> BTreeMap<String, Status> {
    let mut d = Derivation::default();
    for e in events {
        d.event(e);
    }
    d.result()
}

#[derive(Default)]
struct Derivation {
    instances: Vec<Instance>,
    threads: HashMap<u64, Thread>,
}

fn details<'a>(event: &'a Value, key: &str) -> Option<&'a Value> {
    event.get(key)
}

impl Derivation {
    fn event(&mut self, e: &Value) {
        let (Some(id), Some(kind)) =
            (e.get("id").and_then(Value::as_u64), e.get("type").and_then(Value::as_str))
        else {
            return;
        };
        let prev =
            e.get("previousEventId").and_then(Value::as_u64).and_then(|p| self.threads.get(&p)).copied();
        let mut current = prev.and_then(|t| t.instance);
        let mut opens_branch = false;

        if let Some(state_type) = kind.strip_suffix("StateEntered") {
            let name = details(e, "stateEnteredEventDetails")
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let parent = match prev {
                Some(Thread { instance, opens_branch: true }) => instance,
                Some(Thread { instance: Some(i), .. }) => self.instances.get(i).and_then(|x| x.parent),
                _ => None,
            };
            // A Fail state never exits: entering it is failing.
            let status = if state_type == "Fail" { Status::Failed } else { Status::Running };
            self.instances.push(Instance {
                name,
                state_type: state_type.to_string(),
                status,
                failing: false,
                parent,
                superseded: false,
            });
            current = Some(self.instances.len() - 1);
        } else if kind.ends_with("StateExited") {
            if let Some(i) = self.named(current, e, "stateExitedEventDetails") {
                let inst = &mut self.instances[i];
                inst.status = if inst.failing { Status::Caught } else { Status::Succeeded };
                inst.failing = false;
                self.end_children(i, Status::Failed);
                current = Some(i);
            }
        } else if kind.ends_with("StateAborted") {
            if let Some(i) = current {
                let inst = &mut self.instances[i];
                if inst.status.active() {
                    inst.status = if inst.failing { Status::Failed } else { Status::Cancelled };
                }
                self.end_children(i, Status::Cancelled);
            }
        } else {
            // Parallel and Map events belong to the container, wherever their link points
            // (the start of the state, or the end of its last branch or iteration).
            for container in ["Parallel", "Map"] {
                if kind.starts_with(container) && !kind.starts_with("MapRun") {
                    current = self.container(current, container);
                }
            }
            match kind {
                "ExecutionSucceeded" => self.end_all(Status::Succeeded),
                "ExecutionFailed" | "ExecutionTimedOut" => self.end_all(Status::Failed),
                "ExecutionAborted" => self.end_all(Status::Cancelled),
                "ExecutionRedriven" => {
                    // The redrive starts over from the states that did not succeed.
                    for inst in &mut self.instances {
                        if matches!(inst.status, Status::Failed | Status::Cancelled) {
                            inst.superseded = true;
                        }
                    }
                }
                "ParallelStateStarted" | "MapIterationStarted" => opens_branch = true,
                "ParallelStateFailed" | "MapStateFailed" => {
                    if let Some(i) = current {
                        self.instances[i].failing = true;
                        self.end_children(i, Status::Failed);
                    }
                }
                "ParallelStateAborted" | "MapStateAborted" => {
                    if let Some(i) = current {
                        self.end_children(i, Status::Cancelled);
                    }
                }
                "EvaluationFailed" => {
                    if let Some(i) = self.named(current, e, "evaluationFailedEventDetails") {
                        self.instances[i].failing = true;
                        current = Some(i);
                    }
                }
                "TaskScheduled" | "ActivityScheduled" | "LambdaFunctionScheduled" => {
                    if let Some(i) = current {
                        let resource = ["taskScheduledEventDetails", "activityScheduledEventDetails"]
                            .iter()
                            .find_map(|k| details(e, k))
                            .and_then(|d| d.get("resource"))
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        let waits = kind == "ActivityScheduled" || resource.ends_with(".waitForTaskToken");
                        let inst = &mut self.instances[i];
                        inst.failing = false;
                        inst.status = if waits { Status::Waiting } else { Status::Running };
                    }
                }
                _ if is_task_failure(kind) => {
                    if let Some(i) = current {
                        let inst = &mut self.instances[i];
                        inst.failing = true;
                        if inst.status == Status::Waiting {
                            inst.status = Status::Running;
                        }
                    }
                }
                _ if is_task_success(kind) => {
                    if let Some(i) = current {
                        if self.instances[i].status == Status::Waiting {
                            self.instances[i].status = Status::Running;
                        }
                    }
                }
                _ => {}
            }
        }
        self.threads.insert(id, Thread { instance: current, opens_branch });
    }

    /// The instance an event that names its state belongs to: the thread's, or else the
    /// latest active instance of that name.
    fn named(&self, current: Option<usize>, e: &Value, key: &str) -> Option<usize> {
        let name =
            details(e, key).and_then(|d| d.get("name").or_else(|| d.get("state"))).and_then(Value::as_str);
        match (current, name) {
            (Some(i), Some(n)) if self.instances[i].name == n => Some(i),
            (_, Some(n)) => self.instances.iter().rposition(|x| x.name == n && x.status.active()).or(current),
            (c, None) => c,
        }
    }

    /// The nearest instance of `state_type` from `i` up through its parents.
    fn container(&self, mut i: Option<usize>, state_type: &str) -> Option<usize> {
        let start = i;
        let mut steps = 0;
        while let Some(k) = i {
            let inst = self.instances.get(k)?;
            if inst.state_type == state_type {
                return Some(k);
            }
            i = inst.parent.filter(|p| *p < k);
            steps += 1;
            if steps > self.instances.len() {
                break;
            }
        }
        start
    }

    /// Ends the still active instances inside a Parallel or Map instance (a branch whose
    /// state failed without an event of its own, like a Choice that matched nothing).
    fn end_children(&mut self, container: usize, how: Status) {
        for i in 0..self.instances.len() {
            if self.instances[i].status.active() && self.descends_from(i, container) {
                self.finish(i, how);
            }
        }
    }

    fn descends_from(&self, mut i: usize, container: usize) -> bool {
        // Parents always come before children, so this walk ends.
        while let Some(p) = self.instances.get(i).and_then(|x| x.parent) {
            if p == container {
                return true;
            }
            if p >= i {
                return false;
            }
            i = p;
        }
        false
    }

    /// The execution ended: whatever is still active ends with it.
    fn end_all(&mut self, how: Status) {
        for i in 0..self.instances.len() {
            if self.instances[i].status.active() {
                self.finish(i, how);
            }
        }
    }

    fn finish(&mut self, i: usize, how: Status) {
        let inst = &mut self.instances[i];
        inst.status = if inst.failing && how != Status::Succeeded { Status::Failed } else { how };
    }

    fn result(self) -> BTreeMap<String, Status> {
        let mut out: BTreeMap<String, Status> = BTreeMap::new();
        for inst in self.instances.into_iter().filter(|i| !i.superseded && !i.name.is_empty()) {
            let status = if inst.failing && inst.status.active() { Status::Failed } else { inst.status };
            out.entry(inst.name)
                .and_modify(|s| {
                    if status.rank() > s.rank() {
                        *s = status;
                    }
                })
                .or_insert(status);
        }
        out
    }
}

fn is_task_failure(kind: &str) -> bool {
    ["Task", "Activity", "LambdaFunction"].iter().any(|f| {
        kind.strip_prefix(f).is_some_and(|rest| {
            matches!(rest, "Failed" | "TimedOut" | "StartFailed" | "ScheduleFailed" | "SubmitFailed")
        })
    })
}

fn is_task_success(kind: &str) -> bool {
    matches!(kind, "TaskSucceeded" | "ActivitySucceeded" | "LambdaFunctionSucceeded")
}
