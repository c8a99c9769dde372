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
//! Resolvers do not retry: `Retry` in the definition does. Activities are not resolved here
//! but queued for workers; [`webhook`] pushes queued tasks to a configured URL.

pub mod command;
pub mod http;
pub mod lambda;
pub mod webhook;

pub use command::CommandResolver;
pub use http::HttpResolver;
pub use lambda::LambdaResolver;

use crate::config::{ProjectConfig, Target};
use crate::invoke::{Invocation, MockInvoker, TaskInvoker};
use crate::runner::Resolution;
use async_trait::async_trait;
use serde_json::Value;
use statecraft_asl::{Pattern, Resource};
use statecraft_core::TaskRequest;
use std::sync::Arc;
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

/// `InvocationType` of `lambda:invoke`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

impl InvocationType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InvocationType::RequestResponse => "RequestResponse",
            InvocationType::Event => "Event",
            InvocationType::DryRun => "DryRun",
        }
    }
}

/// A Lambda function named by an ARN, a partial ARN or a name, with an optional qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub qualifier: Option<String>,
    /// Region and account when the reference was a full ARN.
    pub region: Option<String>,
    pub account: Option<String>,
    /// The reference as written.
    pub written: String,
}

impl FunctionRef {
    /// Parses `NAME[:QUALIFIER]`, `ACCOUNT:function:NAME[:QUALIFIER]` or
    /// `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
    pub fn parse(s: &str) -> Option<FunctionRef> {
        let parts: Vec<&str> = s.split(':').collect();
        let (region, account, name, qualifier) = match parts.as_slice() {
            ["arn", _, "lambda", region, account, "function", name, rest @ ..] if rest.len() <= 1 => {
                (Some(*region), Some(*account), *name, rest.first().copied())
            }
            [account, "function", name, rest @ ..] if rest.len() <= 1 => {
                (None, Some(*account), *name, rest.first().copied())
            }
            [name, rest @ ..] if rest.len() <= 1 => (None, None, *name, rest.first().copied()),
            _ => return None,
        };
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= 140
                && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let qualifier_ok = |q: &str| {
            !q.is_empty()
                && q.len() <= 128
                && q.chars().all(|c| c.is_ascii_alphanumeric() || "$-_".contains(c))
        };
        if !name_ok(name) || !qualifier.is_none_or(qualifier_ok) {
            return None;
        }
        Some(FunctionRef {
            name: name.to_string(),
            qualifier: qualifier.map(str::to_string),
            region: region.filter(|r| !r.is_empty()).map(str::to_string),
            account: account.filter(|a| !a.is_empty()).map(str::to_string),
            written: s.to_string(),
        })
    }
}

/// What a request asks a backend to do.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) shape: Shape,
    pub(crate) state_name: String,
    pub(crate) resource: String,
    pub(crate) payload: Value,
    pub(crate) function: Option<FunctionRef>,
    pub(crate) invocation_type: InvocationType,
    pub(crate) log_tail: bool,
    pub(crate) client_context: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) timeout: Option<Duration>,
}

fn task_failed(cause: String) -> Resolution {
    Resolution::Failed { error: Some("States.TaskFailed".into()), cause: Some(cause) }
}

/// Reads what the request asks for: the payload and options by resource form.
pub(crate) fn prepare(request: &TaskRequest) -> Result<Call, Resolution> {
    let mut call = Call {
        shape: Shape::Plain { submitted: request.resource.pattern() == Pattern::WaitForTaskToken },
        state_name: request.state_name.clone(),
        resource: request.resource.arn().to_string(),
        payload: request.input.clone(),
        function: None,
        invocation_type: InvocationType::RequestResponse,
        log_tail: false,
        client_context: None,
        token: request.token.clone(),
        timeout: request.timeout_seconds.map(Duration::from_secs),
    };
    let bad = |what: String| {
        task_failed(format!("state '{}' (resource {}): {what}", request.state_name, request.resource.arn()))
    };
    match &request.resource {
        Resource::Lambda { arn, .. } => {
            call.shape = Shape::Lambda;
            call.function = Some(
                FunctionRef::parse(arn).ok_or_else(|| bad(format!("invalid Lambda function ARN {arn}")))?,
            );
        }
        Resource::Service { service, action, pattern, .. } if service == "lambda" && action == "invoke" => {
            let submitted = match pattern {
                Pattern::RequestResponse => false,
                Pattern::WaitForTaskToken => true,
                Pattern::Sync | Pattern::Sync2 => {
                    return Err(bad("lambda:invoke does not support the .sync integration pattern".into()))
                }
            };
            call.shape = Shape::LambdaInvoke { submitted };
            let params = &request.input;
            let name = params
                .get("FunctionName")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("Parameters need a string FunctionName".into()))?;
            let mut function =
                FunctionRef::parse(name).ok_or_else(|| bad(format!("invalid FunctionName {name:?}")))?;
            match params.get("Qualifier") {
                None | Some(Value::Null) => {}
                Some(Value::String(q)) => function.qualifier = Some(q.clone()),
                Some(_) => return Err(bad("Qualifier must be a string".into())),
            }
            call.function = Some(function);
            call.payload = match params.get("Payload") {
                None | Some(Value::Null) => Value::Object(Default::default()),
                // A string that holds JSON is sent as that JSON, as AWS does.
                Some(Value::String(s)) => {
                    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                }
                Some(v) => v.clone(),
            };
            call.invocation_type = match params.get("InvocationType").and_then(Value::as_str) {
                None | Some("RequestResponse") => InvocationType::RequestResponse,
                Some("Event") => InvocationType::Event,
                Some("DryRun") => InvocationType::DryRun,
                Some(other) => return Err(bad(format!("invalid InvocationType {other:?}"))),
            };
            call.log_tail = params.get("LogType").and_then(Value::as_str) == Some("Tail");
            call.client_context = params.get("ClientContext").and_then(Value::as_str).map(str::to_string);
        }
        _ => {}
    }
    Ok(call)
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

/// How a request was routed.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The `[resources]` key that matched; `None` for the `[lambda]` default endpoint.
    pub key: Option<String>,
    pub target: Target,
    pub timeout: Option<Duration>,
}

/// The project's invoker: mocks first (when given), then the `[resources]` mapping, then the
/// `[lambda]` default endpoint; anything else fails with `States.TaskFailed` naming the
/// state and resource.
pub struct ConfiguredInvoker {
    config: Arc<ProjectConfig>,
    client: reqwest::Client,
    mocks: Option<MockInvoker>,
}

impl ConfiguredInvoker {
    pub fn new(config: ProjectConfig) -> Result<ConfiguredInvoker, Error> {
        Ok(ConfiguredInvoker { config: Arc::new(config), client: http::client()?, mocks: None })
    }

    /// Answers the states these mocks cover from the mocks (Step Functions Local behaviour).
    pub fn with_mocks(mut self, mocks: MockInvoker) -> ConfiguredInvoker {
        self.mocks = Some(mocks);
        self
    }

    pub fn config(&self) -> &ProjectConfig {
        &self.config
    }

    /// Where a request goes, or `None` when nothing is configured for it.
    pub fn route(&self, request: &TaskRequest) -> Option<Route> {
        let call = prepare(request).ok()?;
        self.route_call(&request.resource, &call)
    }

    fn route_call(&self, resource: &Resource, call: &Call) -> Option<Route> {
        let config = &self.config;
        let found = |key: &str| {
            config.resource(key).map(|r| Route {
                key: Some(key.to_string()),
                target: r.target.clone(),
                timeout: r.timeout_seconds.map(Duration::from_secs),
            })
        };
        if let Some(f) = &call.function {
            let region = f.region.as_deref().unwrap_or(&config.region);
            let account = f.account.as_deref().unwrap_or(&config.account);
            let arn = format!("arn:aws:lambda:{region}:{account}:function:{}", f.name);
            let mut keys = Vec::new();
            if f.written.starts_with("arn:") {
                keys.push(f.written.clone());
            }
            if let Some(q) = &f.qualifier {
                keys.push(format!("{arn}:{q}"));
            }
            keys.push(arn);
            if let Some(q) = &f.qualifier {
                keys.push(format!("{}:{q}", f.name));
            }
            keys.push(f.name.clone());
            if let Some(route) = keys.iter().find_map(|k| found(k)) {
                return Some(route);
            }
            return config.lambda.endpoint.as_ref().map(|e| Route {
                key: None,
                target: Target::LambdaEndpoint(e.clone()),
                timeout: config.lambda.timeout_seconds.map(Duration::from_secs),
            });
        }
        let arn = resource.arn();
        let bare = arn.strip_suffix(resource.pattern().suffix()).unwrap_or(arn);
        let mut route = found(arn).or_else(|| found(bare));
        if route.is_none() {
            if let Resource::Activity { name, .. } = resource {
                route = found(name);
            }
        }
        // `lambda_endpoint` needs a function name, which only Lambda resources have.
        route.filter(|r| !matches!(r.target, Target::LambdaEndpoint(_)))
    }

    fn backend(&self, route: &Route) -> Backend {
        let timeout = route.timeout;
        match &route.target {
            Target::Command(t) => Backend::Command(CommandResolver::new(t.clone()).with_timeout_opt(timeout)),
            Target::Http(t) => Backend::Http(
                HttpResolver::with_client(self.client.clone(), t.clone()).with_timeout_opt(timeout),
            ),
            Target::LambdaEndpoint(e) => Backend::Lambda(
                LambdaResolver::with_client(self.client.clone(), e.clone()).with_timeout_opt(timeout),
            ),
        }
    }
}

#[async_trait]
impl TaskInvoker for ConfiguredInvoker {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        if let Some(mocks) = &self.mocks {
            if mocks.has_mock(&request.state_name) {
                return mocks.invoke(request).await;
            }
        }
        let call = match prepare(request) {
            Ok(c) => c,
            Err(r) => return Invocation::Done(r),
        };
        let Some(backend) = self.route_call(&request.resource, &call).map(|r| self.backend(&r)) else {
            let hint = if call.function.is_some() {
                "map it under [resources] in statecraft.toml, or set [lambda] endpoint (or AWS_ENDPOINT_URL_LAMBDA)"
            } else if matches!(request.resource, Resource::Activity { .. }) {
                "activities are run by workers polling GetActivityTask, or pushed to an [activities] webhook"
            } else {
                "map its ARN under [resources] in statecraft.toml"
            };
            return Invocation::Done(task_failed(format!(
                "no resolver configured for state '{}' (resource {}): {hint}",
                request.state_name,
                request.resource.arn()
            )));
        };
        run(&backend, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_references() {
        let f = FunctionRef::parse("arn:aws:lambda:eu-west-1:111122223333:function:Fn:prod").unwrap();
        assert_eq!((f.name.as_str(), f.qualifier.as_deref()), ("Fn", Some("prod")));
        assert_eq!((f.region.as_deref(), f.account.as_deref()), (Some("eu-west-1"), Some("111122223333")));
        let f = FunctionRef::parse("111122223333:function:Fn").unwrap();
        assert_eq!((f.name.as_str(), f.account.as_deref(), f.region), ("Fn", Some("111122223333"), None));
        let f = FunctionRef::parse("Fn:$LATEST").unwrap();
        assert_eq!(f.qualifier.as_deref(), Some("$LATEST"));
        assert!(FunctionRef::parse("").is_none());
        assert!(FunctionRef::parse("a b").is_none());
        assert!(FunctionRef::parse("a:b:c").is_none());
    }

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
