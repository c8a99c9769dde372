//! Task resolvers: what runs a Task state's resource on this machine. Each backend runs a
//! *function* ([`CommandResolver`]: a program, [`HttpResolver`]: an HTTP endpoint,
//! [`LambdaResolver`]: a Lambda Invoke API endpoint); the resource form decides what the
//! function receives and how its answer is shaped, so one backend can stand in for any form:
//!
//! | resource | the function receives | the task's result |
//! | --- | --- | --- |
//! | `arn:aws:lambda:...:function:NAME` | the task input | the function's return value |
//! | `arn:aws:states:::lambda:invoke` | `Parameters.Payload` | AWS's envelope `{ExecutedVersion, Payload, SdkHttpMetadata, SdkResponseMetadata, StatusCode}` |
//! | `...lambda:invoke.waitForTaskToken` | `Parameters.Payload` | the envelope, as `TaskSubmitted`; the result comes from SendTaskSuccess |
//! | any other ARN mapped in `[resources]` | the task input | the return value (`TaskSubmitted` for `.waitForTaskToken`) |
//!
//! Failures become `Resolution::Failed { error, cause }` with the error names AWS uses, so
//! `Retry` and `Catch` match as they do on AWS:
//!
//! | what happened | `Error` | `Cause` |
//! | --- | --- | --- |
//! | the function failed with `{"errorType": T, ...}` (Lambda forms) | `T` | the error document: as received for a Lambda ARN, compact JSON for `lambda:invoke` |
//! | ... (other resources) | `T` | its `errorMessage` (else the document) |
//! | Lambda endpoint: function error without `errorType` | `Lambda.Unknown` | the payload |
//! | Lambda endpoint: API error (404, 429, 5xx ...) | `Lambda.<code>` (`Lambda.ResourceNotFoundException`, `Lambda.TooManyRequestsException`, `Lambda.ServiceException` ...) | `<message> (Service: AWSLambda; Status Code: N; Error Code: <code>; Request ID: <id>; Proxy: null)` |
//! | Lambda endpoint unreachable | `Lambda.SdkClientException` | `Unable to execute HTTP request: ...` |
//! | command exited non-zero without an error document | `CommandFailed` | exit status and the tail of stderr |
//! | HTTP non-2xx without an error document | `HTTP.<status>` | the start of the body |
//! | HTTP endpoint unreachable, program cannot start, success output not JSON, malformed `lambda:invoke` parameters, no resolver configured | `States.TaskFailed` | what went wrong, naming the state and resource |
//! | success output over 1 MiB | `States.DataLimitExceeded` | AWS's wording |
//! | the call outlived its time limit | `States.Timeout` (as `TimedOut`) | which limit |
//!
//! The time limit of one call is the smallest of the state's `TimeoutSeconds`, the
//! resource's `timeout_seconds` and (for Lambda endpoints) `[lambda] timeout_seconds`; a
//! Lambda function with none of them is bounded by Lambda's own 900 s maximum. Other
//! resources with no limit are not bounded.
//!
//! `arn:aws:states:::http:invoke` (the HTTP Task) runs as AWS runs it, through
//! [`http_task`], unless `[resources]` maps that ARN to something else.
//!
//! Resolvers do not retry: `Retry` in the definition does. Activities are not resolved here
//! but queued for workers; [`webhook`] pushes queued tasks to a configured URL.

pub mod blocking;
mod call;
pub mod command;
mod configured;
pub mod http;
pub mod http_task;
pub mod lambda;
pub mod webhook;

pub use blocking::BlockingResolver;
pub use call::FunctionRef;
pub use command::CommandResolver;
pub use configured::{ConfiguredInvoker, Route};
pub use http::HttpResolver;
pub use http_task::HttpTaskInvoker;
pub use lambda::LambdaResolver;

use crate::invoke::Invocation;
use crate::runner::Resolution;
pub(crate) use call::{prepare, Call, InvocationType};
use serde_json::Value;
use std::time::Duration;

/// Lambda's maximum function timeout: the bound of a Lambda call when nothing sets one.
pub const LAMBDA_MAX_TIMEOUT: Duration = Duration::from_secs(900);
/// The most a resolver reads of a successful result (AWS's own limit is 256 KiB; the
/// interpreter checks that one).
pub const MAX_RESULT_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot create the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// What a backend reported for one call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    Returned(Reply),
    /// The function failed with a Lambda-style error document.
    ErrorDocument {
        error_type: String,
        message: Option<String>,
        doc: Value,
        raw: String,
    },
    /// The call failed; the ASL error name and cause are decided.
    Failed {
        error: String,
        cause: String,
    },
    TimedOut {
        cause: String,
    },
}

impl Outcome {
    pub(crate) fn failed(error: &str, cause: impl Into<String>) -> Outcome {
        Outcome::Failed { error: error.to_string(), cause: cause.into() }
    }
}

/// A successful call's answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) value: Value,
    /// The length of the answer as received, for the envelope's Content-Length.
    pub(crate) body_len: usize,
    /// Set when a real Invoke API endpoint answered: its status and headers.
    pub(crate) endpoint: Option<lambda::EndpointMeta>,
    /// The tail of the function's log (a command's stderr), for `LogType: Tail`.
    pub(crate) log_tail: Option<Vec<u8>>,
}

impl Reply {
    pub(crate) fn value(value: Value, body_len: usize) -> Reply {
        Reply { value, body_len, endpoint: None, log_tail: None }
    }
}

/// How the resource form shapes a call's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `arn:aws:lambda:...:function:NAME`
    Lambda,
    /// `arn:aws:states:::lambda:invoke[.waitForTaskToken]`
    LambdaInvoke { submitted: bool },
    /// Any other resource.
    Plain { submitted: bool },
}

impl Shape {
    fn is_lambda(self) -> bool {
        matches!(self, Shape::Lambda | Shape::LambdaInvoke { .. })
    }
}

/// A configured backend.
#[derive(Clone)]
pub(crate) enum Backend {
    Command(CommandResolver),
    Http(HttpResolver),
    Lambda(LambdaResolver),
}

impl Backend {
    fn timeout(&self) -> Option<Duration> {
        match self {
            Backend::Command(b) => b.timeout,
            Backend::Http(b) => b.timeout,
            Backend::Lambda(b) => b.timeout,
        }
    }

    async fn call(&self, call: &Call) -> Outcome {
        match self {
            Backend::Command(b) => b.call(call).await,
            Backend::Http(b) => b.call(call).await,
            Backend::Lambda(b) => b.call(call).await,
        }
    }
}

fn min_timeout(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Runs a prepared call on a backend and shapes the answer for the resource form.
pub(crate) async fn run(backend: &Backend, mut call: Call) -> Invocation {
    call.timeout = min_timeout(call.timeout, backend.timeout());
    if call.shape.is_lambda() {
        call.timeout = Some(call.timeout.unwrap_or(LAMBDA_MAX_TIMEOUT));
    }
    let Shape::LambdaInvoke { submitted } = call.shape else {
        let outcome = backend.call(&call).await;
        return shape(&call, outcome);
    };
    // Lambda endpoints handle the invocation type themselves.
    if !matches!(backend, Backend::Lambda(_)) {
        match call.invocation_type {
            InvocationType::RequestResponse => {}
            InvocationType::DryRun => {
                return answer(submitted, lambda::synthetic_envelope(204, None, 0, None))
            }
            InvocationType::Event => {
                let (b, mut c) = (backend.clone(), call.clone());
                c.invocation_type = InvocationType::RequestResponse;
                tokio::spawn(async move {
                    b.call(&c).await;
                });
                return answer(submitted, lambda::synthetic_envelope(202, None, 0, None));
            }
        }
    }
    let outcome = backend.call(&call).await;
    shape(&call, outcome)
}

fn answer(submitted: bool, value: Value) -> Invocation {
    if submitted {
        Invocation::Submitted(value)
    } else {
        Invocation::Done(Resolution::Succeeded(value))
    }
}

fn shape(call: &Call, outcome: Outcome) -> Invocation {
    match outcome {
        Outcome::Returned(reply) => match call.shape {
            Shape::Lambda => Invocation::Done(Resolution::Succeeded(reply.value)),
            Shape::LambdaInvoke { submitted } => answer(submitted, lambda::envelope(reply, call.log_tail)),
            Shape::Plain { submitted } => answer(submitted, reply.value),
        },
        Outcome::ErrorDocument { error_type, message, doc, raw } => {
            let cause = match call.shape {
                Shape::Lambda => raw,
                Shape::LambdaInvoke { .. } => serde_json::to_string(&doc).unwrap_or(raw),
                Shape::Plain { .. } => message.unwrap_or(raw),
            };
            Invocation::Done(Resolution::Failed { error: Some(error_type), cause: Some(cause) })
        }
        Outcome::Failed { error, cause } => {
            Invocation::Done(Resolution::Failed { error: Some(error), cause: Some(cause) })
        }
        Outcome::TimedOut { cause } => Invocation::Done(Resolution::TimedOut {
            error: Some("States.Timeout".into()),
            cause: Some(cause),
        }),
    }
}

/// Finds a Lambda-style error document (`{"errorType": "...", ...}`) in a text: the whole
/// text, or else its last non-empty line.
pub(crate) fn error_document(text: &str) -> Option<Outcome> {
    let parse = |s: &str| -> Option<Outcome> {
        let doc: Value = serde_json::from_str(s).ok()?;
        let error_type = doc.get("errorType")?.as_str()?.to_string();
        if error_type.is_empty() {
            return None;
        }
        let message = doc.get("errorMessage").and_then(Value::as_str).map(str::to_string);
        Some(Outcome::ErrorDocument { error_type, message, doc, raw: s.to_string() })
    };
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    parse(text).or_else(|| parse(text.lines().rev().find(|l| !l.trim().is_empty())?.trim()))
}

/// Parses a successful answer: empty means `null`, anything else must be JSON.
pub(crate) fn success_value(body: &[u8], what: &str) -> Outcome {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return Outcome::Returned(Reply::value(Value::Null, body.len()));
    }
    match serde_json::from_str(&text) {
        Ok(v) => Outcome::Returned(Reply::value(v, body.len())),
        Err(e) => Outcome::failed(
            "States.TaskFailed",
            format!("{what} succeeded but its result is not JSON ({e}): {}", head(&text, 200)),
        ),
    }
}

pub(crate) fn data_limit(resource: &str) -> Outcome {
    Outcome::failed(
        "States.DataLimitExceeded",
        format!(
            "The state/task '{resource}' returned a result with a size exceeding the maximum number of bytes service limit."
        ),
    )
}

/// The first `n` characters of a text, marked when cut.
pub(crate) fn head(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}

/// The last `n` characters of a text, marked when cut.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let count = text.chars().count();
    if count <= n {
        return text.to_string();
    }
    let start = text.char_indices().nth(count - n).map_or(0, |(i, _)| i);
    format!("...{}", &text[start..])
}

/// An error with its sources, on one line.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_documents() {
        let Some(Outcome::ErrorDocument { error_type, message, .. }) =
            error_document("log line\n{\"errorType\": \"E\", \"errorMessage\": \"m\"}\n")
        else {
            panic!("expected an error document");
        };
        assert_eq!((error_type.as_str(), message.as_deref()), ("E", Some("m")));
        assert_eq!(error_document("{\"errorMessage\": \"m\"}"), None);
        assert_eq!(error_document("plain"), None);
        assert_eq!(tail("abcdef", 3), "...def");
        assert_eq!(head("abcdef", 3), "abc...");
    }
}
