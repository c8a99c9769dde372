//! The durable engine: the one loop that applies events to executions and performs the
//! core's effects through the ports.
//!
//! Every change goes the same way ([`Engine::deliver`]): take the execution's lock, load it
//! (or use the cached copy), apply the event with the pure core, write *one* conditional
//! [`Commit`] (state, history, outbox, tokens), and only then perform the effects. Effects that
//! must survive a crash (task invocations, timers) are in the outbox until their consequence is
//! committed; a restarted engine replays the outbox ([`Engine::recover`]). A duplicate or late
//! event is stale for the core and changes nothing.

mod activities;
mod nested;
mod timers;
pub mod transition;

pub use activities::ActivityTask;
use transition::{resolution_event, settled_keys};
pub use transition::{Live, StartRequest};

use crate::env::{now_millis, token_hash, SystemEnv};
use crate::invoke::{ActivityPush, Invocation, TaskInvoker};
use crate::ports::{self, ExecutionStatus, ExecutionSummary, RevisionRecord, Store};
use statecraft_asl::{Definition, Resource};
use statecraft_core::{Effect, Event, Limits, TaskId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::{oneshot, Mutex as AsyncMutex};

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub region: String,
    pub account: String,
    pub limits: Limits,
    /// How long GetActivityTask holds a request open when no task is waiting (AWS: ~60 s).
    pub activity_poll: std::time::Duration,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            region: "us-east-1".into(),
            account: "123456789012".into(),
            limits: Limits::default(),
            activity_poll: std::time::Duration::from_secs(60),
        }
    }
}

/// Engine failures (storage, or a definition that no longer parses).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Store(#[from] ports::Error),
    #[error("execution {0} does not exist")]
    ExecutionDoesNotExist(String),
    #[error("an execution named {0} already exists")]
    ExecutionAlreadyExists(String),
    #[error("invalid definition: {0}")]
    InvalidDefinition(String),
    #[error("invalid token")]
    InvalidToken,
    #[error("the task token has expired or its task is already closed")]
    TaskTimedOut,
    #[error("execution not redrivable: {0}")]
    NotRedrivable(String),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// The outcome of a StartExecution.
#[derive(Debug, Clone)]
pub struct Started {
    pub summary: ExecutionSummary,
    /// False when an identical execution was already running (idempotent start).
    pub created: bool,
}

type Slot = Arc<AsyncMutex<Option<Live>>>;

/// Told when an execution starts (or is redriven) and when it ends, after the commit that
/// made it so; for status-change notifications. Called on the engine's tasks: must not block.
pub trait Observer: Send + Sync {
    /// An execution started or was redriven. The summary is as committed: an execution that
    /// ran to its end within its first transition already shows its final status.
    fn started(&self, summary: &ExecutionSummary);
    /// An execution ended; the summary has its final status, output or error.
    fn finished(&self, summary: &ExecutionSummary);
}

pub(crate) struct Inner {
    store: Arc<dyn Store>,
    invoker: Arc<dyn TaskInvoker>,
    env: SystemEnv,
    config: EngineConfig,
    definitions: transition::Definitions,
    slots: Mutex<HashMap<String, Slot>>,
    timers: timers::Timers,
    activities: activities::Hub,
    running: Mutex<HashMap<(String, TaskId), tokio::task::JoinHandle<()>>>,
    watchers: Mutex<HashMap<String, Vec<oneshot::Sender<ExecutionSummary>>>>,
    push: std::sync::OnceLock<Arc<dyn ActivityPush>>,
    nested: std::sync::OnceLock<Arc<dyn crate::invoke::NestedExecutions>>,
    /// Child executions started by tasks in flight: (parent, task) -> child ARN.
    children: Mutex<HashMap<(String, TaskId), String>>,
    observer: std::sync::OnceLock<Arc<dyn Observer>>,
}

/// The engine. Cheap to clone; all clones drive the same executions.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl Engine {
    /// Starts the engine's timer loop; call inside a tokio runtime.
    pub fn new(store: Arc<dyn Store>, invoker: Arc<dyn TaskInvoker>, config: EngineConfig) -> Engine {
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
            store,
            invoker,
            env: SystemEnv,
            config,
            definitions: transition::Definitions::default(),
            slots: Mutex::new(HashMap::new()),
            timers: timers::Timers::start(weak.clone()),
            activities: activities::Hub::default(),
            running: Mutex::new(HashMap::new()),
            watchers: Mutex::new(HashMap::new()),
            push: std::sync::OnceLock::new(),
            nested: std::sync::OnceLock::new(),
            children: Mutex::new(HashMap::new()),
            observer: std::sync::OnceLock::new(),
        });
        Engine { inner }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Pushes activity tasks to their subscribers (set once, before executions start).
    pub fn set_activity_push(&self, push: Arc<dyn ActivityPush>) {
        let _ = self.inner.push.set(push);
    }

    /// Runs `states:startExecution` tasks on this same server (set once, at start).
    pub fn set_nested(&self, nested: Arc<dyn crate::invoke::NestedExecutions>) {
        let _ = self.inner.nested.set(nested);
    }

    /// Tells `observer` of starts and ends (set once, before executions start).
    pub fn set_observer(&self, observer: Arc<dyn Observer>) {
        let _ = self.inner.observer.set(observer);
    }

    /// What runs tasks (TestState calls it directly).
    pub fn invoker(&self) -> &Arc<dyn TaskInvoker> {
        &self.inner.invoker
    }

    /// The parsed definition of a revision (cached).
    pub fn definition(&self, revision: &RevisionRecord) -> Result<Arc<Definition>> {
        self.inner.definitions.get(revision)
    }

    /// Starts an execution: the first transitions are applied and committed together with the
    /// execution record, so an acknowledged start is durable.
    pub async fn start(&self, req: StartRequest) -> Result<Started> {
        self.inner.start(req).await
    }

    /// Applies an event to an execution. Returns false when the event was stale or the
    /// execution already finished (nothing changed).
    pub async fn deliver(&self, arn: &str, event: Event) -> Result<bool> {
        Inner::deliver(&self.inner, arn, event).await
    }

    /// Resolves a task token to its execution and task, if it is still valid.
    pub async fn task_for_token(&self, token: &str) -> Result<(String, TaskId)> {
        self.inner.task_for_token(token).await
    }

    /// SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat.
    pub async fn complete_task(&self, token: &str, event: impl FnOnce(TaskId) -> Event) -> Result<()> {
        let (arn, task) = self.inner.task_for_token(token).await?;
        if Inner::deliver(&self.inner, &arn, event(task)).await? {
            Ok(())
        } else {
            Err(Error::TaskTimedOut)
        }
    }

    /// StopExecution.
    pub async fn stop(&self, arn: &str, error: Option<String>, cause: Option<String>) -> Result<bool> {
        Inner::deliver(&self.inner, arn, Event::Stopped { error, cause }).await
    }

    /// RedriveExecution: restarts an unsuccessful execution from where it stopped.
    pub async fn redrive(&self, arn: &str) -> Result<ExecutionSummary> {
        Inner::redrive(&self.inner, arn).await
    }

    /// Waits until the execution ends (StartSyncExecution, `.sync` parents, tests).
    pub async fn wait_finished(&self, arn: &str) -> Result<ExecutionSummary> {
        let rx = {
            let (tx, rx) = oneshot::channel();
            self.inner
                .watchers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(arn.to_string())
                .or_default()
                .push(tx);
            rx
        };
        // It may have finished before we registered.
        if let Some(rec) = self.inner.store.get_execution(arn).await? {
            if rec.summary.status != ExecutionStatus::Running {
                return Ok(rec.summary);
            }
        } else {
            return Err(Error::ExecutionDoesNotExist(arn.to_string()));
        }
        rx.await.map_err(|_| Error::Internal("engine shut down".into()))
    }

    /// GetActivityTask: waits up to the configured poll time for a task of this activity.
    pub async fn poll_activity(
        &self,
        activity_arn: &str,
        worker: Option<String>,
    ) -> Result<Option<ActivityTask>> {
        activities::poll(&self.inner, activity_arn, worker).await
    }

    /// How many executions are held in memory (running ones with work in flight; parked and
    /// finished executions are not).
    pub fn resident(&self) -> usize {
        self.inner.slots.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Activity tasks waiting for a worker, per activity ARN.
    pub fn activity_backlog(&self) -> HashMap<String, usize> {
        self.inner.activities.backlog()
    }

    /// After a restart: re-arms every stored timer (at its original time, or now if overdue)
    /// and re-runs every task that was in flight (at-least-once).
    pub async fn recover(&self) -> Result<usize> {
        let arns = self.inner.store.executions_with_outbox().await?;
        let n = arns.len();
        for arn in arns {
            // An execution waiting only on timers is not loaded: re-arming them is enough, and
            // the one that fires loads it (a restart with many long Waits reads only outboxes).
            let stored = transition::outbox_effects(self.inner.store.as_ref(), &arn).await?;
            if !stored.is_empty() && stored.iter().all(|(_, e)| matches!(e, Effect::ScheduleTimer { .. })) {
                self.inner.dispatch(&arn, stored.into_iter().map(|(_, e)| e).collect());
                continue;
            }
            let slot = self.inner.slot(&arn);
            let mut guard = slot.lock().await;
            if guard.is_none() {
                *guard = transition::load(self.inner.store.as_ref(), &self.inner.definitions, &arn).await?;
            }
            let Some(live) = guard.as_ref() else { continue };
            let effects: Vec<Effect> = live.outbox.values().cloned().collect();
            let park = parked(live, now_millis());
            drop(guard);
            if park {
                self.inner.evict(&arn);
            }
            self.inner.dispatch(&arn, effects);
        }
        Ok(n)
    }
}

/// How far away every timer of an execution must be for it to leave memory between events.
const PARK_AFTER_MILLIS: i64 = 2_000;

/// Whether an execution at rest is parked: it waits for nothing but timers, none of them due
/// within [`PARK_AFTER_MILLIS`]. A parked execution is not kept in memory (a Wait of hours
/// costs its timer, not its state); the event that wakes it loads it from the store, as after
/// a restart.
fn parked(live: &Live, now: i64) -> bool {
    !live.outbox.is_empty()
        && live
            .outbox
            .values()
            .all(|e| matches!(e, Effect::ScheduleTimer { at, .. } if *at >= now + PARK_AFTER_MILLIS))
}

impl Inner {
    fn slot(&self, arn: &str) -> Slot {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).entry(arn.to_string()).or_default().clone()
    }

    fn evict(&self, arn: &str) {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).remove(arn);
    }

    async fn start(self: &Arc<Self>, req: StartRequest) -> Result<Started> {
        let def = self.definitions.get(&req.revision)?;
        let (mut live, record, commit, effects) =
            transition::begin(&req, def, &self.config, &self.env, now_millis());
        let input_text = record.summary.input.clone();
        match self.store.create_execution(&record, &commit).await {
            Ok(()) => {}
            Err(ports::Error::AlreadyExists) => {
                // Idempotent start: same name, same input, still running.
                let existing = self.store.get_execution(&req.execution_arn).await?;
                return match existing {
                    Some(e)
                        if e.summary.status == ExecutionStatus::Running && e.summary.input == input_text =>
                    {
                        Ok(Started { summary: e.summary, created: false })
                    }
                    _ => Err(Error::ExecutionAlreadyExists(req.execution_arn)),
                };
            }
            Err(e) => return Err(e.into()),
        }
        live.version = 1;
        let summary = live.summary.clone();
        let finished = live.exec.is_finished();
        if !finished && !parked(&live, now_millis()) {
            *self.slot(&req.execution_arn).lock().await = Some(live);
        }
        if let Some(o) = self.observer.get() {
            o.started(&summary);
        }
        self.dispatch(&req.execution_arn, effects);
        Ok(Started { summary, created: true })
    }

    async fn redrive(self: &Arc<Self>, arn: &str) -> Result<ExecutionSummary> {
        for _attempt in 0..8 {
            let slot = self.slot(arn);
            let mut guard = slot.lock().await;
            if guard.is_none() {
                match transition::load(self.store.as_ref(), &self.definitions, arn).await? {
                    Some(l) => *guard = Some(l),
                    None => return Err(Error::ExecutionDoesNotExist(arn.to_string())),
                }
            }
            let Some(live) = guard.as_mut() else { continue };
            let def = live.def.clone();
            let step = live.exec.redrive(&def, &self.env).map_err(|e| Error::NotRedrivable(e.to_string()))?;
            let now = now_millis();
            let s = &mut live.summary;
            s.status = ExecutionStatus::Running;
            s.stop = None;
            s.output = None;
            s.error = None;
            s.cause = None;
            s.redrive_count = live.exec.info.redrive_count;
            s.redrive_date = Some(now);
            let (commit, effects) = transition::prepare(live, step, None, now_millis());
            match self.store.commit(arn, &commit).await {
                Ok(()) => {
                    live.version += 1;
                    let summary = live.summary.clone();
                    let finished = live.exec.is_finished();
                    drop(guard);
                    if finished {
                        self.evict(arn);
                    }
                    if let Some(o) = self.observer.get() {
                        o.started(&summary);
                    }
                    self.dispatch(arn, effects);
                    return Ok(summary);
                }
                Err(ports::Error::Conflict) => {
                    *guard = None;
                    continue;
                }
                Err(e) => {
                    *guard = None;
                    return Err(e.into());
                }
            }
        }
        Err(Error::Internal(format!("execution {arn}: too many conflicting writers")))
    }

    async fn deliver(self: &Arc<Self>, arn: &str, event: Event) -> Result<bool> {
        for _attempt in 0..8 {
            let slot = self.slot(arn);
            let mut guard = slot.lock().await;
            if guard.is_none() {
                match transition::load(self.store.as_ref(), &self.definitions, arn).await? {
                    Some(l) => *guard = Some(l),
                    None => return Err(Error::ExecutionDoesNotExist(arn.to_string())),
                }
            }
            let Some(live) = guard.as_mut() else { continue };
            if live.exec.is_finished() {
                return Ok(false);
            }
            let applies = match &event {
                Event::TaskStarted { task, .. }
                | Event::TaskSubmitted { task, .. }
                | Event::TaskSucceeded { task, .. }
                | Event::TaskFailed { task, .. }
                | Event::TaskTimedOut { task, .. }
                | Event::TaskHeartbeat { task } => live.exec.is_pending_task(*task),
                _ => true,
            };
            let def = live.def.clone();
            let step = live.exec.apply(&def, event.clone(), &self.env);
            if !applies && step.history.is_empty() && step.effects.is_empty() {
                // Stale: clean up what the event settles, if anything is left.
                let done = settled_keys(&event, live);
                if done.is_empty() {
                    return Ok(false);
                }
            }
            let (commit, effects) = transition::prepare(live, step, Some(&event), now_millis());
            match self.store.commit(arn, &commit).await {
                Ok(()) => {
                    live.version += 1;
                    let leave = live.exec.is_finished() || parked(live, now_millis());
                    drop(guard);
                    if leave {
                        self.evict(arn);
                    }
                    self.dispatch(arn, effects);
                    return Ok(applies);
                }
                Err(ports::Error::Conflict) => {
                    *guard = None; // someone else moved it: reload and retry
                    continue;
                }
                Err(e) => {
                    *guard = None;
                    return Err(e.into());
                }
            }
        }
        Err(Error::Internal(format!("execution {arn}: too many conflicting writers")))
    }

    /// Performs effects after their commit.
    fn dispatch(self: &Arc<Self>, arn: &str, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::InvokeTask(req) => {
                    if let Resource::Activity { arn: activity, .. } = &req.resource {
                        let activity = activity.clone();
                        if let Some(push) = self.push.get().filter(|p| p.pushes(&activity)).cloned() {
                            self.push_activity(push, &activity, arn, &req);
                        }
                        self.activities.enqueue(&activity, arn, *req);
                        continue;
                    }
                    if let Some(nested) =
                        self.nested.get().filter(|_| nested::is_start_execution(&req.resource)).cloned()
                    {
                        nested::spawn(self, nested, arn, *req);
                        continue;
                    }
                    let me = self.clone();
                    let exec_arn = arn.to_string();
                    let task = req.task;
                    let handle = tokio::spawn(async move {
                        let outcome = me.invoker.invoke(&req).await;
                        let events = match outcome {
                            Invocation::Submitted(output) => vec![Event::TaskSubmitted { task, output }],
                            Invocation::Done(r) => vec![resolution_event(task, r)],
                        };
                        for ev in events {
                            if let Err(e) = Inner::deliver(&me, &exec_arn, ev).await {
                                tracing_warn(&format!("delivering the result of a task of {exec_arn}: {e}"));
                            }
                        }
                        me.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&(exec_arn, task));
                    });
                    self.running
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert((arn.to_string(), task), handle);
                }
                Effect::ScheduleTimer { timer, at } => self.timers.schedule(arn, timer, at),
                Effect::CancelTask { task } => {
                    if let Some(h) = self
                        .running
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&(arn.to_string(), task))
                    {
                        h.abort();
                    }
                    self.activities.cancel(arn, task);
                    let child = self
                        .children
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&(arn.to_string(), task));
                    if let (Some(child), Some(nested)) = (child, self.nested.get().cloned()) {
                        tokio::spawn(async move { nested.stop_nested(&child).await });
                    }
                }
                Effect::ExecutionFinished => {
                    let arn = arn.to_string();
                    let me = self.clone();
                    tokio::spawn(async move { me.notify_finished(&arn).await });
                }
                _ => {}
            }
        }
    }

    /// Pushes an activity task; once a subscriber accepted it, it is started (and no longer
    /// offered to pollers).
    fn push_activity(
        self: &Arc<Self>,
        push: Arc<dyn ActivityPush>,
        activity: &str,
        arn: &str,
        req: &statecraft_core::TaskRequest,
    ) {
        let me = self.clone();
        let key = (arn.to_string(), req.task);
        let (activity, arn, task) = (activity.to_string(), arn.to_string(), req.task);
        let token = req.token.clone().unwrap_or_default();
        let input = req.input.clone();
        let deadline =
            now_millis() + req.timeout_seconds.map(|t| t as i64 * 1000).unwrap_or(24 * 3600 * 1000);
        let handle = tokio::spawn(async move {
            match push.push(&activity, &arn, &token, &input, deadline).await {
                Ok(()) => {
                    me.activities.cancel(&arn, task);
                    let started = Event::TaskStarted { task, worker_name: Some("webhook".into()) };
                    if let Err(e) = Inner::deliver(&me, &arn, started).await {
                        tracing_warn(&format!(
                            "activity task of {arn} pushed, but recording its start failed: {e}"
                        ));
                    }
                }
                Err(e) => tracing_warn(&format!(
                    "pushing an activity task of {arn}: {e}; it stays available to GetActivityTask"
                )),
            }
            me.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&(arn, task));
        });
        self.running.lock().unwrap_or_else(|e| e.into_inner()).insert(key, handle);
    }

    async fn notify_finished(&self, arn: &str) {
        let waiters = self.watchers.lock().unwrap_or_else(|e| e.into_inner()).remove(arn);
        let observer = self.observer.get();
        if waiters.is_none() && observer.is_none() {
            return;
        }
        if let Ok(Some(rec)) = self.store.get_execution(arn).await {
            if let Some(o) = observer {
                o.finished(&rec.summary);
            }
            for w in waiters.into_iter().flatten() {
                let _ = w.send(rec.summary.clone());
            }
        }
    }

    async fn task_for_token(&self, token: &str) -> Result<(String, TaskId)> {
        let hash = token_hash(token);
        let Some(rec) = self.store.get_token(&hash).await? else {
            // Closed tokens are removed with the task they opened.
            return Err(if crate::env::is_task_token_shaped(token) {
                Error::TaskTimedOut
            } else {
                Error::InvalidToken
            });
        };
        if rec.expires.is_some_and(|t| t < now_millis()) {
            return Err(Error::TaskTimedOut);
        }
        let task: TaskId = serde_json::from_slice(&rec.task).map_err(|_| Error::InvalidToken)?;
        Ok((rec.execution_arn, task))
    }
}

fn tracing_warn(msg: &str) {
    eprintln!("statecraft: warning: {msg}");
}
