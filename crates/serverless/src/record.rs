//! Records as the step function loads and commits them: an execution (the root record, in the
//! [`Store`](statecraft_runtime::ports::Store), through the shared transition bookkeeping) or a
//! child record of a detached fan-out (in the
//! [`FanoutStore`](statecraft_runtime::fanout_store::FanoutStore), as a [`ChildEnvelope`]). Both
//! are held as a [`Live`] so that [`transition::prepare`] builds the commit of either.
//!
//! Besides the core's state, each record keeps a little bookkeeping of the serverless shell
//! ([`Book`]): the history ids its last commit used (to link `previousEventId` across commits)
//! and the fan-outs it cancelled (to cancel them again after a crash). In the root record it
//! rides in the state envelope next to `v` and `exec` (readers of the envelope ignore it).
//!
//! History ids: every commit's events — root and children alike — are renumbered from
//! `FanoutStore::allocate_history_ids`, so an execution's history is one sequence.
//! `previousEventId` is exact within a commit and to the previous commit of the same record; a
//! child's first event points at the parent's last event before the fan-out. Ids allocated for
//! a commit that then lost a conditional write are not used: such a race leaves a gap.

use crate::message::RecordRef;
use serde::{Deserialize, Serialize};
use statecraft_core::{Effect, Execution, HistoryEvent, Step, TaskId};
use statecraft_runtime::engine::transition::{self, Live};
use statecraft_runtime::ports::{ExecutionStatus, ExecutionSummary, HistoryRow, MachineKind};
use std::collections::{BTreeMap, HashMap};

/// Version of [`ChildEnvelope`].
pub const CHILD_VERSION: u32 = 1;

/// The serverless shell's bookkeeping of one record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Book {
    /// Local (core) event id → global history id, for the last commit's events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<(u64, u64)>,
    /// Keys of fan-outs this record cancelled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cancelled: Vec<String>,
}

/// How the root record's state is stored: the runtime's envelope plus the book.
#[derive(Serialize)]
struct RootEnvelope<'a> {
    v: u32,
    exec: &'a Execution,
    #[serde(skip_serializing_if = "is_empty_book")]
    sc: &'a Book,
}

fn is_empty_book(b: &&Book) -> bool {
    b.ids.is_empty() && b.cancelled.is_empty()
}

#[derive(Deserialize)]
struct RootBook {
    #[serde(default)]
    sc: Book,
}

/// The state bytes of a root record.
pub fn encode_root(exec: &Execution, book: &Book) -> Vec<u8> {
    serde_json::to_vec(&RootEnvelope { v: 1, exec, sc: book }).unwrap_or_default()
}

/// The book inside a root record's state bytes (empty when there is none).
pub fn decode_root_book(state: &[u8]) -> Book {
    serde_json::from_slice::<RootBook>(state).map(|b| b.sc).unwrap_or_default()
}

/// A child record as stored in the fan-out store: its core state, what it needs to be
/// resumed, its outbox and tokens (the root keeps those in the store's tables), its book and
/// the history rows of its last commit (appended again if the commit's effects were lost).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildEnvelope {
    pub v: u32,
    pub exec: Execution,
    pub state_machine_arn: String,
    pub revision_id: String,
    #[serde(default)]
    pub outbox: BTreeMap<String, Effect>,
    #[serde(default)]
    pub tokens: Vec<(TaskId, String)>,
    #[serde(default)]
    pub book: Book,
    #[serde(default)]
    pub history: Vec<HistoryRow>,
    /// Where the child reports its end, and the join's parameters.
    #[serde(default)]
    pub join: Option<Join>,
}

/// A child's join parameters, kept in the child record so its end needs no extra read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Join {
    pub parent: RecordRef,
    pub total: u32,
    pub max_concurrency: u32,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
}

/// A record loaded for a transition.
pub struct Rec {
    pub r: RecordRef,
    pub live: Live,
    pub book: Book,
    /// Rows of the child's last commit (children only).
    pub last_history: Vec<HistoryRow>,
}

impl Rec {
    pub fn is_child(&self) -> bool {
        self.r.child.is_some()
    }

    /// The bytes a child record is stored as, after `prepare` updated the live copy.
    pub fn child_bytes(&self, history: &[HistoryRow], join: Option<&Join>) -> Vec<u8> {
        let env = ChildEnvelope {
            v: CHILD_VERSION,
            exec: self.live.exec.clone(),
            state_machine_arn: self.live.summary.state_machine_arn.clone(),
            revision_id: self.live.revision_id.clone(),
            outbox: self.live.outbox.clone(),
            tokens: self.live.tokens.iter().map(|(t, h)| (*t, h.clone())).collect(),
            book: self.book.clone(),
            history: history.to_vec(),
            join: join.cloned(),
        };
        serde_json::to_vec(&env).unwrap_or_default()
    }
}

/// A summary for a child's [`Live`]: never stored, it only carries the names `prepare` uses.
pub fn child_summary(exec: &Execution, state_machine_arn: &str) -> ExecutionSummary {
    ExecutionSummary {
        arn: exec.info.execution_arn.clone(),
        name: exec.info.name.clone(),
        state_machine_arn: state_machine_arn.to_string(),
        version_arn: None,
        alias_arn: None,
        kind: MachineKind::Standard,
        status: ExecutionStatus::Running,
        start: exec.info.start_time,
        stop: None,
        input: String::new(),
        output: None,
        error: None,
        cause: None,
        redrive_count: 0,
        redrive_date: None,
        trace_header: None,
        parent_arn: None,
    }
}

/// A child's live copy from its envelope.
pub fn child_live(
    env: ChildEnvelope,
    def: std::sync::Arc<statecraft_asl::Definition>,
    version: u64,
) -> (Live, Book, Vec<HistoryRow>, Option<Join>) {
    let summary = child_summary(&env.exec, &env.state_machine_arn);
    let tokens: HashMap<TaskId, String> = env.tokens.into_iter().collect();
    let live = Live {
        exec: env.exec,
        def,
        version,
        summary,
        revision_id: env.revision_id,
        outbox: env.outbox,
        tokens,
        entered: 0,
    };
    (live, env.book, env.history, env.join)
}

pub fn decode_child(bytes: &[u8]) -> Result<ChildEnvelope, String> {
    let env: ChildEnvelope =
        serde_json::from_slice(bytes).map_err(|e| format!("stored child record: {e}"))?;
    if env.v != CHILD_VERSION {
        return Err(format!("stored child record has unknown version {}", env.v));
    }
    Ok(env)
}

/// The number of history events of a set of steps.
pub fn event_count(steps: &[Step]) -> u64 {
    steps.iter().map(|s| s.history.len() as u64).sum()
}

/// Renumbers the events of `steps` (in order) from `first`, linking `previousEventId` through
/// the book's map of the previous commit, and returns the new map. `origin_first`: the first
/// event's `previousEventId` is already a global id (a child's first commit points at its
/// parent's event). Fan-outs started in these steps get their parent event id translated too.
pub fn renumber(steps: &mut [Step], first: u64, book: &Book, origin_first: bool) -> Vec<(u64, u64)> {
    let mut map: HashMap<u64, u64> = book.ids.iter().copied().collect();
    let mut next = first;
    let mut ids = Vec::new();
    for step in steps.iter_mut() {
        for e in step.history.iter_mut() {
            map.insert(e.id, next);
            ids.push((e.id, next));
            next += 1;
        }
    }
    let translate = |id: u64| if id == 0 { 0 } else { map.get(&id).copied().unwrap_or(id) };
    let mut first_event = origin_first;
    for step in steps.iter_mut() {
        for e in step.history.iter_mut() {
            let prev = if std::mem::take(&mut first_event) {
                e.previous_event_id
            } else {
                translate(e.previous_event_id)
            };
            renumber_event(e, &map, prev);
        }
        for effect in step.effects.iter_mut() {
            if let Effect::StartFanout(f) = effect {
                f.prev_event_id = translate(f.prev_event_id);
            }
        }
    }
    ids
}

fn renumber_event(e: &mut HistoryEvent, map: &HashMap<u64, u64>, prev: u64) {
    if let Some(id) = map.get(&e.id) {
        e.id = *id;
    }
    e.previous_event_id = prev;
}

/// Renumbers rendered rows (used when a commit was built before its ids were known: the
/// start of an execution whose id counter had moved).
pub fn renumber_rows(rows: &mut [HistoryRow], offset: u64) {
    for row in rows.iter_mut() {
        let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&row.json) else { continue };
        row.id += offset;
        v["id"] = serde_json::json!(row.id);
        if let Some(p) = v.get("previousEventId").and_then(|p| p.as_u64()) {
            if p != 0 {
                v["previousEventId"] = serde_json::json!(p + offset);
            }
        }
        row.json = v.to_string();
    }
}

/// Outbox key of a fan-out the record started (kept until its outcome is applied).
pub fn fanout_outbox_key(frame: u32, seq: u32) -> String {
    format!("f:{frame}:{seq}")
}

/// Outbox keys an event settles, including fan-out entries (which the shared bookkeeping does
/// not know about).
pub fn settled(event: &statecraft_core::Event, live: &Live) -> Vec<String> {
    let mut keys = transition::settled_keys(event, live);
    if let statecraft_core::Event::FanoutCompleted { frame, seq, .. }
    | statecraft_core::Event::FanoutFailed { frame, seq, .. } = event
    {
        let k = fanout_outbox_key(*frame, *seq);
        if live.outbox.contains_key(&k) {
            keys.push(k);
        }
    }
    keys
}
