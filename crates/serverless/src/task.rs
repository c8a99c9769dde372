//! The task runner: the same function in task mode, fed by the task queue so that tasks never
//! hold up a batch of step messages. A task message names a record and an outbox key; the
//! runner reads the request from the outbox (so inputs of any size never travel in SQS), calls
//! the task's resource through the [`TaskInvoker`](statecraft_runtime::invoke::TaskInvoker)
//! (Lambda: RequestResponse, bounded by the state's TimeoutSeconds), and sends the outcome back
//! as a step message — or, when the outcome is too large for SQS, applies it itself through
//! the step path.
//!
//! A task whose outbox entry is gone was settled already (its result, a timeout or a stop
//! was committed): the message is dropped, unless it came back after a crash, in which case
//! the record's pending effects are performed again.

use crate::driver::{Error, Result, ServerlessDriver};
use crate::message::{Body, Message, Outcome, RecordRef, MAX_INLINE_BYTES};
use crate::metrics::Op;
use crate::step::{Delivery, Input};
use statecraft_core::{Effect, TaskRequest};
use statecraft_runtime::invoke::Invocation;
use statecraft_runtime::runner::Resolution;
use std::time::Duration;

impl ServerlessDriver {
    /// Runs the task stored under `key` in `r`'s outbox.
    pub(crate) async fn run_task(&self, r: &RecordRef, key: &str, redelivered: bool) -> Result<()> {
        let Some(req) = self.pending_task(r, key).await? else {
            if redelivered {
                if let Some((rec, join)) = self.load(r, false).await? {
                    self.redo(&rec, join.as_ref()).await?;
                }
            }
            return Ok(());
        };
        let outcome = self.invoke_bounded(&req).await;
        let message =
            Message::new(r.clone(), Body::TaskResult { task: req.task.into(), outcome: outcome.clone() });
        let text = message.encode();
        if text.len() <= MAX_INLINE_BYTES {
            let out = crate::bus::Outgoing { body: text, delay_seconds: 0 };
            self.inner.bus.send(&self.inner.config.step_queue_url, vec![out]).await?;
            return Ok(());
        }
        // Too large for a message: apply it here (the core fails it with
        // States.DataLimitExceeded if it is over the payload limit).
        let d = Delivery { input: Input::Event(outcome.event(req.task)), redelivered };
        self.process(r, &[d]).await?;
        Ok(())
    }

    async fn pending_task(&self, r: &RecordRef, key: &str) -> Result<Option<Box<TaskRequest>>> {
        let effect = match &r.child {
            None => self
                .inner
                .store
                .outbox(&r.exec)
                .await?
                .into_iter()
                .find(|e| e.key == key)
                .map(|e| serde_json::from_slice::<Effect>(&e.effect))
                .transpose()
                .map_err(|e| Error::Internal(format!("outbox entry {key} of {}: {e}", r.exec)))?,
            Some(c) => match self.inner.fanouts.get_child(&c.fanout, c.index).await? {
                Some(cs) => {
                    crate::record::decode_child(&cs.state).map_err(Error::Internal)?.outbox.remove(key)
                }
                None => None,
            },
        };
        Ok(match effect {
            Some(Effect::InvokeTask(req)) => Some(req),
            _ => None,
        })
    }

    /// Calls the task's resource within its TimeoutSeconds (else the configured bound).
    async fn invoke_bounded(&self, req: &TaskRequest) -> Outcome {
        self.inner.metrics.count(Op::LambdaInvoke);
        let limit = req.timeout_seconds.map(Duration::from_secs).unwrap_or(self.inner.config.task_timeout);
        match tokio::time::timeout(limit, self.inner.invoker.invoke(req)).await {
            Ok(Invocation::Submitted(output)) => Outcome::Submitted { output },
            Ok(Invocation::Done(Resolution::Succeeded(output))) => Outcome::Succeeded { output },
            Ok(Invocation::Done(Resolution::Failed { error, cause })) => Outcome::Failed { error, cause },
            Ok(Invocation::Done(Resolution::TimedOut { error, cause })) => Outcome::TimedOut { error, cause },
            Err(_) => Outcome::TimedOut {
                error: Some("States.Timeout".into()),
                cause: Some(format!("the task did not answer within {} s", limit.as_secs())),
            },
        }
    }
}
