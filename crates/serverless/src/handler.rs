//! The step function's handler: an SQS batch in, partial batch failures out.
//!
//! A batch may hold messages of three kinds, told apart by their source and shape:
//! - step messages ([`crate::message`]) are grouped by record and each group is applied in
//!   one commit; groups run concurrently;
//! - task messages (from the task queue) run one task each ([`crate::task`]);
//! - messages from a configured start source (a queue, or a topic delivering through a
//!   queue) start an execution ([`crate::starts`]).
//!
//! A message whose handling failed is reported in `batchItemFailures`, so SQS delivers it again
//! (and only it); its group's other messages fail with it, since they shared the commit.
//! A message that can never succeed (not a step message at all) is logged and dropped.

use crate::driver::ServerlessDriver;
use crate::message::{Body, Message, RecordRef};
use crate::metrics::Op;
use crate::step::{Delivery, Input};
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use serde_json::Value;
use statecraft_core::Event;
use statecraft_runtime::env::now_millis;
use std::collections::{BTreeMap, HashMap};
use tokio::task::JoinSet;

/// A received SQS message, as the handler needs it.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub id: String,
    pub body: String,
    pub redelivered: bool,
    pub source: Option<String>,
}

impl Incoming {
    fn from_sqs(m: &SqsMessage) -> Incoming {
        let count: u32 =
            m.attributes.get("ApproximateReceiveCount").and_then(|c| c.parse().ok()).unwrap_or(1);
        Incoming {
            id: m.message_id.clone().unwrap_or_default(),
            body: m.body.clone().unwrap_or_default(),
            redelivered: count > 1,
            source: m.event_source_arn.clone(),
        }
    }
}

impl ServerlessDriver {
    /// Handles an SQS batch (the step function's entry point).
    pub async fn handle_sqs(&self, event: SqsEvent) -> SqsBatchResponse {
        let incoming: Vec<Incoming> = event.records.iter().map(Incoming::from_sqs).collect();
        let failed = self.handle_batch(incoming).await;
        let mut response = SqsBatchResponse::default();
        for id in failed {
            let mut f = BatchItemFailure::default();
            f.item_identifier = id;
            response.batch_item_failures.push(f);
        }
        response
    }

    /// Handles any event the step function can be wired to: an SQS batch, or SNS records
    /// (a start source topic subscribed to the function directly). Returns the response.
    pub async fn handle_value(&self, event: Value) -> Value {
        let is_sns =
            event.pointer("/Records/0/EventSource").and_then(Value::as_str).is_some_and(|s| s == "aws:sns");
        if is_sns {
            let records = event.get("Records").and_then(Value::as_array).cloned().unwrap_or_default();
            for r in records {
                let topic = r.pointer("/Sns/TopicArn").and_then(Value::as_str).unwrap_or_default();
                let id = r.pointer("/Sns/MessageId").and_then(Value::as_str).unwrap_or_default();
                let message = r.pointer("/Sns/Message").and_then(Value::as_str).unwrap_or_default();
                if let Err(e) = self.start_from(topic, id, message).await {
                    // SNS retries the whole invocation.
                    return serde_json::json!({"error": e.to_string()});
                }
            }
            return serde_json::json!({});
        }
        match serde_json::from_value::<SqsEvent>(event) {
            Ok(sqs) => serde_json::to_value(self.handle_sqs(sqs).await).unwrap_or(Value::Null),
            Err(e) => serde_json::json!({"error": format!("not an SQS or SNS event: {e}")}),
        }
    }

    /// Handles received messages; returns the ids of those that failed.
    pub(crate) async fn handle_batch(&self, incoming: Vec<Incoming>) -> Vec<String> {
        let mut groups: BTreeMap<RecordRef, Vec<(String, Delivery)>> = BTreeMap::new();
        let mut jobs = Jobs::default();
        let mut failed = Vec::new();
        let mut resend = Vec::new();
        let mut resent_ids = Vec::new();
        for m in incoming {
            self.inner.metrics.count(Op::Message);
            if let Some(sm) = m.source.as_ref().and_then(|s| self.inner.config.start_sources.get(s)).cloned()
            {
                let me = self.clone();
                let ids = vec![m.id.clone()];
                jobs.spawn(ids, async move {
                    me.start_for_message(&sm, &m.id, &m.body).await.map_err(log).is_ok()
                });
                continue;
            }
            let message = match Message::decode(&m.body) {
                Ok(msg) => msg,
                Err(e) => {
                    // A topic delivering to a start queue wraps the message: start from it.
                    if let Some((topic, sns_id, text)) = sns_envelope(&m.body) {
                        if self.inner.config.start_sources.contains_key(&topic) {
                            let me = self.clone();
                            jobs.spawn(vec![m.id], async move {
                                me.start_from(&topic, &sns_id, &text).await.map_err(log).is_ok()
                            });
                            continue;
                        }
                    }
                    log(format!("dropping message {}: {e}", m.id));
                    continue;
                }
            };
            let r = message.record;
            let input = match message.body {
                Body::Task { key } => {
                    let me = self.clone();
                    jobs.spawn(vec![m.id], async move {
                        me.run_task(&r, &key, m.redelivered).await.map_err(log).is_ok()
                    });
                    continue;
                }
                Body::Timer { timer, due } => {
                    // Early (SQS delays at most `max_delay_seconds`): send it on, so a timer
                    // never fires before its time.
                    if due > now_millis() {
                        resend.push(self.timer_message(&r, timer, due));
                        resent_ids.push(m.id);
                        continue;
                    }
                    Input::Event(Event::TimerFired { timer: timer.into() })
                }
                Body::Start => Input::Start,
                Body::TaskResult { task, outcome } => Input::Event(outcome.event(task.into())),
                Body::Heartbeat { task } => Input::Event(Event::TaskHeartbeat { task: task.into() }),
                Body::FanoutCompleted { frame, seq, fanout } => Input::FanoutDone { frame, seq, fanout },
                Body::FanoutFailed { frame, seq, error, cause } => Input::Event(Event::FanoutFailed {
                    frame,
                    seq,
                    failure: statecraft_core::Failure { error, cause },
                }),
                Body::Stop { error, cause } => Input::Event(Event::Stopped { error, cause }),
                Body::Redo => Input::Redo,
            };
            groups.entry(r).or_default().push((m.id, Delivery { input, redelivered: m.redelivered }));
        }
        if !resend.is_empty() {
            if let Err(e) = self.inner.bus.send(&self.inner.config.step_queue_url, resend).await {
                log(e);
                failed.extend(resent_ids);
            }
        }
        for (r, items) in groups {
            let me = self.clone();
            let (ids, deliveries): (Vec<String>, Vec<Delivery>) = items.into_iter().unzip();
            jobs.spawn(ids, async move { me.process(&r, &deliveries).await.map_err(log).is_ok() });
        }
        failed.extend(jobs.failures().await);
        failed
    }
}

/// Concurrent message handlers, each owning the ids of its messages: a handler that fails,
/// or panics, fails exactly its messages.
#[derive(Default)]
struct Jobs {
    set: JoinSet<bool>,
    ids: HashMap<tokio::task::Id, Vec<String>>,
}

impl Jobs {
    fn spawn(&mut self, ids: Vec<String>, job: impl std::future::Future<Output = bool> + Send + 'static) {
        let handle = self.set.spawn(job);
        self.ids.insert(handle.id(), ids);
    }

    async fn failures(mut self) -> Vec<String> {
        let mut failed = Vec::new();
        while let Some(done) = self.set.join_next_with_id().await {
            match done {
                Ok((id, ok)) => {
                    let ids = self.ids.remove(&id).unwrap_or_default();
                    if !ok {
                        failed.extend(ids);
                    }
                }
                Err(e) => {
                    log(format!("a message handler panicked: {e}"));
                    failed.extend(self.ids.remove(&e.id()).unwrap_or_default());
                }
            }
        }
        failed
    }
}

/// `(TopicArn, MessageId, Message)` of an SNS notification delivered to SQS without raw
/// message delivery.
fn sns_envelope(body: &str) -> Option<(String, String, String)> {
    let v: Value = serde_json::from_str(body).ok()?;
    if v.get("Type")?.as_str()? != "Notification" {
        return None;
    }
    Some((
        v.get("TopicArn")?.as_str()?.to_string(),
        v.get("MessageId")?.as_str()?.to_string(),
        v.get("Message")?.as_str()?.to_string(),
    ))
}

pub(crate) fn log(e: impl std::fmt::Display) {
    eprintln!("statecraft-serverless: {e}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bus::MemoryBus;
    use crate::config::Config;
    use crate::metrics::Metrics;
    use serde_json::json;
    use statecraft_api::types::{CreateStateMachineInput, ListExecutionsInput};
    use statecraft_api::StepFunctions;
    use statecraft_runtime::invoke::MockInvoker;
    use statecraft_service::Service;
    use std::sync::Arc;

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:orders";

    fn driver() -> ServerlessDriver {
        let mut config = Config {
            step_queue_url: "memory://step".into(),
            task_queue_url: "memory://task".into(),
            ..Config::default()
        };
        config
            .start_sources
            .insert(TOPIC.into(), "arn:aws:states:us-east-1:123456789012:stateMachine:orders".into());
        let invoker = Arc::new(MockInvoker::new(Default::default()));
        ServerlessDriver::in_memory(Arc::new(MemoryBus::new()), invoker, config, Arc::new(Metrics::new()))
    }

    #[tokio::test]
    async fn a_message_that_is_not_a_step_message_is_dropped_not_retried() {
        let d = driver();
        let event = json!({"Records": [{"messageId": "1", "receiptHandle": "r", "body": "hello",
            "attributes": {"ApproximateReceiveCount": "1"}, "eventSource": "aws:sqs"}]});
        let out = d.handle_value(event).await;
        assert_eq!(out, json!({"batchItemFailures": []}));
    }

    #[tokio::test]
    async fn sns_records_of_a_start_source_start_one_execution_per_message() {
        let d = driver();
        let svc = Service::with_driver(Arc::new(d.clone()));
        let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        svc.create_state_machine(CreateStateMachineInput {
            name: "orders".into(),
            definition: def.to_string(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        let event = json!({"Records": [{"EventSource": "aws:sns", "Sns": {"TopicArn": TOPIC, "MessageId": "m-1", "Message": "{\"n\": 1}"}}]});
        assert_eq!(d.handle_value(event.clone()).await, json!({}));
        assert_eq!(d.handle_value(event).await, json!({}), "a second delivery is fine");
        let list = svc
            .list_executions(ListExecutionsInput {
                state_machine_arn: Some("arn:aws:states:us-east-1:123456789012:stateMachine:orders".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(list.executions.len(), 1);
        assert_eq!(list.executions[0].name, "m-1");
    }
}
