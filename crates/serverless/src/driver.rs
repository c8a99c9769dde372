//! [`ServerlessDriver`]: the object both functions are built around. The api function uses it
//! as the control plane's [`Driver`] (start, stop, redrive, task tokens, activity polling);
//! the step function hands it SQS batches ([`crate::handler`]).

use crate::bus::{self, Bus};
use crate::config::Config;
use crate::counted::Counted;
use crate::dispatch::{activity_task, msg};
use crate::fault::Faults;
use crate::message::{Body, RecordRef};
use crate::metrics::Metrics;
use crate::record;
use crate::step::{Delivery, Input};
use async_trait::async_trait;
use base64::Engine as _;
use statecraft_asl::Definition;
use statecraft_core::{Effect, Event, TaskId, TaskRequest};
use statecraft_runtime::driver::{Completion, Driver};
use statecraft_runtime::engine::{self, transition, ActivityTask, EngineConfig, StartRequest, Started};
use statecraft_runtime::env::{now_millis, token_hash, SystemEnv};
use statecraft_runtime::fanout_store::{FanoutStore, MemoryFanoutStore};
use statecraft_runtime::invoke::{Invocation, TaskInvoker};
use statecraft_runtime::ports::{self, ExecutionStatus, ExecutionSummary, RevisionRecord, Store};
use statecraft_runtime::MemoryStore;
use std::sync::Arc;
use std::time::Duration;

/// Driver failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Store(#[from] ports::Error),
    #[error(transparent)]
    Bus(#[from] bus::Error),
    #[error(transparent)]
    Engine(#[from] engine::Error),
    #[error("execution not redrivable: {0}")]
    NotRedrivable(String),
    /// Fault injection: the function "died" between a commit and its effects.
    #[error("injected crash after commit")]
    Crashed,
    #[error("{0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<Error> for engine::Error {
    fn from(e: Error) -> engine::Error {
        match e {
            Error::Store(s) => engine::Error::Store(s),
            Error::Engine(e) => e,
            Error::NotRedrivable(m) => engine::Error::NotRedrivable(m),
            other => engine::Error::Internal(other.to_string()),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) fanouts: Arc<dyn FanoutStore>,
    pub(crate) bus: Arc<dyn Bus>,
    pub(crate) invoker: Arc<dyn TaskInvoker>,
    pub(crate) config: Config,
    pub(crate) definitions: transition::Definitions,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) faults: Faults,
}

/// The serverless driver. Cheap to clone.
#[derive(Clone)]
pub struct ServerlessDriver {
    pub(crate) inner: Arc<Inner>,
}

impl ServerlessDriver {
    /// A driver over `store` and `fanouts` (DynamoDB in production), `bus` (SQS and SNS) and
    /// `invoker` (what the task runner calls: Lambda). Store calls are counted in `metrics`.
    pub fn new(
        store: Arc<dyn Store>,
        fanouts: Arc<dyn FanoutStore>,
        bus: Arc<dyn Bus>,
        invoker: Arc<dyn TaskInvoker>,
        config: Config,
        metrics: Arc<Metrics>,
    ) -> ServerlessDriver {
        let counted = Arc::new(Counted::new(store, fanouts, metrics.clone()));
        ServerlessDriver::assemble(counted, bus, invoker, config, metrics)
    }

    /// A driver over in-memory stores (tests, local experiments): the history children append
    /// shows in GetExecutionHistory as it would from DynamoDB.
    pub fn in_memory(
        bus: Arc<dyn Bus>,
        invoker: Arc<dyn TaskInvoker>,
        config: Config,
        metrics: Arc<Metrics>,
    ) -> ServerlessDriver {
        let counted = Arc::new(Counted::with_memory_history(
            Arc::new(MemoryStore::new()),
            Arc::new(MemoryFanoutStore::new()),
            metrics.clone(),
        ));
        ServerlessDriver::assemble(counted, bus, invoker, config, metrics)
    }

    fn assemble(
        counted: Arc<Counted>,
        bus: Arc<dyn Bus>,
        invoker: Arc<dyn TaskInvoker>,
        config: Config,
        metrics: Arc<Metrics>,
    ) -> ServerlessDriver {
        ServerlessDriver {
            inner: Arc::new(Inner {
                store: counted.clone(),
                fanouts: counted,
                bus,
                invoker,
                config,
                definitions: transition::Definitions::default(),
                metrics,
                faults: Faults::from_env(),
            }),
        }
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    pub fn settings(&self) -> &Config {
        &self.inner.config
    }

    pub fn fanouts(&self) -> &Arc<dyn FanoutStore> {
        &self.inner.fanouts
    }

    /// Fault injection (debug builds only; a no-op in release builds).
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// Applies one event to a record through the step path (what the step function does for a
    /// message); true when it changed the record.
    pub async fn apply(&self, r: &RecordRef, event: Event) -> Result<bool> {
        let p = self.process(r, &[Delivery { input: Input::Event(event), redelivered: false }]).await?;
        if !p.found {
            return Err(engine::Error::ExecutionDoesNotExist(r.exec.clone()).into());
        }
        Ok(p.applied.first().copied().unwrap_or(false))
    }

    async fn start_inner(&self, req: StartRequest) -> Result<Started> {
        let arn = req.execution_arn.clone();
        let input_text = serde_json::to_string(&req.input).unwrap_or_default();
        // Idempotent start: checked before ids are allocated, so a retry leaves no gap.
        if let Some(existing) = self.inner.store.get_execution(&arn).await? {
            return self.already_started(existing.summary, &input_text).await;
        }
        let def = self.inner.definitions.get(&req.revision)?;
        let now = now_millis();
        let env = RecordEnv::new(&RecordRef::root(arn.clone()));
        let (live, record, mut commit, mut effects) =
            transition::begin_with(&req, def, &self.inner.config.engine, &env, now, true);
        let n = commit.history.len() as u64;
        let mut book = record::Book::default();
        if n > 0 {
            let first = self.inner.fanouts.allocate_history_ids(&arn, n).await?;
            let offset = first - 1;
            if offset > 0 {
                record::renumber_rows(&mut commit.history, offset);
                for e in effects.iter_mut() {
                    if let Effect::StartFanout(f) = e {
                        f.prev_event_id += offset;
                    }
                }
            }
            book.ids = (1..=n).map(|i| (i, i + offset)).collect();
        }
        let r = RecordRef::root(arn.clone());
        let mut rec = record::Rec { r: r.clone(), live, book, last_history: Vec::new() };
        for e in &effects {
            if let Effect::StartFanout(f) = e {
                let key = record::fanout_outbox_key(f.frame, f.seq);
                commit.outbox_add.push(ports::OutboxEntry {
                    key: key.clone(),
                    due: None,
                    effect: serde_json::to_vec(e).unwrap_or_default(),
                });
                rec.live.outbox.insert(key, e.clone());
            }
        }
        commit.state = record::encode_root(&rec.live.exec, &rec.book);
        match self.inner.store.create_execution(&record, &commit).await {
            Ok(()) => {}
            Err(ports::Error::AlreadyExists) => {
                let existing = self.inner.store.get_execution(&arn).await?;
                return match existing {
                    Some(e) => self.already_started(e.summary, &input_text).await,
                    None => Err(engine::Error::ExecutionAlreadyExists(arn).into()),
                };
            }
            Err(e) => return Err(e.into()),
        }
        self.inner.metrics.count(crate::metrics::Op::Transition);
        rec.live.version = 1;
        let summary = rec.live.summary.clone();
        // A crash here loses these effects; a retried StartExecution (same name and input)
        // performs them again (see `already_started`).
        self.dispatch(&rec, None, effects, false).await?;
        Ok(Started { summary, created: true })
    }

    /// StartExecution for a name that exists: the same input while running is the same
    /// execution (its pending effects are performed again, in case the first start's were
    /// lost); anything else is `ExecutionAlreadyExists`.
    async fn already_started(&self, summary: ExecutionSummary, input_text: &str) -> Result<Started> {
        if summary.status == ExecutionStatus::Running && summary.input == input_text {
            let redo = msg(&RecordRef::root(summary.arn.clone()), Body::Redo, 0);
            self.inner.bus.send(&self.inner.config.step_queue_url, vec![redo]).await?;
            return Ok(Started { summary, created: false });
        }
        Err(engine::Error::ExecutionAlreadyExists(summary.arn).into())
    }

    /// The record and task a token names, if it is still valid.
    pub(crate) async fn task_for_token(&self, token: &str) -> Result<(RecordRef, TaskId)> {
        let hash = token_hash(token);
        if let Some(rec) = self.inner.store.get_token(&hash).await? {
            if rec.expires.is_some_and(|t| t < now_millis()) {
                return Err(engine::Error::TaskTimedOut.into());
            }
            let task: TaskId = serde_json::from_slice(&rec.task).map_err(|_| engine::Error::InvalidToken)?;
            return Ok((RecordRef::root(rec.execution_arn), task));
        }
        let Some(r) = child_of_token(token) else { return Err(engine::Error::InvalidToken.into()) };
        let Some((rec, _)) = self.load(&r, false).await? else {
            return Err(engine::Error::InvalidToken.into());
        };
        match rec.live.tokens.iter().find(|(_, h)| **h == hash) {
            Some((task, _)) => Ok((r, *task)),
            None => Err(engine::Error::TaskTimedOut.into()),
        }
    }

    async fn poll_inner(&self, activity_arn: &str, worker: Option<String>) -> Result<Option<ActivityTask>> {
        let Some(queue) = self.inner.config.activities.get(activity_arn).and_then(|a| a.queue.clone()) else {
            return Ok(None);
        };
        let deadline = tokio::time::Instant::now() + self.inner.config.engine.activity_poll;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let wait = left.min(Duration::from_secs(20));
            for m in self.inner.bus.receive(&queue, 1, wait).await? {
                let task = match activity_task(&m.body) {
                    Some((token, input)) => match self.task_for_token(&token).await {
                        Ok((r, task)) => Some((token, input, r, task)),
                        Err(_) => None,
                    },
                    None => None,
                };
                // A task still pending is recorded as started before its message is deleted (an
                // error leaves the message to come back); a task that is not, is dropped.
                let started = match task {
                    Some((token, input, r, task)) => {
                        let ev = Event::TaskStarted { task, worker_name: worker.clone() };
                        self.apply(&r, ev).await?.then_some(ActivityTask {
                            token,
                            input,
                            execution_arn: r.exec,
                        })
                    }
                    None => None,
                };
                self.inner.bus.delete(&queue, &m.receipt_handle).await?;
                if started.is_some() {
                    return Ok(started);
                }
            }
            if left.is_zero() {
                return Ok(None);
            }
        }
    }
}

/// The environment of one record's transitions: the system clock and OS randomness; a child
/// record's task tokens name the record (a token is then resolved without a table of its own),
/// followed by 256 random bits.
pub(crate) struct RecordEnv {
    prefix: Option<String>,
}

const CHILD_TOKEN: &str = "sc1.";

impl RecordEnv {
    pub(crate) fn new(r: &RecordRef) -> RecordEnv {
        let prefix = r.child.as_ref().map(|_| {
            let b = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(serde_json::to_vec(r).unwrap_or_default());
            format!("{CHILD_TOKEN}{b}.")
        });
        RecordEnv { prefix }
    }
}

impl statecraft_core::Env for RecordEnv {
    fn now(&self) -> i64 {
        statecraft_core::Env::now(&SystemEnv)
    }

    fn random_u64(&self) -> u64 {
        statecraft_core::Env::random_u64(&SystemEnv)
    }

    fn task_token(&self) -> String {
        let t = statecraft_core::Env::task_token(&SystemEnv);
        match &self.prefix {
            Some(p) => format!("{p}{t}"),
            None => t,
        }
    }
}

/// The child record a child's token names.
fn child_of_token(token: &str) -> Option<RecordRef> {
    let rest = token.strip_prefix(CHILD_TOKEN)?;
    let (b, _) = rest.split_once('.')?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b).ok()?;
    let r: RecordRef = serde_json::from_slice(&bytes).ok()?;
    r.child.is_some().then_some(r)
}

#[async_trait]
impl Driver for ServerlessDriver {
    fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    fn config(&self) -> &EngineConfig {
        &self.inner.config.engine
    }

    fn definition(&self, revision: &RevisionRecord) -> engine::Result<Arc<Definition>> {
        self.inner.definitions.get(revision)
    }

    async fn start(&self, request: StartRequest) -> engine::Result<Started> {
        Ok(self.start_inner(request).await?)
    }

    async fn stop(&self, arn: &str, error: Option<String>, cause: Option<String>) -> engine::Result<bool> {
        Ok(self.apply(&RecordRef::root(arn), Event::Stopped { error, cause }).await?)
    }

    async fn redrive(&self, arn: &str) -> engine::Result<ExecutionSummary> {
        let r = RecordRef::root(arn);
        let p = self.process(&r, &[Delivery { input: Input::Redrive, redelivered: false }]).await?;
        if !p.found {
            return Err(engine::Error::ExecutionDoesNotExist(arn.to_string()));
        }
        p.summary.ok_or_else(|| engine::Error::Internal("redrive: no summary".into()))
    }

    async fn complete_task(&self, token: &str, completion: Completion) -> engine::Result<()> {
        let (r, task) = self.task_for_token(token).await?;
        let event = match completion {
            Completion::Success(output) => Event::TaskSucceeded { task, output },
            Completion::Failure { error, cause } => Event::TaskFailed { task, error, cause },
            Completion::Heartbeat => Event::TaskHeartbeat { task },
        };
        if self.apply(&r, event).await? {
            Ok(())
        } else {
            Err(engine::Error::TaskTimedOut)
        }
    }

    async fn wait_finished(&self, arn: &str) -> engine::Result<ExecutionSummary> {
        let deadline = tokio::time::Instant::now() + self.inner.config.wait_limit;
        let mut pause = Duration::from_millis(50);
        loop {
            let Some(rec) = self.inner.store.get_execution(arn).await? else {
                return Err(engine::Error::ExecutionDoesNotExist(arn.to_string()));
            };
            if rec.summary.status != ExecutionStatus::Running {
                return Ok(rec.summary);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(engine::Error::Internal(format!("{arn} still running")));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    async fn poll_activity(
        &self,
        activity_arn: &str,
        worker: Option<String>,
    ) -> engine::Result<Option<ActivityTask>> {
        Ok(self.poll_inner(activity_arn, worker).await?)
    }

    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        self.inner.invoker.invoke(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statecraft_core::Env;

    #[test]
    fn child_tokens_name_their_record() {
        let r = RecordRef::child("arn:e", "arn:e#0.1", 4);
        let t = RecordEnv::new(&r).task_token();
        assert!(t.starts_with(CHILD_TOKEN));
        assert_eq!(child_of_token(&t), Some(r));
        let root = RecordEnv::new(&RecordRef::root("arn:e")).task_token();
        assert_eq!(child_of_token(&root), None);
        assert_eq!(child_of_token("sc1.garbage.x"), None);
    }
}
