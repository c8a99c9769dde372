//! Lambda through the AWS SDK: what the task runner calls for `arn:aws:lambda:...:function:NAME`
//! and `arn:aws:states:::lambda:invoke` resources (RequestResponse; `.waitForTaskToken` answers
//! `TaskSubmitted` with the invocation's envelope). Errors become the ASL errors Step Functions
//! reports, as the runtime's Lambda resolver maps them for local endpoints:
//! a function error with an `errorType` fails with that name (the error document as the cause),
//! one without fails with `Lambda.Unknown`, an API error with `Lambda.<code>` and the cause in
//! the Java SDK's words, an unreachable endpoint with `Lambda.SdkClientException`.
//!
//! Other resources (service integrations) are not run by the serverless task runner: they fail
//! with `States.TaskFailed` naming the resource.

use async_trait::async_trait;
use aws_sdk_lambda::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use serde_json::{json, Map, Value};
use statecraft_asl::{Pattern, Resource};
use statecraft_core::TaskRequest;
use statecraft_runtime::invoke::{Invocation, TaskInvoker};
use statecraft_runtime::runner::Resolution;

/// Runs Lambda tasks with the AWS SDK.
#[derive(Debug, Clone)]
pub struct SdkLambda {
    client: aws_sdk_lambda::Client,
    region: String,
    account: String,
}

impl SdkLambda {
    /// Functions of `region` and `account` are called by name (what local emulators route on);
    /// others by ARN.
    pub fn new(
        client: aws_sdk_lambda::Client,
        region: impl Into<String>,
        account: impl Into<String>,
    ) -> SdkLambda {
        SdkLambda { client, region: region.into(), account: account.into() }
    }

    fn function_name(&self, arn_or_name: &str) -> String {
        // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
        let parts: Vec<&str> = arn_or_name.split(':').collect();
        if parts.len() >= 7 && parts[2] == "lambda" && parts[3] == self.region && parts[4] == self.account {
            return parts[6..].join(":");
        }
        arn_or_name.to_string()
    }

    async fn call(
        &self,
        function: &str,
        payload: &Value,
        invocation_type: InvocationType,
        tail: bool,
    ) -> Call {
        let (name, qualifier) = match self.function_name(function).split_once(':') {
            Some((n, q)) => (n.to_string(), Some(q.to_string())),
            None => (self.function_name(function), None),
        };
        let mut req = self
            .client
            .invoke()
            .function_name(name)
            .set_qualifier(qualifier)
            .invocation_type(invocation_type)
            .payload(Blob::new(serde_json::to_vec(payload).unwrap_or_default()));
        if tail {
            req = req.log_type(LogType::Tail);
        }
        match req.send().await {
            Ok(out) => {
                let text =
                    out.payload.map(|b| String::from_utf8_lossy(b.as_ref()).into_owned()).unwrap_or_default();
                // `Unhandled` or `Handled`: either way the document names the error.
                if out.function_error.is_some() {
                    return Call::FunctionError { text };
                }
                let value = if text.is_empty() {
                    Value::String(String::new())
                } else {
                    serde_json::from_str(&text).unwrap_or(Value::String(text.clone()))
                };
                Call::Ok {
                    status: out.status_code,
                    executed_version: out.executed_version,
                    log_result: out.log_result,
                    value,
                    len: text.len(),
                }
            }
            Err(SdkError::ServiceError(e)) => {
                let status = e.raw().status().as_u16();
                let err = e.err();
                let code = err.code().unwrap_or("AWSLambdaException").to_string();
                let message = err.message().unwrap_or("").to_string();
                let rid = e.raw().headers().get("x-amzn-RequestId").unwrap_or("").to_string();
                Call::Failed {
                    error: format!("Lambda.{code}"),
                    cause: format!(
                        "{message} (Service: AWSLambda; Status Code: {status}; Error Code: {code}; Request ID: {rid}; Proxy: null)"
                    ),
                }
            }
            Err(e) => Call::Failed {
                error: "Lambda.SdkClientException".into(),
                cause: format!("Unable to execute HTTP request: {}", crate::bus::error_chain(&e)),
            },
        }
    }
}

enum Call {
    Ok { status: i32, executed_version: Option<String>, log_result: Option<String>, value: Value, len: usize },
    FunctionError { text: String },
    Failed { error: String, cause: String },
}

/// A function error as Step Functions reports it: the document's `errorType`, else
/// `Lambda.Unknown`; `compact` re-renders the document (the `lambda:invoke` form).
fn function_error(text: &str, compact: bool) -> Resolution {
    let doc: Option<Value> = serde_json::from_str(text).ok();
    match doc.as_ref().and_then(|d| d.get("errorType")).and_then(Value::as_str) {
        Some(t) => Resolution::Failed {
            error: Some(t.to_string()),
            cause: Some(if compact {
                doc.as_ref().map(Value::to_string).unwrap_or_default()
            } else {
                text.to_string()
            }),
        },
        None => Resolution::Failed { error: Some("Lambda.Unknown".into()), cause: Some(text.to_string()) },
    }
}

/// The `lambda:invoke` result.
fn envelope(
    status: i32,
    executed_version: Option<String>,
    log_result: Option<String>,
    payload: Value,
    len: usize,
) -> Value {
    let mut headers = Map::new();
    headers.insert("Content-Length".into(), json!(len.to_string()));
    headers.insert("Content-Type".into(), json!("application/json"));
    if let Some(v) = &executed_version {
        headers.insert("X-Amz-Executed-Version".into(), json!(v));
    }
    let all: Map<String, Value> = headers.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
    let mut out = Map::new();
    if let Some(v) = executed_version {
        out.insert("ExecutedVersion".into(), json!(v));
    }
    if let Some(l) = log_result {
        out.insert("LogResult".into(), json!(l));
    }
    out.insert("Payload".into(), payload);
    out.insert(
        "SdkHttpMetadata".into(),
        json!({"AllHttpHeaders": all, "HttpHeaders": headers, "HttpStatusCode": status}),
    );
    out.insert("SdkResponseMetadata".into(), json!({"RequestId": ""}));
    out.insert("StatusCode".into(), json!(status));
    Value::Object(out)
}

#[async_trait]
impl TaskInvoker for SdkLambda {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        match &request.resource {
            Resource::Lambda { arn, .. } => {
                match self.call(arn, &request.input, InvocationType::RequestResponse, false).await {
                    Call::Ok { value, .. } => Invocation::Done(Resolution::Succeeded(value)),
                    Call::FunctionError { text, .. } => Invocation::Done(function_error(&text, false)),
                    Call::Failed { error, cause } => {
                        Invocation::Done(Resolution::Failed { error: Some(error), cause: Some(cause) })
                    }
                }
            }
            Resource::Service { service, action, pattern, .. }
                if service == "lambda" && action == "invoke" =>
            {
                let p = &request.input;
                let Some(function) = p.get("FunctionName").and_then(Value::as_str) else {
                    return Invocation::Done(Resolution::Failed {
                        error: Some("States.TaskFailed".into()),
                        cause: Some(format!(
                            "state '{}': lambda:invoke needs Parameters.FunctionName",
                            request.state_name
                        )),
                    });
                };
                let function = match p.get("Qualifier").and_then(Value::as_str) {
                    Some(q) => format!("{}:{q}", self.function_name(function)),
                    None => function.to_string(),
                };
                let payload = p.get("Payload").cloned().unwrap_or(json!({}));
                let kind = match p.get("InvocationType").and_then(Value::as_str) {
                    Some("Event") => InvocationType::Event,
                    Some("DryRun") => InvocationType::DryRun,
                    _ => InvocationType::RequestResponse,
                };
                let tail = p.get("LogType").and_then(Value::as_str) == Some("Tail");
                let submitted = *pattern == Pattern::WaitForTaskToken;
                match self.call(&function, &payload, kind, tail).await {
                    Call::Ok { status, executed_version, log_result, value, len } => {
                        let env = envelope(status, executed_version, log_result, value, len);
                        if submitted {
                            Invocation::Submitted(env)
                        } else {
                            Invocation::Done(Resolution::Succeeded(env))
                        }
                    }
                    Call::FunctionError { text, .. } => Invocation::Done(function_error(&text, true)),
                    Call::Failed { error, cause } => {
                        Invocation::Done(Resolution::Failed { error: Some(error), cause: Some(cause) })
                    }
                }
            }
            other => Invocation::Done(Resolution::Failed {
                error: Some("States.TaskFailed".into()),
                cause: Some(format!(
                    "state '{}': the serverless task runner does not run resource {}",
                    request.state_name,
                    other.arn()
                )),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_errors_map_as_on_aws() {
        let doc = r#"{"errorType":"CustomError","errorMessage":"boom"}"#;
        assert_eq!(
            function_error(doc, false),
            Resolution::Failed { error: Some("CustomError".into()), cause: Some(doc.into()) }
        );
        assert_eq!(
            function_error("Task timed out", false),
            Resolution::Failed { error: Some("Lambda.Unknown".into()), cause: Some("Task timed out".into()) }
        );
    }
}
