//! Activity tasks waiting for workers: per-activity queues that `GetActivityTask` long-polls.
//! A task handed to a worker is recorded as started (`ActivityStarted`); the worker answers
//! with its token (SendTaskSuccess/Failure/Heartbeat). Queues are rebuilt from the outbox
//! after a restart.

use super::Inner;
use statecraft_core::{Event, TaskId, TaskRequest};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// What a worker receives.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityTask {
    pub token: String,
    /// The task input, as JSON text.
    pub input: String,
    pub execution_arn: String,
}

struct Pending {
    execution_arn: String,
    request: TaskRequest,
}

#[derive(Default)]
pub(crate) struct Hub {
    queues: Mutex<HashMap<String, VecDeque<Pending>>>,
    signals: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Hub {
    fn signal(&self, activity: &str) -> Arc<Notify> {
        self.signals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(activity.to_string())
            .or_default()
            .clone()
    }

    pub(crate) fn enqueue(&self, activity: &str, execution_arn: &str, request: TaskRequest) {
        {
            let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
            let queue = q.entry(activity.to_string()).or_default();
            // A replayed outbox entry must not queue the same task twice.
            if queue.iter().any(|p| p.execution_arn == execution_arn && p.request.task == request.task) {
                return;
            }
            queue.push_back(Pending { execution_arn: execution_arn.to_string(), request });
        }
        self.signal(activity).notify_one();
    }

    pub(crate) fn cancel(&self, execution_arn: &str, task: TaskId) {
        let mut q = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        for queue in q.values_mut() {
            queue.retain(|p| !(p.execution_arn == execution_arn && p.request.task == task));
        }
    }

    fn pop(&self, activity: &str) -> Option<Pending> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner()).get_mut(activity)?.pop_front()
    }

    /// Tasks waiting for a worker, per activity.
    pub(crate) fn backlog(&self) -> HashMap<String, usize> {
        self.queues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect()
    }
}

pub(crate) async fn poll(
    inner: &Arc<Inner>,
    activity: &str,
    worker: Option<String>,
) -> super::Result<Option<ActivityTask>> {
    let deadline = tokio::time::Instant::now() + inner.config.activity_poll;
    let signal = inner.activities.signal(activity);
    loop {
        while let Some(p) = inner.activities.pop(activity) {
            let started = Event::TaskStarted { task: p.request.task, worker_name: worker.clone() };
            if Inner::deliver(inner, &p.execution_arn, started).await? {
                let token = p.request.token.clone().unwrap_or_default();
                let input = serde_json::to_string(&p.request.input).unwrap_or_default();
                return Ok(Some(ActivityTask { token, input, execution_arn: p.execution_arn }));
            }
        }
        if tokio::time::timeout_at(deadline, signal.notified()).await.is_err() {
            return Ok(None);
        }
    }
}
