//! Runs a task by calling a Lambda Invoke API endpoint,
//! `POST {endpoint}/2015-03-31/functions/{name}/invocations[?Qualifier=...]`, as served by
//! `cargo lambda watch`, LocalStack and other local Lambda emulators. Requests are not
//! signed (local endpoints do not check signatures; real AWS endpoints need the AWS adapter).
//!
//! Errors follow what Step Functions reports for Lambda:
//! - A function error (`X-Amz-Function-Error` on a 2xx) with an `errorType` fails with that
//!   name and the error document as the cause; without one, `Lambda.Unknown` (AWS's name for
//!   unhandled errors such as timeouts and crashes).
//! - An API error (non-2xx) fails with `Lambda.<code>`, the code taken from the
//!   `X-Amzn-ErrorType` header (else the body's `__type`, else the status: 404
//!   `ResourceNotFoundException`, 429 `TooManyRequestsException`, 5xx `ServiceException`,
//!   other `AWSLambdaException`), and the cause in the AWS SDK's words:
//!   `<message> (Service: AWSLambda; Status Code: 404; Error Code: ...; Request ID: ...; Proxy: null)`.
//! - An endpoint that cannot be reached fails with `Lambda.SdkClientException`.
//!
//! This module also builds the `lambda:invoke` result envelope, for every backend.

use super::http::read_body;
use super::{data_limit, error_chain, error_document, Call, Error, Outcome, Reply, MAX_RESULT_BYTES};
use crate::invoke::{Invocation, TaskInvoker};
use async_trait::async_trait;
use base64::Engine as _;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use serde_json::{json, Map, Value};
use statecraft_core::TaskRequest;
use std::time::{Duration, SystemTime};

/// Runs tasks through a Lambda Invoke API endpoint.
#[derive(Debug, Clone)]
pub struct LambdaResolver {
    client: reqwest::Client,
    endpoint: String,
    pub(crate) timeout: Option<Duration>,
}

/// The status and headers of an Invoke API answer, for the envelope.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EndpointMeta {
    pub(crate) status: u16,
    /// Header names as received (lower case), in order.
    pub(crate) headers: Vec<(String, String)>,
}

impl EndpointMeta {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl LambdaResolver {
    pub fn new(endpoint: impl Into<String>) -> Result<LambdaResolver, Error> {
        Ok(LambdaResolver::with_client(super::http::client()?, endpoint))
    }

    pub fn with_client(client: reqwest::Client, endpoint: impl Into<String>) -> LambdaResolver {
        LambdaResolver { client, endpoint: endpoint.into(), timeout: None }
    }

    /// An upper bound on each call, besides the state's `TimeoutSeconds`.
    pub fn with_timeout(self, timeout: Duration) -> LambdaResolver {
        self.with_timeout_opt(Some(timeout))
    }

    pub(crate) fn with_timeout_opt(mut self, timeout: Option<Duration>) -> LambdaResolver {
        self.timeout = timeout;
        self
    }

    pub(crate) async fn call(&self, call: &Call) -> Outcome {
        let Some(function) = &call.function else {
            return Outcome::failed(
                "States.TaskFailed",
                format!("state '{}': resource {} names no Lambda function", call.state_name, call.resource),
            );
        };
        let base = self.endpoint.trim_end_matches('/');
        let mut url = match reqwest::Url::parse(&format!("{base}/2015-03-31/functions/"))
            .and_then(|u| u.join(&format!("{}/invocations", function.name)))
        {
            Ok(u) => u,
            Err(e) => {
                return Outcome::failed("States.TaskFailed", format!("invalid Lambda endpoint {base:?}: {e}"))
            }
        };
        if let Some(q) = &function.qualifier {
            url.query_pairs_mut().append_pair("Qualifier", q);
        }
        let body = match serde_json::to_vec(&call.payload) {
            Ok(b) => b,
            Err(e) => return Outcome::failed("States.TaskFailed", format!("cannot encode the payload: {e}")),
        };
        let mut req = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("x-amz-invocation-type", call.invocation_type.as_str())
            .body(body);
        if call.log_tail {
            req = req.header("x-amz-log-type", "Tail");
        }
        if let Some(cc) = call.client_context.as_deref().and_then(|c| HeaderValue::from_str(c).ok()) {
            req = req.header("x-amz-client-context", cc);
        }
        if let Some(limit) = call.timeout {
            req = req.timeout(limit);
        }
        let response = match req.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return timed_out(&function.name, call),
            Err(e) => {
                return Outcome::failed(
                    "Lambda.SdkClientException",
                    format!("Unable to execute HTTP request: {}", error_chain(&e)),
                )
            }
        };
        let meta = EndpointMeta {
            status: response.status().as_u16(),
            headers: response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
        };
        let (body, overflow) = match read_body(response, MAX_RESULT_BYTES).await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return timed_out(&function.name, call),
            Err(e) => {
                return Outcome::failed(
                    "Lambda.SdkClientException",
                    format!("Unable to execute HTTP request: {}", error_chain(&e)),
                )
            }
        };
        let text = String::from_utf8_lossy(&body).into_owned();
        if !(200..300).contains(&meta.status) {
            return api_error(&meta, &text);
        }
        if meta.header("x-amz-function-error").is_some() {
            return match error_document(&text) {
                Some(doc @ Outcome::ErrorDocument { .. }) if serde_json::from_str::<Value>(&text).is_ok() => {
                    doc
                }
                _ => Outcome::failed("Lambda.Unknown", text),
            };
        }
        if overflow {
            return data_limit(&call.resource);
        }
        // The Payload "is parsed from escaped Json to Json"; what is not JSON stays text.
        let value = if text.is_empty() {
            Value::String(String::new())
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Outcome::Returned(Reply { value, body_len: body.len(), endpoint: Some(meta), log_tail: None })
    }
}

fn timed_out(function: &str, call: &Call) -> Outcome {
    let limit = call.timeout.map_or(0.0, |d| d.as_secs_f64());
    Outcome::TimedOut { cause: format!("Lambda function {function} did not answer within {limit} s") }
}

fn api_error(meta: &EndpointMeta, text: &str) -> Outcome {
    let body: Option<Value> = serde_json::from_str(text).ok();
    let body_str = |keys: &[&str]| {
        body.as_ref()
            .and_then(|b| keys.iter().find_map(|k| b.get(*k).and_then(Value::as_str)))
            .map(str::to_string)
    };
    let code = meta
        .header("x-amzn-errortype")
        .map(|h| h.split(':').next().unwrap_or(h).to_string())
        .or_else(|| body_str(&["__type"]).map(|t| t.rsplit('#').next().unwrap_or(&t).to_string()))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| {
            match meta.status {
                404 => "ResourceNotFoundException",
                429 => "TooManyRequestsException",
                413 => "RequestTooLargeException",
                500..=599 => "ServiceException",
                _ => "AWSLambdaException",
            }
            .to_string()
        });
    let message = body_str(&["message", "Message", "errorMessage"]).unwrap_or_else(|| {
        let t = text.trim();
        if t.is_empty() {
            format!("HTTP {}", meta.status)
        } else {
            super::head(t, 1000)
        }
    });
    let request_id = meta.header("x-amzn-requestid").map_or_else(request_id, str::to_string);
    Outcome::failed(
        &format!("Lambda.{code}"),
        format!(
            "{message} (Service: AWSLambda; Status Code: {}; Error Code: {code}; Request ID: {request_id}; Proxy: null)",
            meta.status
        ),
    )
}

/// The `lambda:invoke` result for a successful call.
pub(crate) fn envelope(reply: Reply, log_tail: bool) -> Value {
    match reply.endpoint {
        Some(meta) => {
            let executed = meta.header("x-amz-executed-version").unwrap_or("$LATEST").to_string();
            let log = meta.header("x-amz-log-result").map(str::to_string);
            let rid = meta.header("x-amzn-requestid").map_or_else(request_id, str::to_string);
            let headers = meta.headers.iter().map(|(n, v)| (canonical(n), v.clone())).collect();
            build(meta.status, Some(executed), log, reply.value, headers, rid)
        }
        None => {
            let log = log_tail.then(|| {
                base64::engine::general_purpose::STANDARD
                    .encode(reply.log_tail.as_deref().unwrap_or_default())
            });
            synthetic_envelope(200, Some(reply.value), reply.body_len, log)
        }
    }
}

/// An envelope for an answer that did not come from an Invoke API endpoint (a command or an
/// HTTP backend, or the immediate answer to an `Event`/`DryRun` invocation), with the
/// headers Lambda sends.
pub(crate) fn synthetic_envelope(
    status: u16,
    payload: Option<Value>,
    len: usize,
    log: Option<String>,
) -> Value {
    let rid = request_id();
    let mut headers = vec![
        ("Connection".to_string(), "keep-alive".to_string()),
        ("Content-Length".into(), len.to_string()),
        ("Content-Type".into(), "application/json".into()),
        ("Date".into(), http_date(SystemTime::now())),
    ];
    let executed = (status == 200).then(|| "$LATEST".to_string());
    if let Some(v) = &executed {
        headers.push(("X-Amz-Executed-Version".into(), v.clone()));
    }
    if let Some(l) = &log {
        headers.push(("X-Amz-Log-Result".into(), l.clone()));
    }
    if status == 200 {
        headers.push(("x-amzn-Remapped-Content-Length".into(), "0".into()));
    }
    headers.push(("x-amzn-RequestId".into(), rid.clone()));
    headers.push(("X-Amzn-Trace-Id".into(), trace_id()));
    build(status, executed, log, payload.unwrap_or(Value::String(String::new())), headers, rid)
}

fn build(
    status: u16,
    executed_version: Option<String>,
    log_result: Option<String>,
    payload: Value,
    mut headers: Vec<(String, String)>,
    request_id: String,
) -> Value {
    headers.sort_by_key(|(n, _)| n.to_ascii_lowercase());
    let all: Map<String, Value> = headers.iter().map(|(n, v)| (n.clone(), json!([v]))).collect();
    let single: Map<String, Value> = headers.into_iter().map(|(n, v)| (n, Value::String(v))).collect();
    let mut out = Map::new();
    if let Some(v) = executed_version {
        out.insert("ExecutedVersion".into(), Value::String(v));
    }
    if let Some(l) = log_result {
        out.insert("LogResult".into(), Value::String(l));
    }
    out.insert("Payload".into(), payload);
    out.insert(
        "SdkHttpMetadata".into(),
        json!({"AllHttpHeaders": all, "HttpHeaders": single, "HttpStatusCode": status}),
    );
    out.insert("SdkResponseMetadata".into(), json!({ "RequestId": request_id }));
    out.insert("StatusCode".into(), json!(status));
    Value::Object(out)
}

/// Header names as AWS's Java SDK reports them.
fn canonical(name: &str) -> String {
    const KNOWN: &[&str] = &[
        "Connection",
        "Content-Length",
        "Content-Type",
        "Date",
        "X-Amz-Executed-Version",
        "X-Amz-Function-Error",
        "X-Amz-Log-Result",
        "x-amzn-Remapped-Content-Length",
        "x-amzn-RequestId",
        "X-Amzn-Trace-Id",
    ];
    KNOWN.iter().find(|k| k.eq_ignore_ascii_case(name)).map_or_else(|| name.to_string(), |k| k.to_string())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    if getrandom::fill(&mut b).is_err() {
        // Only identifiers depend on this; a clock-derived fallback keeps them distinct enough.
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        for (i, byte) in b.iter_mut().enumerate() {
            *byte = (nanos >> ((i % 16) * 8)) as u8;
        }
    }
    b
}

/// A random UUID (version 4), as Lambda's request IDs are.
pub(crate) fn request_id() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn trace_id() -> String {
    let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("Root=1-{:08x}-{};Sampled=0", secs as u32, hex::encode(random_bytes::<12>()))
}

/// An HTTP date (RFC 7231 IMF-fixdate).
fn http_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[async_trait]
impl TaskInvoker for LambdaResolver {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        match super::prepare(request) {
            Ok(call) => super::run(&super::Backend::Lambda(self.clone()), call).await,
            Err(r) => Invocation::Done(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_aws_shape() {
        let reply = Reply { value: json!({"a": 1}), body_len: 7, endpoint: None, log_tail: None };
        let env = envelope(reply, false);
        let keys: Vec<&str> = env.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]
        );
        assert_eq!(env["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"], "7");
        assert_eq!(env["SdkHttpMetadata"]["AllHttpHeaders"]["Content-Type"], json!(["application/json"]));
        assert_eq!(request_id().len(), 36);
        assert_eq!(http_date(SystemTime::UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
