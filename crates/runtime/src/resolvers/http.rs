//! Runs a task by POSTing its input as JSON to a URL.
//!
//! - 2xx: the body is the result (empty is `null`; a body that is not JSON fails the task
//!   with `States.TaskFailed`).
//! - Any other status: a body that is a Lambda-style error document
//!   (`{"errorType", "errorMessage"}`) is the failure; otherwise the error is
//!   `HTTP.<status>` (`HTTP.503`) with the start of the body as the cause.
//! - The request carries `Content-Type: application/json`, `X-Statecraft-State-Name`,
//!   `X-Statecraft-Resource`, `X-Statecraft-Task-Token` (for tasks that have a token) and
//!   the configured headers. Redirects are not followed.
//! - A connection failure fails the task with `States.TaskFailed`; outliving the time limit
//!   times it out (`States.Timeout`).

use super::{data_limit, error_chain, error_document, success_value, Call, Error, Outcome, MAX_RESULT_BYTES};
use crate::config::HttpTarget;
use crate::invoke::{Invocation, TaskInvoker};
use async_trait::async_trait;
use reqwest::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use statecraft_core::TaskRequest;
use std::time::Duration;

/// The HTTP client the resolvers share: no redirects, bounded connection set-up.
pub(crate) fn client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .build()
        .map_err(Error::Client)
}

/// Runs tasks by POSTing them to a URL. See the module documentation for the contract.
#[derive(Debug, Clone)]
pub struct HttpResolver {
    client: reqwest::Client,
    target: HttpTarget,
    pub(crate) timeout: Option<Duration>,
}

impl HttpResolver {
    pub fn new(target: HttpTarget) -> Result<HttpResolver, Error> {
        Ok(HttpResolver::with_client(client()?, target))
    }

    pub fn with_client(client: reqwest::Client, target: HttpTarget) -> HttpResolver {
        HttpResolver { client, target, timeout: None }
    }

    /// An upper bound on each call, besides the state's `TimeoutSeconds`.
    pub fn with_timeout(self, timeout: Duration) -> HttpResolver {
        self.with_timeout_opt(Some(timeout))
    }

    pub(crate) fn with_timeout_opt(mut self, timeout: Option<Duration>) -> HttpResolver {
        self.timeout = timeout;
        self
    }

    pub(crate) async fn call(&self, call: &Call) -> Outcome {
        let url = &self.target.url;
        let body = match serde_json::to_vec(&call.payload) {
            Ok(b) => b,
            Err(e) => return Outcome::failed("States.TaskFailed", format!("cannot encode the input: {e}")),
        };
        let mut req = self.client.post(url).header(CONTENT_TYPE, "application/json").body(body);
        let mut headers = vec![("x-statecraft-state-name", call.state_name.as_str())];
        headers.push(("x-statecraft-resource", call.resource.as_str()));
        if let Some(token) = &call.token {
            headers.push(("x-statecraft-task-token", token.as_str()));
        }
        for (name, value) in headers {
            if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
                req = req.header(name, v);
            }
        }
        for (name, value) in &self.target.headers {
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                req = req.header(n, v);
            }
        }
        if let Some(limit) = call.timeout {
            req = req.timeout(limit);
        }
        let what = format!("POST {url}");
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return timed_out(&what, call),
            Err(e) => {
                return Outcome::failed(
                    "States.TaskFailed",
                    format!("state '{}': {what} failed: {}", call.state_name, error_chain(&e)),
                )
            }
        };
        let status = response.status();
        let (body, overflow) = match read_body(response, MAX_RESULT_BYTES).await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return timed_out(&what, call),
            Err(e) => {
                return Outcome::failed(
                    "States.TaskFailed",
                    format!("{what}: reading the response failed: {e}"),
                )
            }
        };
        if status.is_success() {
            if overflow {
                return data_limit(&call.resource);
            }
            return success_value(&body, &what);
        }
        let text = String::from_utf8_lossy(&body);
        if let Some(doc) = error_document(&text) {
            return doc;
        }
        let text = text.trim();
        let cause = if text.is_empty() {
            format!("{what} answered {status}")
        } else {
            format!("{what} answered {status}: {}", super::head(text, 2000))
        };
        Outcome::failed(&format!("HTTP.{}", status.as_u16()), cause)
    }
}

fn timed_out(what: &str, call: &Call) -> Outcome {
    let limit = call.timeout.map_or(0.0, |d| d.as_secs_f64());
    Outcome::TimedOut { cause: format!("{what} did not answer within {limit} s") }
}

/// Reads a response body, keeping at most `limit` bytes; the flag tells whether more came.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            let room = limit - body.len();
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

#[async_trait]
impl TaskInvoker for HttpResolver {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        match super::prepare(request) {
            Ok(call) => super::run(&super::Backend::Http(self.clone()), call).await,
            Err(r) => Invocation::Done(r),
        }
    }
}
