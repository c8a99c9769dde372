//! The Lambda endpoint resolver against a small server that speaks the Invoke API.

use crate::common::{dead_url, request, Received, Reply, Server};
use serde_json::{json, Value};
use statecraft_runtime::invoke::{Invocation, TaskInvoker};
use statecraft_runtime::resolvers::LambdaResolver;
use statecraft_runtime::Resolution;

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:Resize";
const INVOKE: &str = "arn:aws:states:::lambda:invoke";

/// Answers like Lambda: the function's result, or its error with X-Amz-Function-Error.
fn lambda_like(r: &Received, _: usize) -> Reply {
    let payload = r.json();
    match payload.get("mode").and_then(Value::as_str) {
        Some("raise") => Reply::text(
            200,
            r#"{"errorMessage": "bad size", "errorType": "SizeError", "requestId": "r-1", "stackTrace": []}"#,
        )
        .header("x-amz-function-error", "Unhandled")
        .header("x-amzn-requestid", "r-1"),
        Some("crash") => Reply::text(200, r#"{"errorMessage":"RequestId: r-2 Task timed out after 3.00 seconds"}"#)
            .header("x-amz-function-error", "Unhandled"),
        Some("missing") => Reply::json(
            404,
            &json!({"Type": "User", "Message": "Function not found: arn:aws:lambda:us-east-1:123456789012:function:Nope"}),
        )
        .header("x-amzn-errortype", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.awsgirlambda/")
        .header("x-amzn-requestid", "r-3"),
        Some("throttle") => Reply::json(429, &json!({"message": "Rate exceeded"})),
        Some("broken") => Reply::text(500, ""),
        _ => Reply::json(200, &json!({"resized": payload}))
            .header("x-amz-executed-version", "7")
            .header("x-amzn-requestid", "req-42"),
    }
}

fn failed(inv: Invocation) -> (String, String) {
    match inv {
        Invocation::Done(Resolution::Failed { error: Some(e), cause: Some(c) }) => (e, c),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn plain_arn_returns_the_function_result() {
    let server = Server::start(lambda_like).await;
    let resolver = LambdaResolver::new(server.url("/")).unwrap();
    let inv = resolver.invoke(&request("Resize", ARN, json!({"w": 10}))).await;
    assert_eq!(inv, Invocation::Done(Resolution::Succeeded(json!({"resized": {"w": 10}}))));
    let got = &server.received()[0];
    assert_eq!((got.method.as_str(), got.uri.as_str()), ("POST", "/2015-03-31/functions/Resize/invocations"));
    assert_eq!(got.header("x-amz-invocation-type").as_deref(), Some("RequestResponse"));
}

#[tokio::test]
async fn lambda_invoke_returns_the_aws_envelope() {
    let server = Server::start(lambda_like).await;
    let resolver = LambdaResolver::new(server.url("")).unwrap();
    let params = json!({"FunctionName": format!("{ARN}:prod"), "Payload": {"w": 5}});
    let Invocation::Done(Resolution::Succeeded(out)) =
        resolver.invoke(&request("Invoke", INVOKE, params)).await
    else {
        panic!("expected success");
    };
    let keys: Vec<&str> = out.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]);
    assert_eq!(out["ExecutedVersion"], "7");
    assert_eq!(out["Payload"], json!({"resized": {"w": 5}}));
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["SdkResponseMetadata"], json!({"RequestId": "req-42"}));
    let meta = &out["SdkHttpMetadata"];
    assert_eq!(meta["HttpStatusCode"], 200);
    assert_eq!(meta["HttpHeaders"]["x-amzn-RequestId"], "req-42");
    assert_eq!(meta["HttpHeaders"]["X-Amz-Executed-Version"], "7");
    assert_eq!(meta["AllHttpHeaders"]["Content-Type"], json!(["application/json"]));
    assert_eq!(server.received()[0].uri, "/2015-03-31/functions/Resize/invocations?Qualifier=prod");
}

#[tokio::test]
async fn function_errors_become_the_error_type() {
    let server = Server::start(lambda_like).await;
    let resolver = LambdaResolver::new(server.url("")).unwrap();
    // Plain ARN: the cause is the payload as the function sent it.
    let (e, c) = failed(resolver.invoke(&request("S", ARN, json!({"mode": "raise"}))).await);
    assert_eq!(e, "SizeError");
    assert_eq!(
        c,
        r#"{"errorMessage": "bad size", "errorType": "SizeError", "requestId": "r-1", "stackTrace": []}"#
    );
    // lambda:invoke: the cause is the document as compact JSON (as AWS records it).
    let params = json!({"FunctionName": "Resize", "Payload": {"mode": "raise"}});
    let (e, c) = failed(resolver.invoke(&request("S", INVOKE, params)).await);
    assert_eq!(e, "SizeError");
    assert_eq!(c, r#"{"errorMessage":"bad size","errorType":"SizeError","requestId":"r-1","stackTrace":[]}"#);
    // No errorType: Lambda.Unknown.
    let (e, c) = failed(resolver.invoke(&request("S", ARN, json!({"mode": "crash"}))).await);
    assert_eq!(e, "Lambda.Unknown");
    assert!(c.contains("Task timed out"), "{c}");
}

#[tokio::test]
async fn api_errors_become_lambda_exceptions() {
    let server = Server::start(lambda_like).await;
    let resolver = LambdaResolver::new(server.url("")).unwrap();
    let invoke = |mode: &str| json!({"FunctionName": "Resize", "Payload": {"mode": mode}});
    let (e, c) = failed(resolver.invoke(&request("S", INVOKE, invoke("missing"))).await);
    assert_eq!(e, "Lambda.ResourceNotFoundException");
    assert_eq!(
        c,
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:Nope (Service: AWSLambda; \
         Status Code: 404; Error Code: ResourceNotFoundException; Request ID: r-3; Proxy: null)"
    );
    let (e, c) = failed(resolver.invoke(&request("S", INVOKE, invoke("throttle"))).await);
    assert_eq!(e, "Lambda.TooManyRequestsException");
    assert!(c.starts_with("Rate exceeded (Service: AWSLambda; Status Code: 429;"), "{c}");
    let (e, _) = failed(resolver.invoke(&request("S", ARN, json!({"mode": "broken"}))).await);
    assert_eq!(e, "Lambda.ServiceException");
}

#[tokio::test]
async fn unreachable_endpoint_is_an_sdk_client_exception() {
    let resolver = LambdaResolver::new(dead_url().await).unwrap();
    let (e, c) = failed(resolver.invoke(&request("S", ARN, json!({}))).await);
    assert_eq!(e, "Lambda.SdkClientException");
    assert!(c.starts_with("Unable to execute HTTP request"), "{c}");
}

#[tokio::test]
async fn wait_for_task_token_invokes_and_submits() {
    let server = Server::start(lambda_like).await;
    let resolver = LambdaResolver::new(server.url("")).unwrap();
    let mut req = request(
        "Review",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        json!({"FunctionName": "Resize", "Payload": {"token": "tok-7", "doc": 1}}),
    );
    req.token = Some("tok-7".into());
    let Invocation::Submitted(out) = resolver.invoke(&req).await else { panic!("expected Submitted") };
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["Payload"]["resized"]["token"], "tok-7");
    assert_eq!(server.received()[0].json(), json!({"token": "tok-7", "doc": 1}));
}

#[tokio::test]
async fn event_invocations_pass_the_type_through() {
    let server = Server::start(|r, _| {
        assert_eq!(r.header("x-amz-invocation-type").as_deref(), Some("Event"));
        Reply::text(202, "").header("x-amzn-requestid", "ev-1")
    })
    .await;
    let resolver = LambdaResolver::new(server.url("")).unwrap();
    let params = json!({"FunctionName": "Resize", "InvocationType": "Event", "Payload": "{\"a\":1}"});
    let Invocation::Done(Resolution::Succeeded(out)) = resolver.invoke(&request("S", INVOKE, params)).await
    else {
        panic!("expected success");
    };
    assert_eq!((out["StatusCode"].clone(), out["Payload"].clone()), (json!(202), json!("")));
    // A Payload string holding JSON is sent as that JSON.
    assert_eq!(server.received()[0].json(), json!({"a": 1}));
}

#[tokio::test]
async fn a_function_that_never_answers_times_out() {
    let server = Server::start(|_, _| Reply::hang()).await;
    let resolver = LambdaResolver::new(server.url("")).unwrap();
    let mut req = request("S", ARN, json!({}));
    req.timeout_seconds = Some(1);
    let inv = resolver.invoke(&req).await;
    assert!(
        matches!(&inv, Invocation::Done(Resolution::TimedOut { error: Some(e), .. }) if e == "States.Timeout")
    );
}
