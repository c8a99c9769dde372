//! AWS Lambda through its `Invoke` API: `lambda:invoke` (optimized), `aws-sdk:lambda:invoke`,
//! and, when configured, plain function ARNs (`arn:aws:lambda:...:function:NAME`).
//!
//! Optimized: the `Payload` parameter is sent as JSON (a string that already is JSON text as it
//! is, anything else as its JSON text, as AWS's recordings show); the result is `{"ExecutedVersion",
//! "LogResult"?, "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"}` with the
//! payload parsed as JSON (kept as a string when it is not JSON). A function error (the
//! `X-Amz-Function-Error` header) fails the task with the payload's `errorType` as the error
//! (`Lambda.Unknown` without one) and the payload text as the cause.
//!
//! AWS SDK: the payload goes and comes back as text (`Payload` is a blob, which Step Functions
//! renders as text, as for S3 object bodies), and a function error is part of the result
//! (`FunctionError`), not a task failure.
//!
//! A plain function ARN's result is the function's payload itself, its errors as above.

use crate::catalog::{Form, Service};
use crate::error::{mapper, Failure};
use crate::input::Params;
use crate::metadata::{add_sdk_metadata, sorted, Capture};
use crate::sqs::put;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use aws_sdk_lambda::Client;
use aws_types::request_id::RequestId;
use serde_json::{json, Map, Value};

/// The `Invoke` answer, before shaping.
struct Invoked {
    status_code: i32,
    function_error: Option<String>,
    log_result: Option<String>,
    executed_version: Option<String>,
    payload: Vec<u8>,
    request_id: Option<String>,
    capture: Capture,
}

pub(crate) async fn invoke(client: &Client, form: Form, arn: &str, input: &Value) -> Result<Value, Failure> {
    let mut p = Params::new(arn, input)?;
    let payload = p.value("Payload").map(|v| match form {
        Form::Optimized => optimized_payload(v),
        Form::Sdk => crate::input::as_text(v).into_bytes(),
    });
    let request = client
        .invoke()
        .set_function_name(p.string("FunctionName"))
        .set_invocation_type(p.string("InvocationType").map(|s| InvocationType::from(s.as_str())))
        .set_log_type(p.string("LogType").map(|s| LogType::from(s.as_str())))
        .set_client_context(p.string("ClientContext"))
        .set_qualifier(p.string("Qualifier"))
        .set_payload(payload.map(Blob::new));
    p.finish()?;
    let capture = Capture::default();
    let out = request
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .map_err(mapper(Service::Lambda, form))?;
    let invoked = Invoked {
        status_code: out.status_code(),
        function_error: out.function_error().map(str::to_string),
        log_result: out.log_result().map(str::to_string),
        executed_version: out.executed_version().map(str::to_string),
        request_id: out.request_id().map(str::to_string),
        payload: out.payload.map(Blob::into_inner).unwrap_or_default(),
        capture,
    };
    match form {
        Form::Optimized => optimized_result(invoked),
        Form::Sdk => Ok(sdk_result(invoked)),
    }
}

/// A plain function ARN: the input is the payload, the result the function's payload.
pub(crate) async fn invoke_function(
    client: &Client,
    function_arn: &str,
    input: &Value,
) -> Result<Value, Failure> {
    let out = client
        .invoke()
        .function_name(function_arn)
        .payload(Blob::new(input.to_string()))
        .send()
        .await
        .map_err(mapper(Service::Lambda, Form::Optimized))?;
    let text = out.payload.map(Blob::into_inner).unwrap_or_default();
    if out.function_error.is_some() {
        return Err(function_failure(&text));
    }
    Ok(parse_payload(&text))
}

/// What the optimized integration sends for a `Payload` parameter.
fn optimized_payload(v: Value) -> Vec<u8> {
    match v {
        Value::String(s) if serde_json::from_str::<Value>(&s).is_ok() => s.into_bytes(),
        other => other.to_string().into_bytes(),
    }
}

fn parse_payload(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// A function error: `errorType` names it, the payload is the cause.
fn function_failure(payload: &[u8]) -> Failure {
    let text = String::from_utf8_lossy(payload).into_owned();
    let error = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("errorType").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "Lambda.Unknown".to_string());
    Failure::new(error, text)
}

fn optimized_result(invoked: Invoked) -> Result<Value, Failure> {
    if invoked.function_error.is_some() {
        return Err(function_failure(&invoked.payload));
    }
    let mut m = Map::new();
    put(&mut m, "ExecutedVersion", invoked.executed_version.as_deref());
    put(&mut m, "LogResult", invoked.log_result.as_deref());
    m.insert("Payload".into(), parse_payload(&invoked.payload));
    m.insert("StatusCode".into(), json!(invoked.status_code));
    add_sdk_metadata(&mut m, &invoked.capture.facts(), invoked.request_id.as_deref());
    Ok(sorted(m))
}

fn sdk_result(invoked: Invoked) -> Value {
    let mut m = Map::new();
    put(&mut m, "ExecutedVersion", invoked.executed_version.as_deref());
    put(&mut m, "FunctionError", invoked.function_error.as_deref());
    put(&mut m, "LogResult", invoked.log_result.as_deref());
    m.insert("Payload".into(), Value::String(String::from_utf8_lossy(&invoked.payload).into_owned()));
    m.insert("StatusCode".into(), json!(invoked.status_code));
    sorted(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimized_payloads_are_json() {
        // AWS's recording: Payload "\"HelloWorld\"" reaches an echo function as "HelloWorld".
        assert_eq!(optimized_payload(json!("\"HelloWorld\"")), b"\"HelloWorld\"");
        assert_eq!(optimized_payload(json!("HelloWorld")), b"\"HelloWorld\"");
        assert_eq!(optimized_payload(json!({"a": 1})), br#"{"a":1}"#);
        assert_eq!(optimized_payload(json!(0)), b"0");
    }

    #[test]
    fn function_errors_name_their_type() {
        let f = function_failure(br#"{"errorMessage":"boom","errorType":"CustomException"}"#);
        assert_eq!(f.error, "CustomException");
        assert_eq!(f.cause, r#"{"errorMessage":"boom","errorType":"CustomException"}"#);
        assert_eq!(function_failure(b"Task timed out").error, "Lambda.Unknown");
    }

    #[test]
    fn payloads_that_are_not_json_stay_text() {
        assert_eq!(parse_payload(b"[]"), json!([]));
        assert_eq!(parse_payload(b"HelloWorld!"), json!("HelloWorld!"));
        assert_eq!(parse_payload(b""), json!(""));
    }
}
