//! One transition of one record: load it, apply the messages' events with the pure core,
//! renumber the history, build one conditional commit, write it (reloading and retrying on a
//! conflict), and only then perform the effects. A record whose every message was stale, with
//! a message that came back after a crash, has its pending effects performed again ([`redo`]).
//!
//! [`redo`]: ServerlessDriver::redo

use crate::driver::{Error, Result, ServerlessDriver};
use crate::message::RecordRef;
use crate::metrics::Op;
use crate::record::{self, Book, Join, Rec};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use statecraft_core::detached::{ChildFinished, ChildKind, Origin};
use statecraft_core::{Effect, Event, Execution, ExecutionInfo, Failure, Limits, Status, Step};
use statecraft_runtime::engine::transition;
use statecraft_runtime::env::now_millis;
use statecraft_runtime::ports::{self, Commit, ExecutionStatus, OutboxEntry};
use std::sync::Arc;

/// What one message asks of its record.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    Event(Event),
    /// Start a child record (its input is in the fan-out store).
    Start,
    /// A fan-out completed: its results are in the fan-out store.
    FanoutDone {
        frame: u32,
        seq: u32,
        fanout: String,
    },
    Redrive,
    /// Perform the record's pending effects again.
    Redo,
}

/// A message for a record, and whether it was delivered before (a crash may have lost the
/// effects of its commit).
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub input: Input,
    pub redelivered: bool,
}

/// What a transition did.
#[derive(Debug, Default)]
pub(crate) struct Processed {
    /// Per input: whether it changed the record (or, for task events, found its task pending).
    pub applied: Vec<bool>,
    pub found: bool,
    pub summary: Option<ports::ExecutionSummary>,
}

/// What a child record needs from its fan-out, kept in the fan-out record's `spec`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Spec {
    pub v: u32,
    /// Where the fan-out's outcome goes.
    pub parent: RecordRef,
    pub info: ExecutionInfo,
    pub state_machine_arn: String,
    pub revision_id: String,
    pub state_name: Arc<str>,
    pub kind: ChildKind,
    /// The block each child runs (one entry when all run the same).
    pub blocks: Vec<u32>,
    pub vars: Option<Arc<serde_json::Map<String, Value>>>,
    pub prev_event_id: u64,
    pub limits: Limits,
}

impl ServerlessDriver {
    /// Loads a record; a child that does not exist yet is built when `may_start` (from its
    /// fan-out), unless the fan-out was decided (cancelled).
    pub(crate) async fn load(&self, r: &RecordRef, may_start: bool) -> Result<Option<(Rec, Option<Join>)>> {
        let i = &self.inner;
        let Some(child) = &r.child else {
            let Some(rec) = i.store.get_execution(&r.exec).await? else { return Ok(None) };
            let book = record::decode_root_book(&rec.state);
            let live = transition::load_record(i.store.as_ref(), &i.definitions, rec).await?;
            return Ok(Some((Rec { r: r.clone(), live, book, last_history: Vec::new() }, None)));
        };
        if let Some(cs) = i.fanouts.get_child(&child.fanout, child.index).await? {
            let env = record::decode_child(&cs.state).map_err(Error::Internal)?;
            let def = self.definition_of(&env.state_machine_arn, &env.revision_id).await?;
            let (live, book, last_history, join) = record::child_live(env, def, cs.version);
            return Ok(Some((Rec { r: r.clone(), live, book, last_history }, join)));
        }
        if !may_start {
            return Ok(None);
        }
        let Some((fanout, counts)) = i.fanouts.get_fanout(&child.fanout).await? else { return Ok(None) };
        if counts.decided {
            return Ok(None);
        }
        let spec: Spec = serde_json::from_slice(&fanout.spec)
            .map_err(|e| Error::Internal(format!("fan-out {}: {e}", child.fanout)))?;
        let input = i.fanouts.child_input(&child.fanout, child.index).await?.unwrap_or_else(|| "null".into());
        let input: Value = serde_json::from_str(&input).unwrap_or(Value::Null);
        let block = spec.blocks.get(child.index as usize).or(spec.blocks.first()).copied().unwrap_or(0);
        let origin = Origin {
            parent_frame: fanout.parent_frame,
            parent_seq: fanout.parent_seq,
            index: child.index,
            block,
            state_name: spec.state_name.clone(),
            kind: spec.kind,
            prev_event_id: spec.prev_event_id,
        };
        let exec = Execution::child(spec.info.clone(), origin, input, spec.vars.clone(), spec.limits);
        let def = self.definition_of(&spec.state_machine_arn, &spec.revision_id).await?;
        let env = record::ChildEnvelope {
            v: record::CHILD_VERSION,
            exec,
            state_machine_arn: spec.state_machine_arn.clone(),
            revision_id: spec.revision_id.clone(),
            outbox: Default::default(),
            tokens: Vec::new(),
            book: Book::default(),
            history: Vec::new(),
            join: None,
        };
        let (live, book, _, _) = record::child_live(env, def, 0);
        let join = Join {
            parent: spec.parent.clone(),
            total: fanout.total,
            max_concurrency: fanout.max_concurrency,
            tolerated_count: fanout.tolerated_count,
            tolerated_percentage: fanout.tolerated_percentage,
        };
        Ok(Some((Rec { r: r.clone(), live, book, last_history: Vec::new() }, Some(join))))
    }

    /// Applies deliveries to one record in one commit (see the module documentation).
    pub(crate) async fn process(&self, r: &RecordRef, inputs: &[Delivery]) -> Result<Processed> {
        let may_start = inputs.iter().any(|d| matches!(d.input, Input::Start));
        let redeliveries = inputs.iter().any(|d| d.redelivered || matches!(d.input, Input::Redo));
        for _attempt in 0..8 {
            let Some((mut rec, join)) = self.load(r, may_start).await? else {
                return Ok(Processed { applied: vec![false; inputs.len()], found: false, summary: None });
            };
            let env = crate::driver::RecordEnv::new(r);
            let def = rec.live.def.clone();
            let mut applied = vec![false; inputs.len()];
            let mut steps: Vec<(Option<Event>, Step)> = Vec::new();
            let pending_before: Vec<String> = rec.live.outbox.keys().cloned().collect();
            let mut stale_redelivery = false;
            for (i, d) in inputs.iter().enumerate() {
                let event = match &d.input {
                    Input::Redo => {
                        stale_redelivery = true;
                        continue;
                    }
                    Input::Redrive => {
                        let step = rec
                            .live
                            .exec
                            .redrive(&def, &env)
                            .map_err(|e| Error::NotRedrivable(e.to_string()))?;
                        let now = now_millis();
                        let s = &mut rec.live.summary;
                        s.status = ExecutionStatus::Running;
                        s.stop = None;
                        s.output = None;
                        s.error = None;
                        s.cause = None;
                        s.redrive_count = rec.live.exec.info.redrive_count;
                        s.redrive_date = Some(now);
                        applied[i] = true;
                        steps.push((None, step));
                        continue;
                    }
                    Input::Start => Event::Started,
                    Input::Event(e) => e.clone(),
                    Input::FanoutDone { frame, seq, fanout } => {
                        let waiting = rec.live.exec.frames.get(frame).is_some_and(|f| f.seq == *seq);
                        if !waiting || rec.live.exec.is_finished() {
                            continue;
                        }
                        let results = self
                            .inner
                            .fanouts
                            .results(fanout)
                            .await?
                            .into_iter()
                            .map(|o| o.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null))
                            .collect();
                        Event::FanoutCompleted { frame: *frame, seq: *seq, results }
                    }
                };
                if rec.live.exec.is_finished() {
                    continue;
                }
                let pending = match &event {
                    Event::TaskStarted { task, .. }
                    | Event::TaskSubmitted { task, .. }
                    | Event::TaskSucceeded { task, .. }
                    | Event::TaskFailed { task, .. }
                    | Event::TaskTimedOut { task, .. }
                    | Event::TaskHeartbeat { task } => rec.live.exec.is_pending_task(*task),
                    _ => false,
                };
                let settles = record::settled(&event, &rec.live);
                let step = rec.live.exec.apply(&def, event.clone(), &env);
                let stale = step.history.is_empty() && step.effects.is_empty() && settles.is_empty();
                applied[i] = pending || !stale;
                if !stale || pending {
                    steps.push((Some(event), step));
                } else if d.redelivered {
                    stale_redelivery = true;
                }
            }
            if steps.is_empty() {
                if redeliveries {
                    self.redo(&rec, join.as_ref()).await?;
                }
                let summary = (!rec.is_child()).then(|| rec.live.summary.clone());
                return Ok(Processed { applied, found: true, summary });
            }
            // One id sequence per execution: renumber before the events are rendered.
            let n = steps.iter().map(|(_, s)| s.history.len() as u64).sum::<u64>();
            if n > 0 {
                let first = self.inner.fanouts.allocate_history_ids(&r.exec, n).await?;
                let mut only: Vec<Step> = steps.iter_mut().map(|(_, s)| std::mem::take(s)).collect();
                let origin_first = rec.is_child() && rec.live.version == 0;
                rec.book.ids = record::renumber(&mut only, first, &rec.book, origin_first);
                for ((_, s), renumbered) in steps.iter_mut().zip(only) {
                    *s = renumbered;
                }
            }
            let now = now_millis();
            let mut commit = Commit { expected_version: rec.live.version, ..Commit::default() };
            let mut effects = Vec::new();
            for (event, step) in steps {
                if let Some(ev) = &event {
                    for key in record::settled(ev, &rec.live) {
                        if key.starts_with("f:") && rec.live.outbox.remove(&key).is_some() {
                            commit.outbox_remove.push(key);
                        }
                    }
                }
                let (c, e) = transition::prepare(&mut rec.live, step, event.as_ref(), now);
                merge(&mut commit, c);
                effects.extend(e);
            }
            track_fanouts(&mut rec, &mut commit, &effects);
            let history = std::mem::take(&mut commit.history);
            let written = match &r.child {
                None => {
                    commit.state = record::encode_root(&rec.live.exec, &rec.book);
                    commit.history = history.clone();
                    self.inner.store.commit(&r.exec, &commit).await
                }
                Some(c) => {
                    let bytes = rec.child_bytes(&history, join.as_ref());
                    self.inner.fanouts.put_child(&c.fanout, c.index, rec.live.version, &bytes).await
                }
            };
            match written {
                Ok(()) => {}
                Err(ports::Error::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
            rec.live.version += 1;
            self.inner.metrics.count(Op::Transition);
            if self.inner.faults.crash_after_commit() {
                return Err(Error::Crashed);
            }
            if rec.is_child() && !history.is_empty() {
                self.inner.fanouts.append_history(&r.exec, &history).await?;
            }
            if stale_redelivery {
                // A message that came back was committed before: what its commit left pending
                // (and this commit did not settle) is performed again with the new effects.
                self.inner.metrics.count(Op::Redo);
                effects.extend(
                    pending_before.iter().filter_map(|k| rec.live.outbox.get(k)).cloned().collect::<Vec<_>>(),
                );
            }
            self.dispatch(&rec, join.as_ref(), effects, stale_redelivery).await?;
            let summary = (!rec.is_child()).then(|| rec.live.summary.clone());
            return Ok(Processed { applied, found: true, summary });
        }
        Err(Error::Internal(format!("record {}: too many conflicting writers", r.path())))
    }

    /// Performs a record's pending effects again: every outbox entry (tasks, timers, fan-outs
    /// started), the fan-outs it cancelled, and a finished child's report to its fan-out. Its
    /// last history rows are appended again (ids already taken are skipped).
    pub(crate) async fn redo(&self, rec: &Rec, join: Option<&Join>) -> Result<()> {
        self.inner.metrics.count(Op::Redo);
        let mut effects: Vec<Effect> = rec.live.outbox.values().cloned().collect();
        if let (Some(origin), true) = (&rec.live.exec.origin, rec.live.exec.is_finished()) {
            let exec = &rec.live.exec;
            let outcome = if exec.status == Status::Succeeded {
                Ok(exec.output.clone().unwrap_or(Value::Null))
            } else {
                Err(Failure { error: exec.error.clone(), cause: exec.cause.clone() })
            };
            effects.push(Effect::ChildFinished(Box::new(ChildFinished { origin: origin.clone(), outcome })));
        }
        for key in &rec.book.cancelled {
            match self.inner.fanouts.decide(key).await {
                Ok(_) | Err(ports::Error::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if rec.is_child() {
            for row in &rec.last_history {
                // Taken ids were appended before the crash.
                let _ = self.inner.fanouts.append_history(&rec.r.exec, std::slice::from_ref(row)).await;
            }
        }
        self.dispatch(rec, join, effects, true).await
    }

    /// The parsed definition of a revision, read only when not cached.
    pub(crate) async fn definition_of(
        &self,
        state_machine_arn: &str,
        revision_id: &str,
    ) -> Result<Arc<statecraft_asl::Definition>> {
        if let Some(d) = self.inner.definitions.cached(state_machine_arn, revision_id) {
            return Ok(d);
        }
        let revision =
            self.inner.store.get_revision(state_machine_arn, revision_id).await?.ok_or_else(|| {
                Error::Internal(format!("revision {revision_id} of {state_machine_arn} is missing"))
            })?;
        Ok(self.inner.definitions.get(&revision)?)
    }
}

/// Adds a commit's writes to the group's.
fn merge(into: &mut Commit, c: Commit) {
    into.summary = c.summary;
    into.state = c.state;
    into.history.extend(c.history);
    into.outbox_add.extend(c.outbox_add);
    into.outbox_remove.extend(c.outbox_remove);
    into.tokens_add.extend(c.tokens_add);
    into.tokens_remove.extend(c.tokens_remove);
}

/// Fan-outs started are kept in the outbox (so a crash cannot lose their start); fan-outs
/// cancelled are remembered in the book.
fn track_fanouts(rec: &mut Rec, commit: &mut Commit, effects: &[Effect]) {
    for effect in effects {
        match effect {
            Effect::StartFanout(f) if !rec.live.exec.is_finished() => {
                let key = record::fanout_outbox_key(f.frame, f.seq);
                commit.outbox_add.push(OutboxEntry {
                    key: key.clone(),
                    due: None,
                    effect: serde_json::to_vec(effect).unwrap_or_default(),
                });
                rec.live.outbox.insert(key, effect.clone());
            }
            Effect::CancelFanout { frame, seq } => {
                let key = record::fanout_outbox_key(*frame, *seq);
                if rec.live.outbox.remove(&key).is_some() {
                    commit.outbox_remove.push(key);
                }
                let fanout = rec.r.fanout_key(*frame, *seq);
                if !rec.book.cancelled.contains(&fanout) {
                    rec.book.cancelled.push(fanout);
                }
            }
            _ => {}
        }
    }
}
