//! Triggers: what starts executions without an API call, configured by `[[triggers]]` in
//! `statecraft.toml` ([`crate::config::TriggerConfig`]).
//!
//! - **Schedules** ([`scheduler`]): `rate(...)`, AWS `cron(...)` and `at(...)` expressions in a
//!   time zone ([`Schedule`]). Each slot starts one execution named `TRIGGER-YYYYMMDDTHHMMSSZ`
//!   (the slot, in UTC), so a slot started twice (a crash between the start and the ledger
//!   write) is one execution: the second start is refused as a duplicate name. A [`Ledger`]
//!   remembers the last slot handled; after downtime, **only the most recent missed slot
//!   fires, once**, at restart; older missed slots are skipped. A trigger seen for the first
//!   time starts from now (no catch-up).
//! - **HTTP start URLs** ([`http`]): `POST /start/TRIGGER`, authenticated by the trigger's own
//!   secret; the body is the input; `Idempotency-Key` names the execution.
//! - **SQS queues** ([`sqs`]): long polling; each message body is an input and its message id
//!   names the execution, so a redelivered message starts nothing new; the message is
//!   deleted once the start is durable.
//!
//! Duplicate names are what make these exactly-once, and only STANDARD executions have unique
//! names. For EXPRESS state machines (whose execution ARNs carry a random id) the runtime
//! also remembers recent names in memory ([`Recent`]): duplicates within one process are
//! caught, duplicates across a crash are not.
//!
//! Everything starts executions through the [`Starter`] port (the control plane implements
//! it: names, ARNs, versions and aliases, input checks), reads time from a [`Clock`] and does
//! no HTTP serving itself: `statecraft serve` routes `/start/...` to [`http::StartUrls`].

pub mod aws;
pub mod clock;
mod cron;
pub mod http;
pub mod ledger;
mod schedule;
pub mod scheduler;
pub mod sqs;

pub use clock::{Clock, ManualClock, SystemClock};
pub use cron::Cron;
pub use ledger::{FileLedger, Ledger, MemoryLedger};
pub use schedule::Schedule;

use crate::config::{ProjectConfig, TriggerSource};
use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// One start a trigger asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRequest {
    pub trigger: String,
    /// A state machine name, or a state machine, version or alias ARN.
    pub state_machine: String,
    /// The execution name (`None`: the control plane makes one up).
    pub name: Option<String>,
    /// The input, as JSON text.
    pub input: String,
}

/// A start that happened, or had already happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub execution_arn: String,
    /// Milliseconds since the epoch (of the first start, for a duplicate).
    pub start_date: i64,
    /// False when an execution of that name already existed: nothing new started.
    pub created: bool,
}

/// Why a start failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The request itself is wrong (no such state machine, invalid input or name): trying
    /// again will not help. `code` is the Step Functions error code.
    #[error("{code}: {message}")]
    Rejected { code: String, message: String },
    /// Something failed that may work later (storage).
    #[error("{0}")]
    Transient(String),
}

/// Starts executions (the control plane).
#[async_trait]
pub trait Starter: Send + Sync {
    /// Starts durably: when this returns `Ok`, the execution exists.
    async fn start(&self, request: StartRequest) -> Result<Started, StartError>;
}

/// Execution names recently started per trigger, with their ARNs: catches duplicates the
/// control plane cannot (EXPRESS executions). Bounded; the oldest names are forgotten first.
#[derive(Debug)]
pub struct Recent {
    capacity: usize,
    inner: Mutex<(HashMap<String, String>, VecDeque<String>)>,
}

impl Default for Recent {
    fn default() -> Recent {
        Recent::new(10_000)
    }
}

impl Recent {
    pub fn new(capacity: usize) -> Recent {
        Recent { capacity: capacity.max(1), inner: Mutex::default() }
    }

    fn key(trigger: &str, name: &str) -> String {
        format!("{trigger}\u{0}{name}")
    }

    /// The ARN started under this name, if remembered.
    pub fn get(&self, trigger: &str, name: &str) -> Option<String> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).0.get(&Recent::key(trigger, name)).cloned()
    }

    pub fn remember(&self, trigger: &str, name: &str, arn: &str) {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *guard;
        let key = Recent::key(trigger, name);
        if map.insert(key.clone(), arn.to_string()).is_none() {
            order.push_back(key);
        }
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
    }
}

/// Starts a named execution once per process: a name already started through `recent` is a
/// duplicate without asking the starter.
pub(crate) async fn start_once(
    starter: &dyn Starter,
    recent: &Recent,
    request: StartRequest,
) -> Result<Started, StartError> {
    if let Some(name) = &request.name {
        if let Some(arn) = recent.get(&request.trigger, name) {
            return Ok(Started { execution_arn: arn, start_date: 0, created: false });
        }
    }
    let (trigger, name) = (request.trigger.clone(), request.name.clone());
    let started = starter.start(request).await?;
    if let Some(name) = name {
        recent.remember(&trigger, &name, &started.execution_arn);
    }
    Ok(started)
}

/// The running triggers of a project: schedule and queue tasks (stopped when this is
/// dropped) and the HTTP start URLs to route.
pub struct Running {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    pub start_urls: Arc<http::StartUrls>,
}

impl Running {
    /// How many background tasks (schedules, queue pollers) run.
    pub fn tasks(&self) -> usize {
        self.tasks.len()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Starts every trigger of `config`: a task per schedule and per queue; HTTP triggers are
/// served through [`Running::start_urls`]. Call inside a tokio runtime.
pub fn spawn(
    config: &ProjectConfig,
    starter: Arc<dyn Starter>,
    clock: Arc<dyn Clock>,
    ledger: Arc<dyn Ledger>,
) -> Result<Running, String> {
    let recent = Arc::new(Recent::default());
    let http_client =
        reqwest::Client::builder().build().map_err(|e| format!("cannot create the HTTP client: {e}"))?;
    let credentials = aws::Credentials::from_env();
    let mut tasks = Vec::new();
    for t in &config.triggers {
        match &t.source {
            TriggerSource::Schedule { schedule, timezone, input } => {
                let job = scheduler::Job {
                    trigger: t.name.clone(),
                    state_machine: t.state_machine.clone(),
                    schedule: schedule.clone(),
                    timezone: *timezone,
                    input: input.to_string(),
                };
                let (clock, ledger, starter) = (clock.clone(), ledger.clone(), starter.clone());
                tasks.push(tokio::spawn(async move { scheduler::run(job, clock, ledger, starter).await }));
            }
            TriggerSource::Sqs(source) => {
                if credentials.is_none() {
                    warn(&format!(
                        "trigger {}: no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY: SQS requests go unsigned (fine for moto or ElasticMQ, refused by AWS)",
                        t.name
                    ));
                }
                let queue = sqs::SqsQueue::new(http_client.clone(), source, credentials.clone());
                let poller = sqs::Poller {
                    trigger: t.name.clone(),
                    state_machine: t.state_machine.clone(),
                    queue: Arc::new(queue),
                    starter: starter.clone(),
                    recent: recent.clone(),
                };
                tasks.push(tokio::spawn(async move { poller.run().await }));
            }
            TriggerSource::Http { .. } => {}
        }
    }
    let start_urls = Arc::new(http::StartUrls::new(config, starter, recent));
    Ok(Running { tasks, start_urls })
}

pub(crate) fn warn(message: &str) {
    eprintln!("statecraft: warning: {message}");
}
