//! HTTP start URLs: `POST /start/{trigger}` starts an execution of the trigger's state
//! machine with the request body as input. This module decides the answer; the HTTP server
//! (`statecraft serve`) only passes the request in and the [`Reply`] out, so the bearer token
//! of the API does not apply: each trigger has its own secret, presented as either
//!
//! - `Authorization: Bearer <secret>`, or
//! - `X-Statecraft-Timestamp: <unix seconds>` and `X-Statecraft-Signature: sha256=<hex>`, the
//!   HMAC-SHA256 of `timestamp.body` under the secret (the scheme of the activity and
//!   notification webhooks, [`crate::resolvers::webhook::sign`]), within five minutes.
//!
//! | request | answer |
//! | --- | --- |
//! | unknown trigger (or not an HTTP trigger) | 404 `{"message"}` |
//! | no or wrong secret | 401 `{"message"}`, nothing starts |
//! | body not JSON, over 256 KiB, or an invalid `Idempotency-Key` | 400 / 413 |
//! | started | 200 `{"executionArn", "startDate", "created": true}` |
//! | `Idempotency-Key` already used | 200 with that execution and `"created": false` |
//! | the control plane refused (no such state machine ...) | 400 `{"code", "message"}` |
//! | storage failure | 503 |
//!
//! `Idempotency-Key` becomes the execution name (Step Functions' name rules: 1 to 80
//! characters, no spaces or `<>{}[]?*"#%\^|~`$&,;:/`); without it the name is random.

use super::{start_once, Recent, StartError, StartRequest, Starter};
use crate::config::{ProjectConfig, Secret, TriggerSource};
use crate::resolvers::webhook;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The largest accepted body: Step Functions' input limit.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// An answer to a start request.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply { status, body: json!({ "message": message.into() }) }
    }
}

/// The headers a start request may carry.
#[derive(Debug, Clone, Copy, Default)]
pub struct Credentials<'a> {
    pub authorization: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub timestamp: Option<&'a str>,
}

struct UrlTrigger {
    state_machine: String,
    secret: Secret,
}

/// The HTTP triggers of a project.
pub struct StartUrls {
    triggers: HashMap<String, UrlTrigger>,
    starter: Arc<dyn Starter>,
    recent: Arc<Recent>,
}

impl StartUrls {
    pub fn new(config: &ProjectConfig, starter: Arc<dyn Starter>, recent: Arc<Recent>) -> StartUrls {
        let triggers = config
            .triggers
            .iter()
            .filter_map(|t| match &t.source {
                TriggerSource::Http { secret } => Some((
                    t.name.clone(),
                    UrlTrigger { state_machine: t.state_machine.clone(), secret: secret.clone() },
                )),
                _ => None,
            })
            .collect();
        StartUrls { triggers, starter, recent }
    }

    /// Whether any trigger has a start URL.
    pub fn is_empty(&self) -> bool {
        self.triggers.is_empty()
    }

    /// Answers `POST /start/{trigger}`.
    pub async fn handle(
        &self,
        trigger: &str,
        credentials: Credentials<'_>,
        idempotency_key: Option<&str>,
        body: &[u8],
    ) -> Reply {
        let Some(t) = self.triggers.get(trigger) else {
            return Reply::error(404, format!("no HTTP trigger named {trigger:?}"));
        };
        if !authenticated(&t.secret, credentials, body) {
            return Reply::error(
                401,
                "missing or wrong trigger secret: send 'Authorization: Bearer <secret>' or a signed request",
            );
        }
        if body.len() > MAX_BODY_BYTES {
            return Reply::error(
                413,
                format!("the input exceeds the maximum size of {MAX_BODY_BYTES} bytes"),
            );
        }
        let text = String::from_utf8_lossy(body);
        let input = if text.trim().is_empty() { "{}".to_string() } else { text.into_owned() };
        if let Err(e) = serde_json::from_str::<Value>(&input) {
            return Reply::error(400, format!("the body is not JSON: {e}"));
        }
        if let Some(key) = idempotency_key {
            if !valid_name(key) {
                return Reply::error(400, "invalid Idempotency-Key: 1 to 80 characters, none of them whitespace or <>{}[]?*\"#%\\^|~`$&,;:/");
            }
        }
        let request = StartRequest {
            trigger: trigger.to_string(),
            state_machine: t.state_machine.clone(),
            name: idempotency_key.map(str::to_string),
            input,
        };
        match start_once(self.starter.as_ref(), &self.recent, request).await {
            Ok(s) => Reply {
                status: 200,
                body: json!({
                    "executionArn": s.execution_arn,
                    "startDate": s.start_date as f64 / 1000.0,
                    "created": s.created,
                }),
            },
            Err(StartError::Rejected { code, message }) => {
                Reply { status: 400, body: json!({ "code": code, "message": message }) }
            }
            Err(StartError::Transient(m)) => Reply::error(503, m),
        }
    }
}

fn authenticated(secret: &Secret, c: Credentials<'_>, body: &[u8]) -> bool {
    if let Some(token) = c.authorization.and_then(|a| {
        let (scheme, rest) = a.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    }) {
        return constant_time_eq(token.as_bytes(), secret.expose());
    }
    match (c.signature, c.timestamp) {
        (Some(sig), Some(ts)) => {
            let now = crate::env::now_millis().max(0) as u64 / 1000;
            webhook::verify_at(secret.expose(), sig, ts, body, now, webhook::DEFAULT_TOLERANCE).is_ok()
        }
        _ => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Step Functions' execution name rules.
pub fn valid_name(name: &str) -> bool {
    let len = name.chars().count();
    (1..=80).contains(&len)
        && !name.chars().any(|c| {
            c.is_whitespace()
                || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
                || (c as u32) <= 0x1f
                || (0x7f..=0x9f).contains(&(c as u32))
        })
}
