//! SQS triggers: a long-polling loop per queue. Each message's body is the input of one
//! execution named by the message id, so a message delivered twice (SQS is at-least-once)
//! starts one execution. A message is deleted only after its start is durable (or was
//! already done); a message whose start fails stays in the queue, comes back after its
//! visibility timeout, and goes to the queue's dead-letter queue if one is configured (a body
//! that is not JSON is such a message).
//!
//! The queue is behind the [`Queue`] port; [`SqsQueue`] speaks the SQS JSON API over HTTP
//! (`AmazonSQS.ReceiveMessage`, `AmazonSQS.DeleteMessage`), signed with SigV4, against the
//! endpoint the configuration names (AWS, moto, ElasticMQ, LocalStack).

use super::aws::{Credentials, JsonClient};
use super::{start_once, warn, Recent, StartError, StartRequest, Starter};
use crate::config::SqsSource;
use async_trait::async_trait;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// One received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
}

/// A queue to poll.
#[async_trait]
pub trait Queue: Send + Sync {
    /// Waits (long polling) for messages; may return none.
    async fn receive(&self) -> Result<Vec<Message>, String>;
    async fn delete(&self, receipt_handle: &str) -> Result<(), String>;
}

/// An SQS queue through the SQS JSON API.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: JsonClient,
    source: SqsSource,
}

impl SqsQueue {
    pub fn new(http: reqwest::Client, source: &SqsSource, credentials: Option<Credentials>) -> SqsQueue {
        let client =
            JsonClient::new(http, &source.endpoint, &source.region, "sqs", "AmazonSQS", "1.0", credentials);
        SqsQueue { client, source: source.clone() }
    }
}

#[async_trait]
impl Queue for SqsQueue {
    async fn receive(&self) -> Result<Vec<Message>, String> {
        let mut input = json!({
            "QueueUrl": self.source.queue_url,
            "MaxNumberOfMessages": self.source.max_messages,
            "WaitTimeSeconds": self.source.wait_time_seconds,
        });
        if let Some(v) = self.source.visibility_timeout {
            input["VisibilityTimeout"] = json!(v);
        }
        let timeout = Duration::from_secs(u64::from(self.source.wait_time_seconds) + 30);
        let out = self.client.call("ReceiveMessage", &input, timeout).await.map_err(|e| e.to_string())?;
        let messages = out.get("Messages").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(messages
            .iter()
            .filter_map(|m| {
                Some(Message {
                    message_id: m.get("MessageId")?.as_str()?.to_string(),
                    receipt_handle: m.get("ReceiptHandle")?.as_str()?.to_string(),
                    body: m.get("Body").and_then(Value::as_str).unwrap_or_default().to_string(),
                })
            })
            .collect())
    }

    async fn delete(&self, receipt_handle: &str) -> Result<(), String> {
        let input = json!({ "QueueUrl": self.source.queue_url, "ReceiptHandle": receipt_handle });
        self.client
            .call("DeleteMessage", &input, Duration::from_secs(30))
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Polls one queue for one trigger.
pub struct Poller {
    pub trigger: String,
    pub state_machine: String,
    pub queue: Arc<dyn Queue>,
    pub starter: Arc<dyn Starter>,
    pub recent: Arc<Recent>,
}

impl Poller {
    /// Polls until aborted. Receive errors back off from 1 s to 30 s.
    pub async fn run(self) {
        let mut backoff = Duration::from_secs(1);
        loop {
            match self.queue.receive().await {
                Ok(messages) => {
                    backoff = Duration::from_secs(1);
                    for m in messages {
                        self.handle(m).await;
                    }
                }
                Err(e) => {
                    warn(&format!(
                        "trigger {}: receiving from the queue: {e}; retrying in {backoff:?}",
                        self.trigger
                    ));
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// Starts the message's execution and deletes the message once the start is durable.
    pub async fn handle(&self, m: Message) {
        let request = StartRequest {
            trigger: self.trigger.clone(),
            state_machine: self.state_machine.clone(),
            name: Some(m.message_id.clone()),
            input: m.body.clone(),
        };
        match start_once(self.starter.as_ref(), &self.recent, request).await {
            Ok(_) => {
                if let Err(e) = self.queue.delete(&m.receipt_handle).await {
                    // It comes back; its start is then a duplicate and it is deleted again.
                    warn(&format!("trigger {}: deleting message {}: {e}", self.trigger, m.message_id));
                }
            }
            Err(StartError::Rejected { code, message }) => warn(&format!(
                "trigger {}: message {} not started ({code}: {message}); it stays in the queue",
                self.trigger, m.message_id
            )),
            Err(e) => warn(&format!(
                "trigger {}: message {} not started: {e}; it will come back",
                self.trigger, m.message_id
            )),
        }
    }
}
