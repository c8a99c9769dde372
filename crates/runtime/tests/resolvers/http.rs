//! The HTTP resolver against a real server on 127.0.0.1:0.

use crate::common::{dead_url, eventually, request, Reply, Server};
use serde_json::{json, Value};
use statecraft_runtime::config::HttpTarget;
use statecraft_runtime::invoke::{Invocation, TaskInvoker};
use statecraft_runtime::resolvers::HttpResolver;
use statecraft_runtime::Resolution;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:Thumbnail";

fn resolver(url: String) -> HttpResolver {
    HttpResolver::new(HttpTarget { url, headers: BTreeMap::from([("X-Api-Key".into(), "k1".into())]) })
        .expect("client")
}

fn failed(inv: Invocation) -> (String, String) {
    match inv {
        Invocation::Done(Resolution::Failed { error: Some(e), cause: Some(c) }) => (e, c),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn posts_the_input_and_returns_the_json_body() {
    let server = Server::start(|r, _| Reply::json(200, &json!({"echo": r.json(), "ok": true}))).await;
    let mut req = request("Thumb", LAMBDA, json!({"size": 128}));
    req.token = Some("tok".into());
    let inv = resolver(server.url("/thumbnail")).invoke(&req).await;
    assert_eq!(inv, Invocation::Done(Resolution::Succeeded(json!({"echo": {"size": 128}, "ok": true}))));
    let got = &server.received()[0];
    assert_eq!((got.method.as_str(), got.uri.as_str()), ("POST", "/thumbnail"));
    assert_eq!(got.header("content-type").as_deref(), Some("application/json"));
    assert_eq!(got.header("x-statecraft-state-name").as_deref(), Some("Thumb"));
    assert_eq!(got.header("x-statecraft-task-token").as_deref(), Some("tok"));
    assert_eq!(got.header("x-api-key").as_deref(), Some("k1"));
}

#[tokio::test]
async fn error_document_in_a_non_2xx_names_the_error() {
    let server = Server::start(|_, _| {
        Reply::json(500, &json!({"errorType": "ThumbnailTooLarge", "errorMessage": "over 10 MB"}))
    })
    .await;
    let sns = "arn:aws:states:::sns:publish";
    let (e, c) = failed(resolver(server.url("/")).invoke(&request("S", sns, json!({}))).await);
    assert_eq!((e.as_str(), c.as_str()), ("ThumbnailTooLarge", "over 10 MB"));
    // For a Lambda ARN the cause is the whole document, as AWS reports function errors.
    let (e, c) = failed(resolver(server.url("/")).invoke(&request("S", LAMBDA, json!({}))).await);
    assert_eq!(e, "ThumbnailTooLarge");
    assert_eq!(serde_json::from_str::<Value>(&c).unwrap()["errorMessage"], "over 10 MB");
}

#[tokio::test]
async fn other_non_2xx_is_http_status() {
    let server = Server::start(|_, _| Reply::text(503, "upstream busy")).await;
    let (e, c) = failed(resolver(server.url("/x")).invoke(&request("S", LAMBDA, json!({}))).await);
    assert_eq!(e, "HTTP.503");
    assert!(c.contains("upstream busy") && c.contains("/x"), "{c}");
}

#[tokio::test]
async fn success_bodies_must_be_json_or_empty() {
    let server =
        Server::start(|_, n| if n == 0 { Reply::text(200, "<html>") } else { Reply::text(204, "") }).await;
    let (e, c) = failed(resolver(server.url("/")).invoke(&request("S", LAMBDA, json!({}))).await);
    assert_eq!(e, "States.TaskFailed");
    assert!(c.contains("not JSON") && c.contains("<html>"), "{c}");
    let inv = resolver(server.url("/")).invoke(&request("S", LAMBDA, json!({}))).await;
    assert_eq!(inv, Invocation::Done(Resolution::Succeeded(Value::Null)));
}

#[tokio::test]
async fn connection_refused_fails_the_task() {
    let url = dead_url().await;
    let (e, c) = failed(resolver(url.clone()).invoke(&request("Thumb", LAMBDA, json!({}))).await);
    assert_eq!(e, "States.TaskFailed");
    assert!(c.contains("state 'Thumb'") && c.contains(&url), "{c}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = Server::start(|_, _| Reply::hang()).await;
    let mut req = request("S", LAMBDA, json!({}));
    req.timeout_seconds = Some(1);
    let started = Instant::now();
    let inv = resolver(server.url("/")).invoke(&req).await;
    assert!(
        matches!(&inv, Invocation::Done(Resolution::TimedOut { error: Some(e), .. }) if e == "States.Timeout")
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn wait_for_task_token_is_submitted() {
    let server = Server::start(|_, _| Reply::json(200, &json!({"MessageId": "m-1"}))).await;
    let mut req = request("Ask", "arn:aws:states:::sqs:sendMessage.waitForTaskToken", json!({"q": 1}));
    req.token = Some("tok-9".into());
    let inv = resolver(server.url("/")).invoke(&req).await;
    assert_eq!(inv, Invocation::Submitted(json!({"MessageId": "m-1"})));
    assert_eq!(server.received()[0].header("x-statecraft-task-token").as_deref(), Some("tok-9"));
}

#[tokio::test]
async fn lambda_invoke_event_answers_202_and_calls_in_the_background() {
    let server = Server::start(|_, _| Reply::json(200, &json!({"done": true}))).await;
    let params = json!({"FunctionName": "Thumbnail", "InvocationType": "Event", "Payload": {"p": 1}});
    let inv = resolver(server.url("/")).invoke(&request("S", "arn:aws:states:::lambda:invoke", params)).await;
    let Invocation::Done(Resolution::Succeeded(out)) = inv else { panic!("expected success") };
    assert_eq!((out["StatusCode"].clone(), out["Payload"].clone()), (json!(202), json!("")));
    assert!(out.get("ExecutedVersion").is_none());
    assert!(eventually(Duration::from_secs(5), || server.received().len() == 1).await);
    assert_eq!(server.received()[0].json(), json!({"p": 1}));
    // DryRun calls nothing.
    let params = json!({"FunctionName": "Thumbnail", "InvocationType": "DryRun"});
    let inv = resolver(server.url("/")).invoke(&request("S", "arn:aws:states:::lambda:invoke", params)).await;
    let Invocation::Done(Resolution::Succeeded(out)) = inv else { panic!("expected success") };
    assert_eq!(out["StatusCode"], 204);
    assert_eq!(server.received().len(), 1);
}
