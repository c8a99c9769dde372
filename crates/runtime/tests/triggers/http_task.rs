//! The HTTP Task against a real HTTP server: AWS's result shape, status errors, query
//! parameters, URL-encoded bodies, connection credentials, and the refusals.

use crate::common::{dead_url, request, Reply, Server};
use serde_json::{json, Value};
use statecraft_runtime::config::ProjectConfig;
use statecraft_runtime::invoke::{Invocation, TaskInvoker};
use statecraft_runtime::resolvers::ConfiguredInvoker;
use statecraft_runtime::Resolution;
use std::path::Path;

const RESOURCE: &str = "arn:aws:states:::http:invoke";
const STRIPE: &str =
    "arn:aws:events:us-east-1:123456789012:connection/stripe/81210c42-8af1-456b-9c4a-6ff02fc664ac";

fn invoker() -> ConfiguredInvoker {
    let text = r#"
        [http_task.connections.stripe]
        api_key_header = "x-api-key"
        api_key_env = "STRIPE_KEY"
        headers = { "Stripe-Version" = "2024-06-20" }
        query_parameters = { expand = "customer" }

        [http_task.connections.legacy]
        arn = "arn:aws:events:us-east-1:123456789012:connection/old-name/1"
        username = "alice"
        password = "wonderland"
        body_parameters = { source = "statecraft" }
    "#;
    let env = |k: &str| (k == "STRIPE_KEY").then(|| "sk_test_123".to_string());
    let config = ProjectConfig::parse(text, "statecraft.toml", Path::new("/p"), &env).unwrap();
    ConfiguredInvoker::new(config).unwrap()
}

async fn run(input: Value) -> Resolution {
    match invoker().invoke(&request("Call", RESOURCE, input)).await {
        Invocation::Done(r) => r,
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn a_get_with_query_parameters_and_an_api_key() {
    let server =
        Server::start(|_, _| Reply::json(200, &json!({"customers": [1, 2]})).header("x-request-id", "r-1"))
            .await;
    let result = run(json!({
        "ApiEndpoint": server.url("/v1/customers?limit=3"),
        "Method": "GET",
        "Authentication": {"ConnectionArn": STRIPE},
        "Headers": {"X-Trace": "t1"},
        "QueryParameters": {"currency": "usd", "ids": ["a", "b"], "expand": "overridden"},
    }))
    .await;
    let Resolution::Succeeded(out) = result else { panic!("{result:?}") };
    assert_eq!(out["StatusCode"], json!(200));
    assert_eq!(out["StatusText"], json!("OK"));
    assert_eq!(out["ResponseBody"], json!({"customers": [1, 2]}));
    assert_eq!(out["Headers"]["x-request-id"], json!(["r-1"]));
    assert_eq!(out["Headers"]["content-type"], json!(["application/json"]));
    let got = &server.received()[0];
    assert_eq!(got.method, "GET");
    assert_eq!(got.uri, "/v1/customers?limit=3&currency=usd&ids=a&ids=b&expand=customer");
    assert_eq!(got.header("x-api-key").as_deref(), Some("sk_test_123"));
    assert_eq!(got.header("stripe-version").as_deref(), Some("2024-06-20"));
    assert_eq!(got.header("x-trace").as_deref(), Some("t1"));
    assert_eq!(got.header("user-agent").as_deref(), Some("Amazon|StepFunctions|HttpInvoke|us-east-1"));
    assert_eq!(got.header("range").as_deref(), Some("bytes=0-262144"));
}

#[tokio::test]
async fn a_404_is_states_http_status_code_404() {
    let server = Server::start(|_, _| Reply::text(404, "no such customer")).await;
    let result = run(json!({
        "ApiEndpoint": server.url("/v1/customers/9"),
        "Method": "DELETE",
        "Authentication": {"ConnectionArn": STRIPE},
    }))
    .await;
    let Resolution::Failed { error, cause } = result else { panic!("{result:?}") };
    assert_eq!(error.as_deref(), Some("States.Http.StatusCode.404"));
    let cause: Value = serde_json::from_str(&cause.unwrap()).unwrap();
    assert_eq!(
        (cause["StatusCode"].clone(), cause["ResponseBody"].clone()),
        (json!(404), json!("no such customer"))
    );
}

#[tokio::test]
async fn a_url_encoded_body_with_basic_auth_and_connection_body_parameters() {
    let server = Server::start(|_, _| Reply::text(201, "created")).await;
    let result = run(json!({
        "ApiEndpoint": server.url("/v1/invoices"),
        "Method": "POST",
        "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/old-name/1"},
        "RequestBody": {"customer": "c 1", "items": ["x", "y"], "metadata": {"plan": "pro&co"}},
        "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}},
    }))
    .await;
    let Resolution::Succeeded(out) = result else { panic!("{result:?}") };
    assert_eq!((out["StatusCode"].clone(), out["ResponseBody"].clone()), (json!(201), json!("created")));
    let got = &server.received()[0];
    assert_eq!(got.header("content-type").as_deref(), Some("application/x-www-form-urlencoded"));
    // base64("alice:wonderland")
    assert_eq!(got.header("authorization").as_deref(), Some("Basic YWxpY2U6d29uZGVybGFuZA=="));
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&got.body).into_owned().collect();
    let expected = [
        ("customer", "c 1"),
        ("items[]", "x"),
        ("items[]", "y"),
        ("metadata[plan]", "pro&co"),
        ("source", "statecraft"),
    ];
    assert_eq!(pairs, expected.map(|(k, v)| (k.to_string(), v.to_string())));
}

#[tokio::test]
async fn a_json_body_by_default() {
    let server = Server::start(|r, _| Reply::json(200, &r.json())).await;
    let result = run(json!({
        "ApiEndpoint": server.url("/echo"),
        "Method": "PUT",
        "Authentication": {"ConnectionArn": "stripe"},
        "RequestBody": {"a": [1, 2]},
    }))
    .await;
    let Resolution::Succeeded(out) = result else { panic!("{result:?}") };
    assert_eq!(out["ResponseBody"], json!({"a": [1, 2]}));
    assert_eq!(
        server.received()[0].header("content-type").as_deref(),
        Some("application/json; charset=UTF-8")
    );
}

#[tokio::test]
async fn refusals_and_socket_errors() {
    let failed = |r: Resolution| match r {
        Resolution::Failed { error, .. } => error.unwrap_or_default(),
        other => panic!("expected a failure, got {other:?}"),
    };
    let base = json!({"ApiEndpoint": "http://127.0.0.1:9/x", "Method": "GET", "Authentication": {"ConnectionArn": STRIPE}});
    let with = |k: &str, v: Value| {
        let mut p = base.clone();
        p[k] = v;
        p
    };
    assert_eq!(failed(run(with("Headers", json!({"Authorization": "Bearer x"}))).await), "States.Runtime");
    assert_eq!(failed(run(with("Headers", json!({"X-Amz-Date": "x"}))).await), "States.Runtime");
    assert_eq!(failed(run(with("Method", json!("TRACE"))).await), "States.Runtime");
    assert_eq!(
        failed(
            run(with(
                "Authentication",
                json!({"ConnectionArn": "arn:aws:events:us-east-1:1:connection/unknown/1"})
            ))
            .await
        ),
        "States.Runtime"
    );
    let legacy = json!({"ApiEndpoint": "http://127.0.0.1:9/x", "Method": "POST", "RequestBody": "raw",
        "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/old-name/1"}});
    assert_eq!(failed(run(legacy).await), "States.Runtime");
    assert_eq!(failed(run(with("ApiEndpoint", json!(dead_url().await))).await), "States.Http.Socket");
}
