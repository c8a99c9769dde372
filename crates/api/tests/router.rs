//! Router tests: requests go through `router(..).oneshot(req)` (no server) to the recording
//! service in `common`, and every answer is checked against AWS's wire shapes.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use common::{model_samples, Recorder};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use statecraft_api::{
    router, with_auth, Action, ApiError, AuthConfig, ErrorCode, RouterConfig, ValidationExceptionReason,
};
use tower::ServiceExt;

const AMZ_JSON: &str = "application/x-amz-json-1.0";

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

fn setup() -> (Arc<Recorder>, Router) {
    let recorder = Arc::new(Recorder::default());
    let app = router(recorder.clone(), &RouterConfig::default());
    (recorder, app)
}

fn api_request(target: Option<&str>, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut builder = Request::post("/");
    if let Some(target) = target {
        builder = builder.header("X-Amz-Target", target);
    }
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(body.into()).unwrap()
}

fn call(action: &str, body: &Value) -> Request<Body> {
    api_request(Some(&format!("AWSStepFunctions.{action}")), Some(AMZ_JSON), body.to_string())
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply { status, headers, body }
}

/// The AWS JSON 1.0 error shape: status, `__type`, `x-amzn-ErrorType`, a message.
fn assert_aws_error(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.body["__type"], code, "{:?}", reply.body);
    assert_eq!(reply.headers["x-amzn-ErrorType"], code);
    assert_eq!(reply.headers[header::CONTENT_TYPE], AMZ_JSON);
    assert!(reply.body["message"].as_str().is_some_and(|m| !m.is_empty()), "{:?}", reply.body);
}

#[test]
fn the_router_serves_exactly_the_models_operations() {
    let model: BTreeSet<String> = model_samples().into_iter().map(|s| s.action).collect();
    let ours: BTreeSet<String> = Action::ALL.iter().map(|a| a.as_str().to_owned()).collect();
    assert_eq!(model, ours);
}

#[test]
fn every_modeled_error_has_a_code() {
    for sample in model_samples() {
        for name in &sample.errors {
            assert!(
                ErrorCode::ALL.iter().any(|code| code.as_str() == name),
                "{} declares {name}, which ErrorCode lacks",
                sample.action
            );
        }
    }
}

/// Each action, with a request holding every member of the model, reaches its own trait
/// method with every member parsed; the canned response holding every member comes back
/// unchanged. A misnamed or missing field in a wire type breaks one of the two equalities.
#[tokio::test]
async fn every_action_routes_and_round_trips_every_member() {
    let (recorder, app) = setup();
    for sample in model_samples() {
        recorder.respond(&sample.action, sample.output.clone());
        let reply = send(&app, call(&sample.action, &sample.input)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}: {:?}", sample.action, reply.body);
        assert_eq!(reply.headers[header::CONTENT_TYPE], AMZ_JSON);
        assert!(reply.headers.contains_key("x-amzn-RequestId"));
        let (action, input) = recorder.last().unwrap();
        assert_eq!(action, sample.action);
        assert_eq!(input, sample.input, "{}: request members lost or renamed", sample.action);
        assert_eq!(reply.body, sample.output, "{}: response members lost or renamed", sample.action);
    }
    assert_eq!(recorder.calls().len(), Action::ALL.len());
}

/// Minimal answers omit every optional member and keep required lists as `[]`.
#[tokio::test]
async fn absent_optional_members_are_omitted() {
    let (_, app) = setup();
    let reply = send(&app, call("DescribeExecution", &json!({"executionArn": "arn:e"}))).await;
    assert_eq!(
        reply.body,
        json!({"executionArn": "", "stateMachineArn": "", "status": "RUNNING", "startDate": 0})
    );
    let reply = send(&app, call("ListExecutions", &json!({}))).await;
    assert_eq!(reply.body, json!({"executions": []}));
    let reply = send(&app, call("GetActivityTask", &json!({"activityArn": "arn:a"}))).await;
    assert_eq!(reply.body, json!({}));
    let reply = send(&app, call("ListTagsForResource", &json!({"resourceArn": "arn:a"}))).await;
    assert_eq!(reply.body, json!({"tags": []}));
}

/// Shapes as the API reference shows them, with millisecond timestamps.
#[tokio::test]
async fn responses_match_api_reference_examples() {
    let (recorder, app) = setup();
    let started = json!({
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:HelloWorld:run-1",
        "startDate": 1700000000.123
    });
    recorder.respond("StartExecution", started.clone());
    let input = json!({
        "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld",
        "name": "run-1",
        "input": "{\"IsHelloWorldExample\": true}"
    });
    let reply = send(&app, call("StartExecution", &input)).await;
    assert_eq!(reply.body, started);

    let history = json!({"events": [
        {"timestamp": 1700000000.5, "type": "ExecutionStarted", "id": 1, "previousEventId": 0,
         "executionStartedEventDetails": {"input": "{}", "inputDetails": {"truncated": false},
                                          "roleArn": "arn:aws:iam::123456789012:role/r"}},
        {"timestamp": 1700000001, "type": "ExecutionSucceeded", "id": 2, "previousEventId": 1,
         "executionSucceededEventDetails": {"output": "{}", "outputDetails": {"truncated": false}}}
    ], "nextToken": "page-2"});
    recorder.respond("GetExecutionHistory", history.clone());
    let reply =
        send(&app, call("GetExecutionHistory", &json!({"executionArn": "arn:e", "maxResults": 2}))).await;
    assert_eq!(reply.body, history, "history events pass through untouched");

    recorder.respond(
        "StartSyncExecution",
        json!({"executionArn": "arn:e", "startDate": 1.5, "stopDate": 2, "status": "FAILED",
               "error": "States.TaskFailed", "cause": "boom",
               "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100}}),
    );
    let reply = send(&app, call("StartSyncExecution", &json!({"stateMachineArn": "arn:sm"}))).await;
    assert_eq!(reply.body["billingDetails"]["billedMemoryUsedInMB"], 64);
    assert_eq!(reply.body["startDate"], 1.5);
    assert_eq!(reply.body["stopDate"], 2);
}

#[tokio::test]
async fn missing_required_members_are_validation_errors() {
    let (recorder, app) = setup();
    let mut checked = 0;
    for sample in model_samples() {
        for member in &sample.required {
            let mut input = sample.input.clone();
            input.as_object_mut().unwrap().remove(member);
            let before = recorder.calls().len();
            let reply = send(&app, call(&sample.action, &input)).await;
            assert_aws_error(&reply, StatusCode::BAD_REQUEST, "ValidationException");
            assert_eq!(
                reply.body["message"],
                format!(
                    "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
                     Member must not be null"
                ),
                "{}",
                sample.action
            );
            assert_eq!(recorder.calls().len(), before, "{}: service called despite bad input", sample.action);
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} required members");
}

#[tokio::test]
async fn null_and_bad_enum_members_are_validation_errors() {
    let (_, app) = setup();
    let reply = send(&app, call("DescribeExecution", &json!({"executionArn": null}))).await;
    assert_aws_error(&reply, StatusCode::BAD_REQUEST, "ValidationException");
    let reply = send(
        &app,
        call("CreateStateMachine", &json!({"name": "n", "definition": "{}", "roleArn": "r", "type": "LAZY"})),
    )
    .await;
    assert_aws_error(&reply, StatusCode::BAD_REQUEST, "ValidationException");
    assert!(reply.body["message"].as_str().unwrap().contains("Value 'LAZY' at 'type'"), "{:?}", reply.body);
    let reply = send(&app, call("ListStateMachines", &json!({"maxResults": 5000}))).await;
    assert_aws_error(&reply, StatusCode::BAD_REQUEST, "ValidationException");
    assert!(reply.body["message"].as_str().unwrap().contains("less than or equal to 1000"));
}

#[tokio::test]
async fn service_errors_render_the_aws_error_shape() {
    let (recorder, app) = setup();
    let all_codes: BTreeSet<String> = model_samples().into_iter().flat_map(|s| s.errors).collect();
    for name in &all_codes {
        let code = *ErrorCode::ALL.iter().find(|c| c.as_str() == name).unwrap();
        recorder.fail("DescribeActivity", ApiError::new(code, format!("{name} happened")));
        let reply = send(&app, call("DescribeActivity", &json!({"activityArn": "arn:a"}))).await;
        assert_aws_error(&reply, StatusCode::BAD_REQUEST, name);
        assert_eq!(reply.body["message"], format!("{name} happened"));
    }

    recorder.fail(
        "UpdateStateMachineAlias",
        ApiError::validation("weights must add up to 100")
            .with_reason(ValidationExceptionReason::InvalidRoutingConfiguration),
    );
    let reply = send(&app, call("UpdateStateMachineAlias", &json!({"stateMachineAliasArn": "arn:a"}))).await;
    assert_eq!(
        reply.body,
        json!({"__type": "ValidationException", "message": "weights must add up to 100",
               "reason": "INVALID_ROUTING_CONFIGURATION"})
    );

    recorder
        .fail("TagResource", ApiError::new(ErrorCode::TooManyTags, "too many").with_resource_name("arn:sm"));
    let reply = send(&app, call("TagResource", &json!({"resourceArn": "arn:sm", "tags": []}))).await;
    assert_eq!(reply.body, json!({"__type": "TooManyTags", "message": "too many", "resourceName": "arn:sm"}));

    recorder.fail("ListActivities", ApiError::internal("disk on fire"));
    let reply = send(&app, call("ListActivities", &json!({}))).await;
    assert_aws_error(&reply, StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure");
}

#[tokio::test]
async fn malformed_bodies_are_serialization_errors() {
    let (recorder, app) = setup();
    let target = Some("AWSStepFunctions.StartExecution");
    for body in ["{", "not json", "{\"stateMachineArn\": \"a\"} trailing", "[]", "[\"arn:sm\"]", "42", "null"]
    {
        let reply = send(&app, api_request(target, Some(AMZ_JSON), body)).await;
        assert_aws_error(&reply, StatusCode::BAD_REQUEST, "SerializationException");
    }
    let reply = send(&app, api_request(target, Some(AMZ_JSON), "{")).await;
    assert!(reply.body["message"].as_str().unwrap().starts_with("Request body is not valid JSON"));
    let reply = send(&app, call("StartExecution", &json!({"stateMachineArn": ["a"]}))).await;
    assert_aws_error(&reply, StatusCode::BAD_REQUEST, "SerializationException");
    assert!(reply.body["message"].as_str().unwrap().contains("'stateMachineArn'"), "{:?}", reply.body);
    let reply = send(&app, api_request(target, Some(AMZ_JSON), vec![0xff, 0xfe, 0x00])).await;
    assert_aws_error(&reply, StatusCode::BAD_REQUEST, "SerializationException");
    assert!(recorder.calls().is_empty());
}

#[tokio::test]
async fn empty_bodies_read_as_empty_objects() {
    let (recorder, app) = setup();
    let reply = send(&app, api_request(Some("AWSStepFunctions.ListStateMachines"), Some(AMZ_JSON), "")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(recorder.last().unwrap(), ("ListStateMachines".to_owned(), json!({})));
}

#[tokio::test]
async fn unknown_or_missing_targets_are_unknown_operations() {
    let (recorder, app) = setup();
    let missing = send(&app, api_request(None, Some(AMZ_JSON), "{}")).await;
    assert_aws_error(&missing, StatusCode::BAD_REQUEST, "UnknownOperationException");
    assert!(missing.body["message"].as_str().unwrap().contains("Missing X-Amz-Target"));
    for target in [
        "AWSStepFunctions.LaunchRocket",
        "DynamoDB_20120810.GetItem",
        "StartExecution",
        "AWSStepFunctions.startExecution",
        "",
    ] {
        let reply = send(&app, api_request(Some(target), Some(AMZ_JSON), "{}")).await;
        assert_aws_error(&reply, StatusCode::BAD_REQUEST, "UnknownOperationException");
        assert!(reply.body["message"].as_str().unwrap().contains(&format!("'{target}'")), "{:?}", reply.body);
    }
    assert!(recorder.calls().is_empty());
}

#[tokio::test]
async fn content_types() {
    let (_, app) = setup();
    let target = Some("AWSStepFunctions.ListActivities");
    for ok in [AMZ_JSON, "application/json", "application/x-amz-json-1.0; charset=utf-8", "Application/JSON"]
    {
        let reply = send(&app, api_request(target, Some(ok), "{}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{ok}");
    }
    for bad in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let reply = send(&app, api_request(target, bad, "{}")).await;
        assert_aws_error(&reply, StatusCode::BAD_REQUEST, "SerializationException");
        assert!(reply.body["message"].as_str().unwrap().starts_with("Unsupported Content-Type"));
    }
}

#[tokio::test]
async fn host_header_is_ignored_for_sync_endpoints() {
    let (recorder, app) = setup();
    let request = Request::post("/")
        .header(header::HOST, "sync-127.0.0.1:8083")
        .header("X-Amz-Target", "AWSStepFunctions.StartSyncExecution")
        .header(header::CONTENT_TYPE, AMZ_JSON)
        .body(Body::from(r#"{"stateMachineArn":"arn:sm"}"#))
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::OK);
    assert_eq!(recorder.last().unwrap().0, "StartSyncExecution");
}

#[tokio::test]
async fn oversized_bodies_are_refused_cleanly() {
    let recorder = Arc::new(Recorder::default());
    let app = router(recorder.clone(), &RouterConfig::default().with_max_body_bytes(64));
    let body = json!({"stateMachineArn": "a".repeat(100)});
    let reply = send(&app, call("StartExecution", &body)).await;
    assert_aws_error(&reply, StatusCode::BAD_REQUEST, "ValidationException");
    assert!(recorder.calls().is_empty());
}

#[tokio::test]
async fn health_and_merged_routes() {
    let (_, app) = setup();
    let app = app
        .route("/", get(|| async { "console" }))
        .merge(Router::new().route("/callback/{token}", post(|| async { "callback" })));
    let health = send(&app, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, json!({"status": "ok"}));
    let console = send(&app, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(console.body, "console");
    let callback = send(&app, Request::post("/callback/abc").body(Body::empty()).unwrap()).await;
    assert_eq!(callback.body, "callback");
    let api = send(&app, call("ListActivities", &json!({}))).await;
    assert_eq!(api.status, StatusCode::OK);
    // Not found and wrong method are axum's plain answers, never a 500.
    let missing = send(&app, Request::get("/nope").body(Body::empty()).unwrap()).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let (_, bare) = setup();
    let wrong_method = send(&bare, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn auth_layer_admits_and_refuses() {
    let (recorder, api) = setup();
    let app = api
        .route("/console", get(|| async { "console" }))
        .merge(Router::new().route("/callback/{token}", post(|| async { "callback" })));
    let app = with_auth(app, AuthConfig::bearer("s3cret"));

    let with_token = |token: Option<&str>| {
        let mut request = call("ListActivities", &json!({}));
        if let Some(token) = token {
            request.headers_mut().insert(header::AUTHORIZATION, token.parse().unwrap());
        }
        request
    };
    let missing = send(&app, with_token(None)).await;
    assert_aws_error(&missing, StatusCode::UNAUTHORIZED, "UnrecognizedClientException");
    assert_eq!(missing.headers[header::WWW_AUTHENTICATE], "Bearer");
    let wrong = send(&app, with_token(Some("Bearer nope"))).await;
    assert_aws_error(&wrong, StatusCode::UNAUTHORIZED, "UnrecognizedClientException");
    assert!(recorder.calls().is_empty(), "refused requests never reach the service");
    let right = send(&app, with_token(Some("Bearer s3cret"))).await;
    assert_eq!(right.status, StatusCode::OK);
    assert_eq!(recorder.calls().len(), 1);

    let health = send(&app, Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(health.status, StatusCode::OK);
    let callback = send(&app, Request::post("/callback/abc").body(Body::empty()).unwrap()).await;
    assert_eq!(callback.status, StatusCode::OK);
    let console = send(&app, Request::get("/console").body(Body::empty()).unwrap()).await;
    assert_eq!(console.status, StatusCode::UNAUTHORIZED, "merged routes are covered too");

    let sigv4 = "AWS4-HMAC-SHA256 Credential=s3cret/20250101/us-east-1/states/aws4_request, \
                 SignedHeaders=host;x-amz-date;x-amz-target, Signature=0123";
    let refused = send(&app, with_token(Some(sigv4))).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let (_, api) = setup();
    let app = with_auth(api, AuthConfig::bearer("s3cret").with_sigv4_access_key(true));
    assert_eq!(send(&app, with_token(Some(sigv4))).await.status, StatusCode::OK);

    let (_, api) = setup();
    let open = with_auth(api, AuthConfig::default());
    assert_eq!(send(&open, with_token(None)).await.status, StatusCode::OK, "no token configured: open");
}

/// Every top-level member of every action, replaced by each JSON type in turn (and by
/// extreme values), gives a 200 or a 400 in the AWS shape: never a 500, never a panic.
#[tokio::test]
async fn no_member_value_makes_the_router_fail() {
    let (_, app) = setup();
    let replacements = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1e300),
        json!(18446744073709551616u128 as f64),
        json!(""),
        json!("\u{0}\u{ffff}é"),
        json!([]),
        json!([null, {}]),
        json!({}),
        json!({"nested": [1]}),
    ];
    let mut sent = 0;
    for sample in model_samples() {
        for member in sample.input.as_object().unwrap().keys() {
            for replacement in &replacements {
                let mut input = sample.input.clone();
                input[member] = replacement.clone();
                let reply = send(&app, call(&sample.action, &input)).await;
                match reply.status {
                    StatusCode::OK => {}
                    StatusCode::BAD_REQUEST => {
                        let code = reply.body["__type"].as_str().unwrap_or_default();
                        assert!(
                            ["ValidationException", "SerializationException"].contains(&code),
                            "{} {member}={replacement}: {:?}",
                            sample.action,
                            reply.body
                        );
                    }
                    other => {
                        panic!("{} {member}={replacement}: status {other}: {:?}", sample.action, reply.body)
                    }
                }
                sent += 1;
            }
        }
    }
    assert!(sent > 1000, "{sent}");
}
