//! Push delivery of activity tasks: instead of (or besides) waiting for a worker to poll
//! `GetActivityTask`, the engine hands a queued task of an activity that has a `webhook` to
//! [`Pusher::push`], which POSTs it to that URL:
//!
//! ```text
//! POST /tasks HTTP/1.1
//! Content-Type: application/json
//! X-Statecraft-Timestamp: 1767225600
//! X-Statecraft-Signature: sha256=5d0c...e1
//! X-Statecraft-Delivery: 3f1c2a...
//!
//! {"taskToken":"...","input":{...},"activityArn":"arn:aws:states:...:activity:Approve","executionArn":"..."}
//! ```
//!
//! `input` is the task input as JSON (not a JSON string, as GetActivityTask returns it).
//! `executionArn` is present when known. The worker answers later with
//! SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat and the token, as a polling worker would.
//!
//! **Signature.** `X-Statecraft-Signature` is `sha256=` and the lower-case hex
//! HMAC-SHA256, keyed with the activity's secret, of the timestamp header's value, a `.`,
//! and the exact body bytes. Signing the timestamp lets a receiver reject replays: check the
//! signature (in constant time), then that the timestamp is recent. [`verify`] does both,
//! with a five-minute tolerance; in another language:
//!
//! ```text
//! expected = "sha256=" + hex(hmac_sha256(secret, timestamp + "." + body))
//! ok = constant_time_eq(expected, signature) and abs(now - int(timestamp)) <= 300
//! ```
//!
//! **Delivery.** At least once: any answer but a 2xx (or no answer) is retried with
//! exponential back-off and jitter until a 2xx arrives or the deadline passes; every attempt
//! is signed afresh with the current time. `X-Statecraft-Delivery` stays the same across the
//! attempts of one push, and receivers can also deduplicate on the task token (the engine
//! may push again after a restart).

use crate::config::ActivityConfig;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, CONTENT_TYPE};
use serde_json::{Map, Value};
use sha2::Sha256;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

pub const SIGNATURE_HEADER: &str = "x-statecraft-signature";
pub const TIMESTAMP_HEADER: &str = "x-statecraft-timestamp";
pub const DELIVERY_HEADER: &str = "x-statecraft-delivery";
/// How far a timestamp may be from the receiver's clock in [`verify`].
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// One activity task to deliver.
#[derive(Debug, Clone, Copy)]
pub struct Task<'a> {
    pub activity_arn: &'a str,
    pub execution_arn: Option<&'a str>,
    pub token: &'a str,
    pub input: &'a Value,
}

/// Back-off between attempts: the n-th wait is drawn from [d/2, d] with
/// d = min(initial × 2ⁿ, max).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// The most one attempt may take.
    pub attempt_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

/// A push that a receiver accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub attempts: u32,
    pub status: u16,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    #[error("no 2xx from {url} after {attempts} attempt(s) before the deadline; last: {last}")]
    DeadlineExceeded { url: String, attempts: u32, last: String },
    #[error("cannot create the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// Delivers activity tasks to webhooks.
#[derive(Debug, Clone)]
pub struct Pusher {
    client: reqwest::Client,
    policy: RetryPolicy,
}

impl Pusher {
    pub fn new(policy: RetryPolicy) -> Result<Pusher, PushError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(PushError::Client)?;
        Ok(Pusher { client, policy })
    }

    pub fn with_client(client: reqwest::Client, policy: RetryPolicy) -> Pusher {
        Pusher { client, policy }
    }

    /// POSTs the task to the activity's webhook until a 2xx arrives or `deadline` passes
    /// (normally the end of the state's `TimeoutSeconds`).
    pub async fn push(
        &self,
        activity: &ActivityConfig,
        task: &Task<'_>,
        deadline: Instant,
    ) -> Result<Delivered, PushError> {
        let body = body(task);
        let delivery = hex::encode(random::<16>());
        let mut attempts = 0u32;
        let mut last = String::from("the deadline had passed before the first attempt");
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            attempts += 1;
            let timestamp = unix_now();
            let result = self
                .client
                .post(&activity.webhook)
                .header(CONTENT_TYPE, "application/json")
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(SIGNATURE_HEADER, sign(activity.secret.expose(), timestamp, &body))
                .header(DELIVERY_HEADER, &delivery)
                .timeout(self.policy.attempt_timeout.min(deadline - now))
                .body(body.clone())
                .send()
                .await;
            match result {
                Ok(r) if r.status().is_success() => {
                    return Ok(Delivered { attempts, status: r.status().as_u16() });
                }
                Ok(r) => last = format!("HTTP {}", r.status()),
                Err(e) => last = super::error_chain(&e),
            }
            let wait = self.backoff(attempts - 1);
            if Instant::now() + wait >= deadline {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        Err(PushError::DeadlineExceeded { url: activity.webhook.clone(), attempts, last })
    }

    fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(30));
        let d = self.policy.initial_backoff.saturating_mul(factor).min(self.policy.max_backoff);
        let half = d / 2;
        let jitter = u64::from_le_bytes(random::<8>()) % (half.as_micros() as u64 + 1);
        half + Duration::from_micros(jitter)
    }
}

/// The exact body of a push.
pub fn body(task: &Task<'_>) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("taskToken".into(), Value::String(task.token.to_string()));
    m.insert("input".into(), task.input.clone());
    m.insert("activityArn".into(), Value::String(task.activity_arn.to_string()));
    if let Some(e) = task.execution_arn {
        m.insert("executionArn".into(), Value::String(e.to_string()));
    }
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

/// The MAC over `timestamp.body`. HMAC accepts keys of any length, so this is `None` only
/// if that ever stops being so.
fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The `X-Statecraft-Signature` value for a body sent at `timestamp` (Unix seconds).
pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let digest = mac(secret, &timestamp.to_string(), body).map(|m| m.finalize().into_bytes());
    format!("sha256={}", digest.map(hex::encode).unwrap_or_default())
}

/// Why a push did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    #[error("malformed {0} header")]
    Malformed(&'static str),
    #[error("the signature does not match")]
    Mismatch,
    #[error("the timestamp is {skew_seconds} s away from now (tolerance {tolerance_seconds} s): a replay?")]
    Stale { skew_seconds: u64, tolerance_seconds: u64 },
}

/// Checks a received push: the signature over the timestamp and the exact body bytes, then
/// that the timestamp is within [`DEFAULT_TOLERANCE`] of this machine's clock.
pub fn verify(secret: &[u8], headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
    let get = |name: &'static str| {
        headers
            .get(name)
            .ok_or(VerifyError::MissingHeader(name))?
            .to_str()
            .map_err(|_| VerifyError::Malformed(name))
    };
    verify_at(secret, get(SIGNATURE_HEADER)?, get(TIMESTAMP_HEADER)?, body, unix_now(), DEFAULT_TOLERANCE)
}

/// [`verify`] with the header values, the current time (Unix seconds) and the tolerance
/// given.
pub fn verify_at(
    secret: &[u8],
    signature: &str,
    timestamp: &str,
    body: &[u8],
    now: u64,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let hex_sig = signature.trim().strip_prefix("sha256=").ok_or(VerifyError::Malformed(SIGNATURE_HEADER))?;
    let given = hex::decode(hex_sig).map_err(|_| VerifyError::Malformed(SIGNATURE_HEADER))?;
    let ts = timestamp.trim();
    let sent: u64 = ts.parse().map_err(|_| VerifyError::Malformed(TIMESTAMP_HEADER))?;
    // Constant-time comparison.
    mac(secret, ts, body)
        .ok_or(VerifyError::Mismatch)?
        .verify_slice(&given)
        .map_err(|_| VerifyError::Mismatch)?;
    let skew = now.abs_diff(sent);
    if skew > tolerance.as_secs() {
        return Err(VerifyError::Stale { skew_seconds: skew, tolerance_seconds: tolerance.as_secs() });
    }
    Ok(())
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // Without OS randomness the delivery id repeats and jitter vanishes; neither is unsafe.
    let _ = getrandom::fill(&mut b);
    b
}

/// [`crate::invoke::ActivityPush`] through the webhooks of a project's `[activities]`.
pub struct WebhookActivities {
    config: crate::config::ProjectConfig,
    pusher: Pusher,
}

impl WebhookActivities {
    pub fn new(config: crate::config::ProjectConfig) -> Result<WebhookActivities, PushError> {
        Ok(WebhookActivities { config, pusher: Pusher::new(RetryPolicy::default())? })
    }
}

#[async_trait::async_trait]
impl crate::invoke::ActivityPush for WebhookActivities {
    fn pushes(&self, activity_arn: &str) -> bool {
        self.config.activity(activity_arn).is_some()
    }

    async fn push(
        &self,
        activity_arn: &str,
        execution_arn: &str,
        token: &str,
        input: &Value,
        deadline: i64,
    ) -> Result<(), String> {
        let Some(activity) = self.config.activity(activity_arn) else {
            return Err(format!("no webhook configured for {activity_arn}"));
        };
        let left = (deadline - crate::env::now_millis()).max(0) as u64;
        let deadline = Instant::now() + Duration::from_millis(left);
        let task = Task { activity_arn, execution_arn: Some(execution_arn), token, input };
        self.pusher.push(activity, &task, deadline).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies() {
        let body = br#"{"taskToken":"t"}"#;
        let sig = sign(b"key", 1000, body);
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        let tol = DEFAULT_TOLERANCE;
        assert_eq!(verify_at(b"key", &sig, "1000", body, 1100, tol), Ok(()));
        assert_eq!(verify_at(b"other", &sig, "1000", body, 1100, tol), Err(VerifyError::Mismatch));
        assert_eq!(verify_at(b"key", &sig, "1001", body, 1100, tol), Err(VerifyError::Mismatch));
        assert_eq!(verify_at(b"key", &sig, "1000", b"{}", 1100, tol), Err(VerifyError::Mismatch));
        assert!(matches!(verify_at(b"key", &sig, "1000", body, 2000, tol), Err(VerifyError::Stale { .. })));
        assert!(matches!(
            verify_at(b"key", "md5=00", "1000", body, 1000, tol),
            Err(VerifyError::Malformed(_))
        ));
    }

    #[test]
    fn backoff_grows_within_bounds() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            attempt_timeout: Duration::from_secs(1),
        };
        let Ok(p) = Pusher::new(policy) else { panic!("client") };
        for _ in 0..20 {
            let d0 = p.backoff(0);
            assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
            let d2 = p.backoff(2);
            assert!(d2 >= Duration::from_millis(175) && d2 <= Duration::from_millis(350));
        }
    }
}
