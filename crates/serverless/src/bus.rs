//! The messaging port: SQS queues (step, task, activity queues) and SNS topics (activity
//! topics), as one small trait so the driver can be exercised against moto, AWS or a test
//! double alike. [`SqsSns`] is the AWS SDK implementation; every request it makes is counted
//! in [`crate::metrics`].

use crate::metrics::{Metrics, Op};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// Messaging failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{service} {operation}: {message}")]
    Service { service: &'static str, operation: &'static str, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub body: String,
    /// 0..=900 (SQS's maximum).
    pub delay_seconds: u32,
}

/// One message received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    pub receipt_handle: String,
    pub body: String,
    pub receive_count: u32,
}

#[async_trait]
pub trait Bus: Send + Sync {
    /// Sends messages to a queue (batched as the service allows).
    async fn send(&self, queue_url: &str, messages: Vec<Outgoing>) -> Result<()>;
    /// Publishes one message to a topic.
    async fn publish(&self, topic_arn: &str, body: String) -> Result<()>;
    /// Receives up to `max` messages, waiting up to `wait` (long polling, at most 20 s).
    async fn receive(&self, queue_url: &str, max: i32, wait: Duration) -> Result<Vec<Received>>;
    async fn delete(&self, queue_url: &str, receipt_handle: &str) -> Result<()>;
}

/// SQS and SNS through the AWS SDK.
#[derive(Clone)]
pub struct SqsSns {
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    metrics: Arc<Metrics>,
}

impl SqsSns {
    pub fn new(sqs: aws_sdk_sqs::Client, sns: aws_sdk_sns::Client, metrics: Arc<Metrics>) -> SqsSns {
        SqsSns { sqs, sns, metrics }
    }

    pub fn sqs(&self) -> &aws_sdk_sqs::Client {
        &self.sqs
    }

    pub fn sns(&self) -> &aws_sdk_sns::Client {
        &self.sns
    }
}

fn sqs_error(operation: &'static str, e: impl std::error::Error) -> Error {
    Error::Service { service: "SQS", operation, message: error_chain(&e) }
}

/// An error with its sources, on one line (SDK errors say little at the top level).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[async_trait]
impl Bus for SqsSns {
    async fn send(&self, queue_url: &str, messages: Vec<Outgoing>) -> Result<()> {
        use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
        if messages.len() == 1 {
            let m = &messages[0];
            self.metrics.count(Op::SqsSend);
            self.sqs
                .send_message()
                .queue_url(queue_url)
                .message_body(&m.body)
                .delay_seconds(m.delay_seconds.min(900) as i32)
                .send()
                .await
                .map_err(|e| sqs_error("SendMessage", e))?;
            return Ok(());
        }
        // SendMessageBatch takes 10 entries and 256 KiB in all.
        let mut batch: Vec<SendMessageBatchRequestEntry> = Vec::new();
        let mut size = 0usize;
        let mut pending: Vec<Vec<SendMessageBatchRequestEntry>> = Vec::new();
        for (i, m) in messages.into_iter().enumerate() {
            if batch.len() == 10 || (size + m.body.len() > 250 * 1024 && !batch.is_empty()) {
                pending.push(std::mem::take(&mut batch));
                size = 0;
            }
            size += m.body.len();
            let entry = SendMessageBatchRequestEntry::builder()
                .id(format!("m{i}"))
                .message_body(m.body)
                .delay_seconds(m.delay_seconds.min(900) as i32)
                .build()
                .map_err(|e| sqs_error("SendMessageBatch", e))?;
            batch.push(entry);
        }
        if !batch.is_empty() {
            pending.push(batch);
        }
        for entries in pending {
            self.metrics.count(Op::SqsSend);
            let out = self
                .sqs
                .send_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| sqs_error("SendMessageBatch", e))?;
            if let Some(f) = out.failed.first() {
                return Err(Error::Service {
                    service: "SQS",
                    operation: "SendMessageBatch",
                    message: format!("entry {} failed: {}", f.id, f.message.clone().unwrap_or_default()),
                });
            }
        }
        Ok(())
    }

    async fn publish(&self, topic_arn: &str, body: String) -> Result<()> {
        self.metrics.count(Op::SnsPublish);
        self.sns.publish().topic_arn(topic_arn).message(body).send().await.map_err(|e| Error::Service {
            service: "SNS",
            operation: "Publish",
            message: error_chain(&e),
        })?;
        Ok(())
    }

    async fn receive(&self, queue_url: &str, max: i32, wait: Duration) -> Result<Vec<Received>> {
        use aws_sdk_sqs::types::MessageSystemAttributeName;
        self.metrics.count(Op::SqsReceive);
        let out = self
            .sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(max.clamp(1, 10))
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| sqs_error("ReceiveMessage", e))?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| Received {
                receive_count: m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1),
                message_id: m.message_id.unwrap_or_default(),
                receipt_handle: m.receipt_handle.unwrap_or_default(),
                body: m.body.unwrap_or_default(),
            })
            .collect())
    }

    async fn delete(&self, queue_url: &str, receipt_handle: &str) -> Result<()> {
        self.metrics.count(Op::SqsDelete);
        self.sqs
            .delete_message()
            .queue_url(queue_url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(|e| sqs_error("DeleteMessage", e))?;
        Ok(())
    }
}

/// Queues and topics in memory, for tests and local experiments: delays are honoured,
/// received messages stay hidden until deleted or released ([`MemoryBus::release`]), topics
/// deliver to the queues subscribed to them (as raw messages).
#[derive(Debug, Default)]
pub struct MemoryBus {
    inner: std::sync::Mutex<MemoryQueues>,
}

#[derive(Debug, Default)]
struct MemoryQueues {
    next: u64,
    queues: std::collections::HashMap<String, Vec<MemoryMessage>>,
    topics: std::collections::HashMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
struct MemoryMessage {
    id: String,
    body: String,
    visible_at: std::time::Instant,
    hidden: bool,
    receive_count: u32,
}

impl MemoryBus {
    pub fn new() -> MemoryBus {
        MemoryBus::default()
    }

    /// Delivers what is published to `topic_arn` to `queue_url`.
    pub fn subscribe(&self, topic_arn: &str, queue_url: &str) {
        let mut q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        q.topics.entry(topic_arn.to_string()).or_default().push(queue_url.to_string());
    }

    /// Makes a received, undeleted message visible again (what a visibility timeout does).
    pub fn release(&self, queue_url: &str, receipt_handle: &str) {
        let mut q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) =
            q.queues.get_mut(queue_url).and_then(|ms| ms.iter_mut().find(|m| m.id == receipt_handle))
        {
            m.hidden = false;
        }
    }

    /// Messages in a queue (visible or not).
    pub fn len(&self, queue_url: &str) -> usize {
        let q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        q.queues.get(queue_url).map_or(0, Vec::len)
    }

    pub fn is_empty(&self, queue_url: &str) -> bool {
        self.len(queue_url) == 0
    }

    fn push(q: &mut MemoryQueues, queue_url: &str, body: String, delay: u32) {
        q.next += 1;
        let id = format!("m{}", q.next);
        let visible_at = std::time::Instant::now() + Duration::from_secs(u64::from(delay));
        q.queues.entry(queue_url.to_string()).or_default().push(MemoryMessage {
            id,
            body,
            visible_at,
            hidden: false,
            receive_count: 0,
        });
    }
}

#[async_trait]
impl Bus for MemoryBus {
    async fn send(&self, queue_url: &str, messages: Vec<Outgoing>) -> Result<()> {
        let mut q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for m in messages {
            MemoryBus::push(&mut q, queue_url, m.body, m.delay_seconds);
        }
        Ok(())
    }

    async fn publish(&self, topic_arn: &str, body: String) -> Result<()> {
        let mut q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for queue in q.topics.get(topic_arn).cloned().unwrap_or_default() {
            MemoryBus::push(&mut q, &queue, body.clone(), 0);
        }
        Ok(())
    }

    async fn receive(&self, queue_url: &str, max: i32, _wait: Duration) -> Result<Vec<Received>> {
        let mut q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        let mut out = Vec::new();
        for m in q.queues.entry(queue_url.to_string()).or_default().iter_mut() {
            if out.len() >= max.max(1) as usize {
                break;
            }
            if m.hidden || m.visible_at > now {
                continue;
            }
            m.hidden = true;
            m.receive_count += 1;
            out.push(Received {
                message_id: m.id.clone(),
                receipt_handle: m.id.clone(),
                body: m.body.clone(),
                receive_count: m.receive_count,
            });
        }
        Ok(out)
    }

    async fn delete(&self, queue_url: &str, receipt_handle: &str) -> Result<()> {
        let mut q = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ms) = q.queues.get_mut(queue_url) {
            ms.retain(|m| m.id != receipt_handle);
        }
        Ok(())
    }
}
