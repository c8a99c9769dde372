//! What every shell does around one transition, whatever it stores into and however it performs
//! effects: the in-memory copy of an execution between events ([`Live`]), loading it
//! ([`load`]), turning a core [`Step`] into one conditional [`Commit`] (state, history, outbox,
//! tokens, summary) with [`prepare`], and the outbox keys an event settles. The embedded
//! engine (`super`) and the serverless step function both build on it.

use super::{EngineConfig, Error, Result};
use crate::env::token_hash;
use crate::ports::{
    Commit, ExecutionRecord, ExecutionStatus, ExecutionSummary, HistoryRow, MachineKind, OutboxEntry,
    RevisionRecord, Store, TokenRecord, RECORD_VERSION,
};
use crate::runner::Resolution;
use serde_json::Value;
use statecraft_asl::{parse, Definition, MachineType, Resource};
use statecraft_core::{
    Effect, Env, Event, EventKind, Execution, ExecutionInfo, Status, Step, TaskId, TimerId,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// An execution held in memory between events, with what its next commit needs.
pub struct Live {
    pub exec: Execution,
    pub def: Arc<Definition>,
    pub version: u64,
    pub summary: ExecutionSummary,
    pub revision_id: String,
    /// Keys of the outbox entries stored for this execution.
    pub outbox: BTreeMap<String, Effect>,
    /// Token hashes issued for tasks still in flight.
    pub tokens: HashMap<TaskId, String>,
    /// States entered by the step [`prepare`] last turned into a commit (for observers).
    pub entered: u64,
}

/// Parsed definitions by revision (a definition is parsed once per process).
#[derive(Default)]
pub struct Definitions {
    cache: Mutex<HashMap<String, Arc<Definition>>>,
}

impl Definitions {
    /// The parsed definition of a revision, if this process parsed it already (so a warm
    /// shell need not read the revision again).
    pub fn cached(&self, state_machine_arn: &str, revision_id: &str) -> Option<Arc<Definition>> {
        let key = format!("{state_machine_arn}#{revision_id}");
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned()
    }

    pub fn get(&self, revision: &RevisionRecord) -> Result<Arc<Definition>> {
        let key = format!("{}#{}", revision.state_machine_arn, revision.revision_id);
        if let Some(d) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(d.clone());
        }
        let def = parse(&revision.definition, MachineType::Standard).into_result().map_err(|diags| {
            Error::InvalidDefinition(diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("; "))
        })?;
        let def = Arc::new(def);
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, def.clone());
        Ok(def)
    }
}

/// Outbox keys: one per task in flight and one per timer.
pub fn task_key(t: TaskId) -> String {
    format!("k:{}:{}", t.frame, t.seq)
}

pub fn timer_key(t: &TimerId) -> String {
    format!("t:{}:{}:{:?}:{}", t.frame, t.seq, t.kind, t.round)
}

pub fn status_of(s: Status) -> ExecutionStatus {
    match s {
        Status::Running => ExecutionStatus::Running,
        Status::Succeeded => ExecutionStatus::Succeeded,
        Status::Failed => ExecutionStatus::Failed,
        Status::TimedOut => ExecutionStatus::TimedOut,
        Status::Aborted => ExecutionStatus::Aborted,
    }
}

/// The stored outbox of an execution, decoded, by key.
pub async fn outbox_effects(store: &dyn Store, arn: &str) -> Result<Vec<(String, Effect)>> {
    let mut out = Vec::new();
    for entry in store.outbox(arn).await? {
        let effect: Effect = serde_json::from_slice(&entry.effect)
            .map_err(|e| Error::Internal(format!("outbox entry {} of {arn}: {e}", entry.key)))?;
        out.push((entry.key, effect));
    }
    Ok(out)
}

/// Loads an execution from the store into a [`Live`].
pub async fn load(store: &dyn Store, definitions: &Definitions, arn: &str) -> Result<Option<Live>> {
    let Some(rec) = store.get_execution(arn).await? else { return Ok(None) };
    load_record(store, definitions, rec).await.map(Some)
}

/// [`load`] for a record already read (a shell that keeps its own data beside the state reads
/// the record itself). The revision is read only when `definitions` has not parsed it yet.
pub async fn load_record(store: &dyn Store, definitions: &Definitions, rec: ExecutionRecord) -> Result<Live> {
    let arn = rec.summary.arn.clone();
    let arn = arn.as_str();
    let def = match definitions.cached(&rec.summary.state_machine_arn, &rec.revision_id) {
        Some(def) => def,
        None => {
            let revision =
                store.get_revision(&rec.summary.state_machine_arn, &rec.revision_id).await?.ok_or_else(
                    || Error::Internal(format!("revision {} of {} is missing", rec.revision_id, arn)),
                )?;
            definitions.get(&revision)?
        }
    };
    let exec: Execution = decode_state(&rec.state)?;
    let mut outbox = BTreeMap::new();
    let mut tokens = HashMap::new();
    for (key, effect) in outbox_effects(store, arn).await? {
        if let Effect::InvokeTask(req) = &effect {
            if let Some(t) = &req.token {
                tokens.insert(req.task, token_hash(t));
            }
        }
        outbox.insert(key, effect);
    }
    Ok(Live {
        exec,
        def,
        version: rec.version,
        summary: rec.summary,
        revision_id: rec.revision_id,
        outbox,
        tokens,
        entered: 0,
    })
}

/// Builds the commit for a step, updating the live copy's bookkeeping, and returns the
/// effects to perform once it is written.
pub fn prepare(live: &mut Live, step: Step, event: Option<&Event>, now: i64) -> (Commit, Vec<Effect>) {
    let mut commit = Commit { expected_version: live.version, ..Commit::default() };
    live.entered =
        step.history.iter().filter(|e| matches!(e.kind, EventKind::StateEntered { .. })).count() as u64;
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
                        expires: req.timeout_seconds.map(|t| now + t as i64 * 1000),
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

/// Outbox keys an event settles (the task it completes, the timer that fired).
pub fn settled_keys(event: &Event, live: &Live) -> Vec<String> {
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

pub fn settled_task(event: &Event) -> Option<TaskId> {
    match event {
        Event::TaskSucceeded { task, .. }
        | Event::TaskFailed { task, .. }
        | Event::TaskTimedOut { task, .. } => Some(*task),
        _ => None,
    }
}

pub fn resolution_event(task: TaskId, r: Resolution) -> Event {
    match r {
        Resolution::Succeeded(output) => Event::TaskSucceeded { task, output },
        Resolution::Failed { error, cause } => Event::TaskFailed { task, error, cause },
        Resolution::TimedOut { error, cause } => Event::TaskTimedOut { task, error, cause },
    }
}

/// The stored form of the core's state, versioned.
#[derive(serde::Serialize)]
pub struct StateEnvelope<'a> {
    pub v: u32,
    pub exec: &'a Execution,
}

#[derive(serde::Deserialize)]
struct StateEnvelopeOwned {
    v: u32,
    exec: Execution,
}

pub fn decode_state(bytes: &[u8]) -> Result<Execution> {
    let env: StateEnvelopeOwned =
        serde_json::from_slice(bytes).map_err(|e| Error::Internal(format!("stored execution state: {e}")))?;
    if env.v != 1 {
        return Err(Error::Internal(format!("stored execution state has unknown version {}", env.v)));
    }
    Ok(env.exec)
}

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

/// A new execution: applies `Started` (running its first transitions) and returns the live
/// copy, the record to create, its first commit and the effects to perform after it.
pub fn begin(
    req: &StartRequest,
    def: Arc<Definition>,
    config: &EngineConfig,
    env: &dyn Env,
    now: i64,
) -> (Live, ExecutionRecord, Commit, Vec<Effect>) {
    begin_with(req, def, config, env, now, false)
}

/// [`begin`] for a shell that runs Parallel branches and Map iterations as records of their
/// own (`detached`: see `statecraft_core::detached`), which must be set before `Started`.
pub fn begin_with(
    req: &StartRequest,
    def: Arc<Definition>,
    config: &EngineConfig,
    env: &dyn Env,
    now: i64,
    detached: bool,
) -> (Live, ExecutionRecord, Commit, Vec<Effect>) {
    let info = ExecutionInfo {
        execution_arn: req.execution_arn.clone(),
        name: req.name.clone(),
        state_machine_arn: req.state_machine_arn.clone(),
        state_machine_name: req.state_machine_name.clone(),
        role_arn: req.revision.role_arn.clone(),
        region: config.region.clone(),
        account: config.account.clone(),
        start_time: now,
        input: req.input.clone(),
        redrive_count: 0,
    };
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
        input: serde_json::to_string(&req.input).unwrap_or_default(),
        output: None,
        error: None,
        cause: None,
        redrive_count: 0,
        redrive_date: None,
        trace_header: req.trace_header.clone(),
        parent_arn: req.parent_arn.clone(),
    };
    let mut live = Live {
        exec: Execution::new(info, config.limits),
        def: def.clone(),
        version: 0,
        summary: summary.clone(),
        revision_id: req.revision.revision_id.clone(),
        outbox: BTreeMap::new(),
        tokens: HashMap::new(),
        entered: 0,
    };
    live.exec.detached = detached;
    let step = live.exec.apply(&def, Event::Started, env);
    let (commit, effects) = prepare(&mut live, step, None, now);
    let record = ExecutionRecord {
        record_version: RECORD_VERSION,
        summary,
        revision_id: live.revision_id.clone(),
        state: Vec::new(),
        version: 0,
    };
    (live, record, commit, effects)
}
