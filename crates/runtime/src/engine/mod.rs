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
mod timers;

pub use activities::ActivityTask;

use crate::env::{now_millis, token_hash, SystemEnv};
use crate::invoke::{ActivityPush, Invocation, TaskInvoker};
use crate::ports::{
    self, Commit, ExecutionRecord, ExecutionStatus, ExecutionSummary, HistoryRow, MachineKind, OutboxEntry,
    RevisionRecord, Store, TokenRecord, RECORD_VERSION,
};
use crate::runner::Resolution;
use serde_json::Value;
use statecraft_asl::{parse, Definition, MachineType, Resource};
use statecraft_core::{Effect, Event, Execution, ExecutionInfo, Limits, Status, Step, TaskId, TimerId};
use std::collections::{BTreeMap, HashMap};
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

/// What StartExecution asks for.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub execution_arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub version_arn: Option<String>,
    pub alias_arn: Option<String>,
    pub kind: MachineKind,
    pub revision: RevisionRecord,
    pub input: Value,
    pub trace_header: Option<String>,
    pub parent_arn: Option<String>,
}

/// The outcome of a StartExecution.
#[derive(Debug, Clone)]
pub struct Started {
    pub summary: ExecutionSummary,
    /// False when an identical execution was already running (idempotent start).
    pub created: bool,
}

/// An execution held in memory between events, with what its next commit needs.
struct Live {
    exec: Execution,
    def: Arc<Definition>,
    version: u64,
    summary: ExecutionSummary,
    revision_id: String,
    /// Keys of the outbox entries stored for this execution.
    outbox: BTreeMap<String, Effect>,
    /// Token hashes issued for tasks still in flight.
    tokens: HashMap<TaskId, String>,
}

type Slot = Arc<AsyncMutex<Option<Live>>>;

pub(crate) struct Inner {
    store: Arc<dyn Store>,
    invoker: Arc<dyn TaskInvoker>,
    env: SystemEnv,
    config: EngineConfig,
    definitions: Mutex<HashMap<String, Arc<Definition>>>,
    slots: Mutex<HashMap<String, Slot>>,
    timers: timers::Timers,
    activities: activities::Hub,
    running: Mutex<HashMap<(String, TaskId), tokio::task::JoinHandle<()>>>,
    watchers: Mutex<HashMap<String, Vec<oneshot::Sender<ExecutionSummary>>>>,
    push: std::sync::OnceLock<Arc<dyn ActivityPush>>,
}

/// The engine. Cheap to clone; all clones drive the same executions.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// Outbox keys: one per task in flight and one per timer.
fn task_key(t: TaskId) -> String {
    format!("k:{}:{}", t.frame, t.seq)
}

fn timer_key(t: &TimerId) -> String {
    format!("t:{}:{}:{:?}:{}", t.frame, t.seq, t.kind, t.round)
}

fn status_of(s: Status) -> ExecutionStatus {
    match s {
        Status::Running => ExecutionStatus::Running,
        Status::Succeeded => ExecutionStatus::Succeeded,
        Status::Failed => ExecutionStatus::Failed,
        Status::TimedOut => ExecutionStatus::TimedOut,
        Status::Aborted => ExecutionStatus::Aborted,
    }
}

impl Engine {
    /// Starts the engine's timer loop; call inside a tokio runtime.
    pub fn new(store: Arc<dyn Store>, invoker: Arc<dyn TaskInvoker>, config: EngineConfig) -> Engine {
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
            store,
            invoker,
            env: SystemEnv,
            config,
            definitions: Mutex::new(HashMap::new()),
            slots: Mutex::new(HashMap::new()),
            timers: timers::Timers::start(weak.clone()),
            activities: activities::Hub::default(),
            running: Mutex::new(HashMap::new()),
            watchers: Mutex::new(HashMap::new()),
            push: std::sync::OnceLock::new(),
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

    /// What runs tasks (TestState calls it directly).
    pub fn invoker(&self) -> &Arc<dyn TaskInvoker> {
        &self.inner.invoker
    }

    /// The parsed definition of a revision (cached).
    pub fn definition(&self, revision: &RevisionRecord) -> Result<Arc<Definition>> {
        self.inner.definition(revision)
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
            let slot = self.inner.slot(&arn);
            let mut guard = slot.lock().await;
            if guard.is_none() {
                *guard = self.inner.load(&arn).await?;
            }
            let Some(live) = guard.as_ref() else { continue };
            let effects: Vec<Effect> = live.outbox.values().cloned().collect();
            drop(guard);
            self.inner.dispatch(&arn, effects);
        }
        Ok(n)
    }
}

impl Inner {
    fn definition(&self, revision: &RevisionRecord) -> Result<Arc<Definition>> {
        let key = format!("{}#{}", revision.state_machine_arn, revision.revision_id);
        if let Some(d) = self.definitions.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(d.clone());
        }
        let def = parse(&revision.definition, MachineType::Standard).into_result().map_err(|diags| {
            Error::InvalidDefinition(diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))
        })?;
        let def = Arc::new(def);
        self.definitions.lock().unwrap_or_else(|e| e.into_inner()).insert(key, def.clone());
        Ok(def)
    }

    fn slot(&self, arn: &str) -> Slot {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).entry(arn.to_string()).or_default().clone()
    }

    fn evict(&self, arn: &str) {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).remove(arn);
    }

    async fn start(self: &Arc<Self>, req: StartRequest) -> Result<Started> {
        let def = self.definition(&req.revision)?;
        let now = now_millis();
        let info = ExecutionInfo {
            execution_arn: req.execution_arn.clone(),
            name: req.name.clone(),
            state_machine_arn: req.state_machine_arn.clone(),
            state_machine_name: req.state_machine_name.clone(),
            role_arn: req.revision.role_arn.clone(),
            region: self.config.region.clone(),
            account: self.config.account.clone(),
            start_time: now,
            input: req.input.clone(),
            redrive_count: 0,
        };
        let input_text = serde_json::to_string(&req.input).unwrap_or_default();
        let summary = ExecutionSummary {
            arn: req.execution_arn.clone(),
            name: req.name.clone(),
            state_machine_arn: req.state_machine_arn.clone(),
            version_arn: req.version_arn.clone(),
            alias_arn: req.alias_arn.clone(),
            kind: req.kind,
            status: ExecutionStatus::Running,
            start: now,
            stop: None,
            input: input_text.clone(),
            output: None,
            error: None,
            cause: None,
            redrive_count: 0,
            redrive_date: None,
            trace_header: req.trace_header.clone(),
            parent_arn: req.parent_arn.clone(),
        };
        let mut live = Live {
            exec: Execution::new(info, self.config.limits),
            def: def.clone(),
            version: 0,
            summary: summary.clone(),
            revision_id: req.revision.revision_id.clone(),
            outbox: BTreeMap::new(),
            tokens: HashMap::new(),
        };
        let step = live.exec.apply(&def, Event::Started, &self.env);
        let (commit, effects) = self.prepare(&mut live, step, None);
        let record = ExecutionRecord {
            record_version: RECORD_VERSION,
            summary: summary.clone(),
            revision_id: live.revision_id.clone(),
            state: Vec::new(),
            version: 0,
        };
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
        if !finished {
            *self.slot(&req.execution_arn).lock().await = Some(live);
        }
        self.dispatch(&req.execution_arn, effects);
        Ok(Started { summary, created: true })
    }

    /// Loads an execution from the store into a [`Live`].
    async fn load(&self, arn: &str) -> Result<Option<Live>> {
        let Some(rec) = self.store.get_execution(arn).await? else { return Ok(None) };
        let revision =
            self.store.get_revision(&rec.summary.state_machine_arn, &rec.revision_id).await?.ok_or_else(
                || Error::Internal(format!("revision {} of {} is missing", rec.revision_id, arn)),
            )?;
        let def = self.definition(&revision)?;
        let exec: Execution = decode_state(&rec.state)?;
        let mut outbox = BTreeMap::new();
        let mut tokens = HashMap::new();
        for entry in self.store.outbox(arn).await? {
            let effect: Effect = serde_json::from_slice(&entry.effect)
                .map_err(|e| Error::Internal(format!("outbox entry {} of {arn}: {e}", entry.key)))?;
            if let Effect::InvokeTask(req) = &effect {
                if let Some(t) = &req.token {
                    tokens.insert(req.task, token_hash(t));
                }
            }
            outbox.insert(entry.key, effect);
        }
        Ok(Some(Live {
            exec,
            def,
            version: rec.version,
            summary: rec.summary,
            revision_id: rec.revision_id,
            outbox,
            tokens,
        }))
    }

    async fn redrive(self: &Arc<Self>, arn: &str) -> Result<ExecutionSummary> {
        for _attempt in 0..8 {
            let slot = self.slot(arn);
            let mut guard = slot.lock().await;
            if guard.is_none() {
                match self.load(arn).await? {
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
            let (commit, effects) = self.prepare(live, step, None);
            match self.store.commit(arn, &commit).await {
                Ok(()) => {
                    live.version += 1;
                    let summary = live.summary.clone();
                    let finished = live.exec.is_finished();
                    drop(guard);
                    if finished {
                        self.evict(arn);
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
                match self.load(arn).await? {
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
            let (commit, effects) = self.prepare(live, step, Some(&event));
            match self.store.commit(arn, &commit).await {
                Ok(()) => {
                    live.version += 1;
                    let finished = live.exec.is_finished();
                    drop(guard);
                    if finished {
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

    /// Builds the commit for a step, updating the live copy's bookkeeping, and returns the
    /// effects to perform once it is written.
    fn prepare(&self, live: &mut Live, step: Step, event: Option<&Event>) -> (Commit, Vec<Effect>) {
        let mut commit = Commit { expected_version: live.version, ..Commit::default() };
        // What the event settles.
        if let Some(ev) = event {
            for key in settled_keys(ev, live) {
                live.outbox.remove(&key);
                commit.outbox_remove.push(key);
            }
            if let Some(task) = settled_task(ev) {
                if let Some(hash) = live.tokens.remove(&task) {
                    commit.tokens_remove.push(hash);
                }
            }
        }
        let mut to_dispatch = Vec::new();
        for effect in step.effects {
            match &effect {
                Effect::InvokeTask(req) => {
                    let key = task_key(req.task);
                    if let Some(token) = &req.token {
                        let hash = token_hash(token);
                        commit.tokens_add.push(TokenRecord {
                            hash: hash.clone(),
                            execution_arn: live.summary.arn.clone(),
                            task: serde_json::to_vec(&req.task).unwrap_or_default(),
                            expires: req.timeout_seconds.map(|t| now_millis() + t as i64 * 1000),
                            activity_arn: match &req.resource {
                                Resource::Activity { arn, .. } => Some(arn.clone()),
                                _ => None,
                            },
                        });
                        live.tokens.insert(req.task, hash);
                    }
                    commit.outbox_add.push(OutboxEntry {
                        key: key.clone(),
                        due: None,
                        effect: serde_json::to_vec(&effect).unwrap_or_default(),
                    });
                    live.outbox.insert(key, effect.clone());
                }
                Effect::ScheduleTimer { timer, at } => {
                    let key = timer_key(timer);
                    commit.outbox_add.push(OutboxEntry {
                        key: key.clone(),
                        due: Some(*at),
                        effect: serde_json::to_vec(&effect).unwrap_or_default(),
                    });
                    live.outbox.insert(key, effect.clone());
                }
                Effect::CancelTask { task } => {
                    let key = task_key(*task);
                    if live.outbox.remove(&key).is_some() {
                        commit.outbox_remove.push(key);
                    }
                    if let Some(hash) = live.tokens.remove(task) {
                        commit.tokens_remove.push(hash);
                    }
                }
                _ => {}
            }
            to_dispatch.push(effect);
        }
        if live.exec.is_finished() {
            // Nothing is awaited any more: clear the outbox and void every token.
            commit.outbox_remove.extend(std::mem::take(&mut live.outbox).into_keys());
            commit.tokens_remove.extend(std::mem::take(&mut live.tokens).into_values());
            let s = &mut live.summary;
            s.status = status_of(live.exec.status);
            s.stop = live.exec.stop_time;
            s.output = live.exec.output.as_ref().map(|o| serde_json::to_string(o).unwrap_or_default());
            s.error = live.exec.error.clone();
            s.cause = live.exec.cause.clone();
        }
        commit.summary = Some(live.summary.clone());
        commit.history = step
            .history
            .iter()
            .map(|e| {
                let mut buf = Vec::with_capacity(256);
                e.write_aws_json(&mut buf, true);
                HistoryRow { id: e.id, json: String::from_utf8(buf).unwrap_or_default() }
            })
            .collect();
        commit.state = serde_json::to_vec(&StateEnvelope { v: 1, exec: &live.exec }).unwrap_or_default();
        (commit, to_dispatch)
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
        let Some(waiters) = waiters else { return };
        if let Ok(Some(rec)) = self.store.get_execution(arn).await {
            for w in waiters {
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

/// Outbox keys an event settles (the task it completes, the timer that fired).
fn settled_keys(event: &Event, live: &Live) -> Vec<String> {
    let mut keys = Vec::new();
    match event {
        Event::TaskSucceeded { task, .. }
        | Event::TaskFailed { task, .. }
        | Event::TaskTimedOut { task, .. } => {
            keys.push(task_key(*task));
            let prefix = format!("t:{}:{}:", task.frame, task.seq);
            keys.extend(live.outbox.keys().filter(|k| k.starts_with(&prefix)).cloned());
        }
        Event::TimerFired { timer } => keys.push(timer_key(timer)),
        _ => {}
    }
    keys.retain(|k| live.outbox.contains_key(k));
    keys
}

fn settled_task(event: &Event) -> Option<TaskId> {
    match event {
        Event::TaskSucceeded { task, .. }
        | Event::TaskFailed { task, .. }
        | Event::TaskTimedOut { task, .. } => Some(*task),
        _ => None,
    }
}

fn resolution_event(task: TaskId, r: Resolution) -> Event {
    match r {
        Resolution::Succeeded(output) => Event::TaskSucceeded { task, output },
        Resolution::Failed { error, cause } => Event::TaskFailed { task, error, cause },
        Resolution::TimedOut { error, cause } => Event::TaskTimedOut { task, error, cause },
    }
}

/// The stored form of the core's state, versioned.
#[derive(serde::Serialize)]
struct StateEnvelope<'a> {
    v: u32,
    exec: &'a Execution,
}

#[derive(serde::Deserialize)]
struct StateEnvelopeOwned {
    v: u32,
    exec: Execution,
}

fn decode_state(bytes: &[u8]) -> Result<Execution> {
    let env: StateEnvelopeOwned =
        serde_json::from_slice(bytes).map_err(|e| Error::Internal(format!("stored execution state: {e}")))?;
    if env.v != 1 {
        return Err(Error::Internal(format!("stored execution state has unknown version {}", env.v)));
    }
    Ok(env.exec)
}

fn tracing_warn(msg: &str) {
    eprintln!("statecraft: warning: {msg}");
}
