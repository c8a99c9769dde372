//! Outbound execution status-change notifications, in the shape of EventBridge's
//! "Step Functions Execution Status Change" event ([`event`]), sent for RUNNING and the
//! terminal statuses to the targets of `[notifications]` in `statecraft.toml`:
//!
//! - **webhooks**: POST of the event, signed like activity pushes
//!   (`X-Statecraft-Timestamp`, `X-Statecraft-Signature: sha256=HMAC(secret, "ts.body")`,
//!   [`crate::resolvers::webhook::verify`] checks one) with `X-Statecraft-Delivery` set to the
//!   event id, retried with exponential back-off until a 2xx or the [`Delivery::deadline`];
//! - an **EventBridge bus**: `PutEvents` through the AWS JSON API (SigV4), one entry per
//!   event with `Detail` the event's `detail` and `Source` the configured one (AWS refuses
//!   `aws.*` sources from PutEvents, so the default is `statecraft.states`), retried likewise.
//!
//! Each target has one queue, delivered in order, so an execution's RUNNING event reaches a
//! target before its SUCCEEDED event. Delivery is best effort, as on AWS: events live in
//! memory, so those not yet delivered when the process stops are lost. As on AWS, EXPRESS
//! executions send no events unless `include_express = true`.
//!
//! The [`Notifier`] is an [`crate::engine::Observer`]: the engine tells it of starts and ends
//! after they are committed.

use crate::config::{EventBridgeTarget, NotificationsConfig, WebhookTarget};
use crate::engine::Observer;
use crate::env::{now_millis, SystemEnv};
use crate::ports::{ExecutionStatus, ExecutionSummary, MachineKind};
use crate::resolvers::webhook::{sign, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::triggers::aws::{Credentials, JsonClient};
use async_trait::async_trait;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The `detail-type` of the events.
pub const DETAIL_TYPE: &str = "Step Functions Execution Status Change";

/// Where an event comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub region: String,
    pub account: String,
}

/// The event for `summary` with status `status` (RUNNING for a start, whatever the summary
/// says by then). `id` is the event id; `time` milliseconds since the epoch.
pub fn event(
    origin: &Origin,
    summary: &ExecutionSummary,
    status: ExecutionStatus,
    id: &str,
    time: i64,
) -> Value {
    let running = status == ExecutionStatus::Running;
    let (redrive_status, reason) = match status {
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted
            if summary.kind == MachineKind::Standard =>
        {
            ("REDRIVABLE", Value::Null)
        }
        ExecutionStatus::Succeeded => {
            ("NOT_REDRIVABLE", json!("Execution is SUCCEEDED and cannot be redriven"))
        }
        ExecutionStatus::Running => ("NOT_REDRIVABLE", json!("Execution is RUNNING and cannot be redriven")),
        _ => ("NOT_REDRIVABLE", json!("Express executions cannot be redriven")),
    };
    let output = if running { None } else { summary.output.clone() };
    let detail = json!({
        "executionArn": summary.arn,
        "stateMachineArn": summary.state_machine_arn,
        "name": summary.name,
        "status": status.as_str(),
        "startDate": summary.start,
        "stopDate": if running { None } else { summary.stop },
        "input": summary.input,
        "output": output,
        "inputDetails": { "included": true },
        "outputDetails": output.as_ref().map(|_| json!({ "included": true })),
        "error": if running { None } else { summary.error.clone() },
        "cause": if running { None } else { summary.cause.clone() },
        "stateMachineVersionArn": summary.version_arn,
        "stateMachineAliasArn": summary.alias_arn,
        "redriveCount": summary.redrive_count,
        "redriveDate": summary.redrive_date,
        "redriveStatus": redrive_status,
        "redriveStatusReason": reason,
    });
    json!({
        "version": "0",
        "id": id,
        "detail-type": DETAIL_TYPE,
        "source": "aws.states",
        "account": origin.account,
        "time": chrono::DateTime::from_timestamp_millis(time).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": origin.region,
        "resources": [summary.arn],
        "detail": detail,
    })
}

/// How hard a target is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub attempt_timeout: Duration,
    /// How long one event is retried before it is dropped (with a warning).
    pub deadline: Duration,
}

impl Default for Delivery {
    fn default() -> Delivery {
        Delivery {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(3600),
        }
    }
}

impl Delivery {
    /// The wait before retry `n` (0-based): drawn from [d/2, d], d = min(initial × 2ⁿ, max).
    fn backoff(&self, n: u32) -> Duration {
        let d = self.initial_backoff.saturating_mul(2u32.saturating_pow(n.min(30))).min(self.max_backoff);
        let mut b = [0u8; 8];
        let _ = getrandom::fill(&mut b);
        let half = d / 2;
        half + Duration::from_micros(u64::from_le_bytes(b) % (half.as_micros() as u64 + 1))
    }
}

/// A place events go.
#[async_trait]
pub trait Sink: Send + Sync {
    /// A name for warnings (the URL, the bus).
    fn describe(&self) -> String;
    /// One attempt to deliver `event`.
    async fn send(&self, event: &Value, timeout: Duration) -> Result<(), String>;
}

/// A webhook target.
pub struct WebhookSink {
    client: reqwest::Client,
    target: WebhookTarget,
}

impl WebhookSink {
    pub fn new(client: reqwest::Client, target: WebhookTarget) -> WebhookSink {
        WebhookSink { client, target }
    }
}

#[async_trait]
impl Sink for WebhookSink {
    fn describe(&self) -> String {
        self.target.url.clone()
    }

    async fn send(&self, event: &Value, timeout: Duration) -> Result<(), String> {
        let body = serde_json::to_vec(event).unwrap_or_default();
        let timestamp = now_millis().max(0) as u64 / 1000;
        let id = event.get("id").and_then(Value::as_str).unwrap_or_default();
        let response = self
            .client
            .post(&self.target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, sign(self.target.secret.expose(), timestamp, &body))
            .header(DELIVERY_HEADER, id)
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| crate::resolvers::error_chain(&e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", response.status()))
        }
    }
}

/// An EventBridge bus, through PutEvents.
pub struct EventBridgeSink {
    client: JsonClient,
    target: EventBridgeTarget,
}

impl EventBridgeSink {
    pub fn new(
        http: reqwest::Client,
        target: EventBridgeTarget,
        credentials: Option<Credentials>,
    ) -> EventBridgeSink {
        let client = JsonClient::new(
            http,
            &target.endpoint,
            &target.region,
            "events",
            "AWSEvents",
            "1.1",
            credentials,
        );
        EventBridgeSink { client, target }
    }
}

/// The PutEvents request for one event.
pub fn put_events_input(event: &Value, bus: &str, source: &str) -> Value {
    let time =
        chrono::DateTime::parse_from_rfc3339(event.get("time").and_then(Value::as_str).unwrap_or_default())
            .map(|t| t.timestamp())
            .unwrap_or(0);
    json!({
        "Entries": [{
            "Source": source,
            "DetailType": DETAIL_TYPE,
            "Detail": event.get("detail").map(Value::to_string).unwrap_or_default(),
            "Resources": event.get("resources").cloned().unwrap_or(json!([])),
            "EventBusName": bus,
            "Time": time,
        }]
    })
}

#[async_trait]
impl Sink for EventBridgeSink {
    fn describe(&self) -> String {
        format!("EventBridge bus {} at {}", self.target.event_bus, self.target.endpoint)
    }

    async fn send(&self, event: &Value, timeout: Duration) -> Result<(), String> {
        let input = put_events_input(event, &self.target.event_bus, &self.target.source);
        let out = self.client.call("PutEvents", &input, timeout).await.map_err(|e| e.to_string())?;
        match out.get("FailedEntryCount").and_then(Value::as_u64) {
            Some(n) if n > 0 => {
                Err(format!("PutEvents refused the entry: {}", out.get("Entries").unwrap_or(&Value::Null)))
            }
            _ => Ok(()),
        }
    }
}

/// Sends status changes to the configured targets; the engine's [`Observer`].
pub struct Notifier {
    origin: Origin,
    config: NotificationsConfig,
    queues: Vec<mpsc::UnboundedSender<Arc<Value>>>,
}

impl Notifier {
    /// Starts one delivery task per target; call inside a tokio runtime.
    pub fn new(origin: Origin, config: NotificationsConfig, delivery: Delivery) -> Result<Notifier, String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot create the HTTP client: {e}"))?;
        let mut sinks: Vec<Arc<dyn Sink>> = Vec::new();
        for w in &config.webhooks {
            sinks.push(Arc::new(WebhookSink::new(http.clone(), w.clone())));
        }
        if let Some(e) = &config.eventbridge {
            sinks.push(Arc::new(EventBridgeSink::new(http.clone(), e.clone(), Credentials::from_env())));
        }
        Ok(Notifier::with_sinks(origin, config, sinks, delivery))
    }

    /// A notifier over given sinks (tests, other targets).
    pub fn with_sinks(
        origin: Origin,
        config: NotificationsConfig,
        sinks: Vec<Arc<dyn Sink>>,
        delivery: Delivery,
    ) -> Notifier {
        let queues = sinks
            .into_iter()
            .map(|sink| {
                let (tx, rx) = mpsc::unbounded_channel();
                tokio::spawn(deliver_all(sink, rx, delivery));
                tx
            })
            .collect();
        Notifier { origin, config, queues }
    }

    fn notify(&self, summary: &ExecutionSummary, status: ExecutionStatus) {
        if summary.kind == MachineKind::Express && !self.config.include_express {
            return;
        }
        if !self.config.wants(&summary.state_machine_arn, status) {
            return;
        }
        let id = statecraft_core::ids::uuid(&SystemEnv);
        let event = Arc::new(event(&self.origin, summary, status, &id, now_millis()));
        for q in &self.queues {
            let _ = q.send(event.clone());
        }
    }
}

impl Observer for Notifier {
    fn started(&self, summary: &ExecutionSummary) {
        self.notify(summary, ExecutionStatus::Running);
    }

    fn finished(&self, summary: &ExecutionSummary) {
        self.notify(summary, summary.status);
    }
}

async fn deliver_all(sink: Arc<dyn Sink>, mut rx: mpsc::UnboundedReceiver<Arc<Value>>, delivery: Delivery) {
    while let Some(event) = rx.recv().await {
        let deadline = Instant::now() + delivery.deadline;
        let mut attempt = 0u32;
        loop {
            let last = match sink.send(&event, delivery.attempt_timeout).await {
                Ok(()) => break,
                Err(e) => e,
            };
            let wait = delivery.backoff(attempt);
            attempt += 1;
            if Instant::now() + wait >= deadline {
                crate::triggers::warn(&format!(
                    "status-change event {} not delivered to {} after {attempt} attempt(s): {last}",
                    event.get("id").and_then(Value::as_str).unwrap_or_default(),
                    sink.describe()
                ));
                break;
            }
            tokio::time::sleep(wait).await;
        }
    }
}
