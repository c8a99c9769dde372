//! `ConfiguredInvoker`: routing by resource to the configured backends, the `[lambda]`
//! default, mocks first, and the error when nothing is configured.

use crate::common::{fixtures, request, Reply, Server};
use serde_json::{json, Value};
use statecraft_runtime::config::ProjectConfig;
use statecraft_runtime::invoke::{Invocation, MockInvoker, TaskInvoker};
use statecraft_runtime::resolvers::ConfiguredInvoker;
use statecraft_runtime::{MockConfig, Resolution};

const INVOKE: &str = "arn:aws:states:::lambda:invoke";

fn no_env(_: &str) -> Option<String> {
    None
}

fn invoker(text: &str) -> ConfiguredInvoker {
    let config = ProjectConfig::parse(text, "statecraft.toml", &fixtures(), &no_env).expect("config");
    ConfiguredInvoker::new(config).expect("invoker")
}

fn succeeded(inv: Invocation) -> Value {
    match inv {
        Invocation::Done(Resolution::Succeeded(v)) => v,
        other => panic!("expected success, got {other:?}"),
    }
}

/// A server that says who it is (and, as an Invoke API endpoint, which function was called).
async fn named(name: &'static str) -> Server {
    Server::start(move |r, _| Reply::json(200, &json!({"server": name, "uri": r.uri}))).await
}

#[tokio::test]
async fn routes_by_arn_then_name_then_the_default_endpoint() {
    let (http, by_name, default) = (named("http").await, named("by-name").await, named("default").await);
    let inv = invoker(&format!(
        r#"
        [lambda]
        endpoint = "{}"
        [resources."arn:aws:lambda:us-east-1:123456789012:function:Thumbnail"]
        http = "{}"
        [resources.Thumbnail]
        lambda_endpoint = "{}"
        [resources.Extract]
        command = ["python3", "handlers/echo.py"]
        "#,
        default.url(""),
        http.url("/thumb"),
        by_name.url("")
    ));
    // The exact ARN wins over the bare name.
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:Thumbnail";
    assert_eq!(succeeded(inv.invoke(&request("T", arn, json!({}))).await)["server"], "http");
    let route = inv.route(&request("T", arn, json!({}))).unwrap();
    assert_eq!(route.key.as_deref(), Some(arn));
    // Another account's Thumbnail only matches the name.
    let other = "arn:aws:lambda:us-east-1:999999999999:function:Thumbnail";
    let out = succeeded(inv.invoke(&request("T", other, json!({}))).await);
    assert_eq!(
        (out["server"].as_str(), out["uri"].as_str()),
        (Some("by-name"), Some("/2015-03-31/functions/Thumbnail/invocations"))
    );
    // lambda:invoke by name, by ARN with a qualifier: this account's ARN, so the http entry.
    for name in [
        "Thumbnail",
        "arn:aws:lambda:us-east-1:123456789012:function:Thumbnail:prod",
        "123456789012:function:Thumbnail",
    ] {
        let out = succeeded(inv.invoke(&request("T", INVOKE, json!({"FunctionName": name}))).await);
        assert_eq!(out["Payload"]["server"], "http", "{name}");
        assert_eq!(out["StatusCode"], 200);
    }
    // Unmapped functions go to the [lambda] endpoint.
    let out = succeeded(inv.invoke(&request("T", INVOKE, json!({"FunctionName": "Other:live"}))).await);
    assert_eq!(out["Payload"]["server"], "default");
    assert_eq!(out["Payload"]["uri"], "/2015-03-31/functions/Other/invocations?Qualifier=live");
    assert_eq!(inv.route(&request("T", INVOKE, json!({"FunctionName": "Other"}))).unwrap().key, None);
    // A bare-name command entry.
    let extract = "arn:aws:lambda:us-east-1:123456789012:function:Extract";
    let out = succeeded(inv.invoke(&request("Extract", extract, json!({"k": 1}))).await);
    assert_eq!((out["input"].clone(), out["state"].clone()), (json!({"k": 1}), json!("Extract")));
}

#[tokio::test]
async fn service_integrations_route_by_arn_with_or_without_the_pattern() {
    let server = Server::start(|r, _| Reply::json(200, &json!({"got": r.json()}))).await;
    let inv = invoker(&format!(
        "[resources.\"arn:aws:states:::sqs:sendMessage\"]\nhttp = \"{}\"\n",
        server.url("/q")
    ));
    let plain = inv.invoke(&request("Send", "arn:aws:states:::sqs:sendMessage", json!({"m": 1}))).await;
    assert_eq!(succeeded(plain), json!({"got": {"m": 1}}));
    let mut req = request("Ask", "arn:aws:states:::sqs:sendMessage.waitForTaskToken", json!({"m": 2}));
    req.token = Some("tok".into());
    assert_eq!(inv.invoke(&req).await, Invocation::Submitted(json!({"got": {"m": 2}})));
}

#[tokio::test]
async fn nothing_configured_fails_naming_state_and_resource() {
    let inv = invoker("");
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:Nowhere";
    let Invocation::Done(Resolution::Failed { error: Some(e), cause: Some(c) }) =
        inv.invoke(&request("Lost", arn, json!({}))).await
    else {
        panic!("expected a failure");
    };
    assert_eq!(e, "States.TaskFailed");
    assert!(c.starts_with(&format!("no resolver configured for state 'Lost' (resource {arn})")), "{c}");
    assert!(c.contains("AWS_ENDPOINT_URL_LAMBDA"), "{c}");
    let Invocation::Done(Resolution::Failed { cause: Some(c), .. }) =
        inv.invoke(&request("Put", "arn:aws:states:::dynamodb:putItem", json!({}))).await
    else {
        panic!("expected a failure");
    };
    assert!(c.contains("state 'Put'") && c.contains("dynamodb:putItem"), "{c}");
    // Malformed lambda:invoke parameters.
    let Invocation::Done(Resolution::Failed { error: Some(e), cause: Some(c) }) =
        inv.invoke(&request("Bad", INVOKE, json!({"FunctionName": "not a name"}))).await
    else {
        panic!("expected a failure");
    };
    assert_eq!(e, "States.TaskFailed");
    assert!(c.contains("invalid FunctionName"), "{c}");
}

#[tokio::test]
async fn mocks_win_when_given() {
    let server = named("real").await;
    let doc = json!({
        "StateMachines": {"SM": {"TestCases": {"T": {"Mocked": "R"}}}},
        "MockedResponses": {"R": {"0": {"Return": {"mocked": true}}}}
    });
    let mocks = MockInvoker::new(MockConfig::from_file(&doc, Some("SM"), "T").unwrap());
    let inv = invoker(&format!("[lambda]\nendpoint = \"{}\"\n", server.url(""))).with_mocks(mocks);
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:F";
    assert_eq!(succeeded(inv.invoke(&request("Mocked", arn, json!({}))).await), json!({"mocked": true}));
    assert_eq!(succeeded(inv.invoke(&request("Real", arn, json!({}))).await)["server"], "real");
    assert_eq!(server.received().len(), 1);
}
