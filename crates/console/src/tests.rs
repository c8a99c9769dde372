//! The console's routes called directly (no server) over the real control plane with an
//! in-memory store and mocked tasks: the page and its headers, the assets, validation with
//! positions, and the state statuses derived from real histories (the rules the page paints).

use super::*;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::json;
use statecraft_runtime::engine::{Engine, EngineConfig};
use statecraft_runtime::invoke::MockInvoker;
use statecraft_runtime::{MemoryStore, MockConfig};
use statecraft_service::Service;
use std::time::Duration;
use tower::ServiceExt;

/// Task results by state name: `Flaky` fails once then succeeds, `Boom` and `Bad` always fail.
fn mocks() -> MockConfig {
    let doc = json!({
        "StateMachines": {"M": {"TestCases": {"T": {"Flaky": "FailOnce", "Boom": "Fails", "Bad": "Fails", "Ok": "Works"}}}},
        "MockedResponses": {
            "FailOnce": {"0": {"Throw": {"Error": "Flake", "Cause": "once"}}, "1": {"Return": {"v": 1}}},
            "Fails": {"0-9": {"Throw": {"Error": "Boom", "Cause": "always"}}},
            "Works": {"0-99": {"Return": {"v": 2}}}
        }
    });
    MockConfig::from_file(&doc, Some("M"), "T").expect("mock file")
}

fn service() -> Arc<Service> {
    let engine = Engine::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MockInvoker::new(mocks())),
        EngineConfig::default(),
    );
    Arc::new(Service::new(engine))
}

async fn run(svc: &Service, definition: Value, input: Value) -> (String, ExecutionStatus) {
    let machine = svc
        .create_state_machine(CreateStateMachineInput {
            name: format!("m{}", definition.to_string().len()),
            definition: definition.to_string(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            ..Default::default()
        })
        .await
        .expect("created")
        .state_machine_arn;
    let arn = svc
        .start_execution(StartExecutionInput {
            state_machine_arn: machine,
            input: Some(input.to_string()),
            ..Default::default()
        })
        .await
        .expect("started")
        .execution_arn;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let d = svc
            .describe_execution(DescribeExecutionInput { execution_arn: arn.clone(), ..Default::default() })
            .await
            .expect("described");
        if d.status != ExecutionStatus::Running {
            return (arn, d.status);
        }
        assert!(tokio::time::Instant::now() < deadline, "{arn} still running");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn get(app: &Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (parts.status, parts.headers, String::from_utf8_lossy(&bytes).into_owned())
}

fn enc(arn: &str) -> String {
    arn.replace(':', "%3A")
}

/// The statuses the console shows for an execution, through its endpoint.
async fn statuses(app: &Router, arn: &str) -> Value {
    let (status, _, body) =
        get(app, &format!("/console/api/execution-status?executionArn={}", enc(arn))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["states"].clone()
}

#[tokio::test]
async fn page_and_assets_are_served_with_their_types_and_headers() {
    let app = router(service());
    let (status, headers, html) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(html.contains(r#"<script src="/console/assets/app.js"></script>"#), "{html}");
    for (path, ctype) in [
        ("/console/assets/app.js", "text/javascript; charset=utf-8"),
        ("/console/assets/app.css", "text/css; charset=utf-8"),
        ("/console/assets/favicon.svg", "image/svg+xml"),
    ] {
        let (status, headers, body) = get(&app, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers["content-type"], ctype, "{path}");
        assert!(!body.is_empty());
    }
    assert_eq!(get(&app, "/console/assets/nope.js").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn with_a_token_only_the_shell_and_assets_are_public() {
    let app = statecraft_api::with_auth(router(service()), public(AuthConfig::bearer("t")));
    for (uri, expected) in [
        ("/", StatusCode::OK),
        ("/console", StatusCode::OK),
        ("/console/assets/app.js", StatusCode::OK),
        ("/console/api/graph?stateMachineArn=x", StatusCode::UNAUTHORIZED),
        ("/console/api/execution-status?executionArn=x", StatusCode::UNAUTHORIZED),
    ] {
        assert_eq!(get(&app, uri).await.0, expected, "{uri}");
    }
    let req = Request::post("/console/api/validate").body(Body::from("{}")).unwrap();
    assert_eq!(app.clone().oneshot(req).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let req =
        Request::get("/console/api/graph").header("authorization", "Bearer t").body(Body::empty()).unwrap();
    assert_eq!(
        app.oneshot(req).await.unwrap().status(),
        StatusCode::BAD_REQUEST,
        "past auth: a missing parameter"
    );
}

#[tokio::test]
async fn statuses_from_real_histories_succeeded_caught_failed_retried_and_cancelled() {
    let svc = service();
    let app = router(svc.clone());

    // A failure caught by a Catch: the Task is caught, the handler runs.
    let (arn, status) = run(
        &svc,
        json!({"StartAt": "Prepare", "States": {
            "Prepare": {"Type": "Pass", "Next": "Boom"},
            "Boom": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fallback"}], "Next": "Unreached"},
            "Unreached": {"Type": "Pass", "End": true},
            "Fallback": {"Type": "Pass", "End": true}}}),
        json!({}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(
        statuses(&app, &arn).await,
        json!({"Prepare": "succeeded", "Boom": "caught", "Fallback": "succeeded"})
    );

    // A retried failure that then succeeds is a success.
    let (arn, status) = run(
        &svc,
        json!({"StartAt": "Flaky", "States": {
            "Flaky": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                      "Retry": [{"ErrorEquals": ["Flake"], "IntervalSeconds": 1, "MaxAttempts": 2}], "End": true}}}),
        json!({}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(statuses(&app, &arn).await, json!({"Flaky": "succeeded"}));

    // An uncaught failure in a Parallel branch: the branch's state and the Parallel failed,
    // the sibling branch's state is shown as it ended.
    let (arn, status) = run(
        &svc,
        json!({"StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Bad", "States": {"Bad": {"Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true}}},
                {"StartAt": "Ok", "States": {"Ok": {"Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true}}}]}}}),
        json!({}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Failed);
    let s = statuses(&app, &arn).await;
    assert_eq!(s["Both"], "failed", "{s}");
    assert_eq!(s["Bad"], "failed", "{s}");
    assert!(s["Ok"] == "succeeded" || s["Ok"] == "cancelled", "{s}");

    // Map iterations: every state inside succeeded.
    let (arn, status) = run(
        &svc,
        json!({"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "End": true, "ItemsPath": "$.items",
                     "ItemProcessor": {"StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": true}}}}}}),
        json!({"items": [1, 2, 3]}),
    )
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(statuses(&app, &arn).await, json!({"Each": "succeeded", "Double": "succeeded"}));

    // The coloured graph carries the same statuses.
    let (status, headers, svg) = get(&app, &format!("/console/api/graph?executionArn={}", enc(&arn))).await;
    assert_eq!(status, StatusCode::OK, "{svg}");
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(svg.contains(r#"data-status="succeeded""#), "{svg}");
}

#[tokio::test]
async fn a_running_wait_is_running_and_a_stopped_one_cancelled() {
    let svc = service();
    let app = router(svc.clone());
    let machine = svc
        .create_state_machine(CreateStateMachineInput {
            name: "Sleeper".into(),
            definition:
                json!({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": true}}})
                    .to_string(),
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .state_machine_arn;
    let arn = svc
        .start_execution(StartExecutionInput { state_machine_arn: machine, ..Default::default() })
        .await
        .unwrap()
        .execution_arn;
    assert_eq!(statuses(&app, &arn).await, json!({"Nap": "running"}));
    svc.stop_execution(StopExecutionInput { execution_arn: arn.clone(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(statuses(&app, &arn).await, json!({"Nap": "cancelled"}));
}

#[tokio::test]
async fn validate_locates_diagnostics_and_bad_requests_get_aws_errors() {
    let app = router(service());
    let post = |body: String| {
        let app = app.clone();
        async move {
            let req = Request::post("/console/api/validate").body(Body::from(body)).unwrap();
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let bytes = resp.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    let text = "{\"StartAt\": \"A\",\n \"States\": {\n  \"A\": {\"Type\": \"Pass\",\n   \"Next\": \"B\"}}}";
    let (status, v) = post(json!({"definition": text}).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["result"], "FAIL");
    let d = &v["diagnostics"][0];
    assert_eq!((d["location"].as_str(), d["line"].as_u64()), (Some("/States/A/Next"), Some(4)), "{v}");
    assert_eq!(v["states"]["/States/A"], 3);

    let (status, v) = post("not json".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["__type"].as_str().unwrap().contains("SerializationException"), "{v}");
    let (status, v) = post("{}".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    // A definition that is not even JSON is a FAIL with diagnostics, not an error.
    let (status, v) = post(json!({"definition": "{\"StartAt\": "}).to_string()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["result"], "FAIL");
}

#[tokio::test]
async fn bad_queries_are_refused_in_aws_shape() {
    let app = router(service());
    for uri in [
        "/console/api/graph",
        "/console/api/graph?executionArn=",
        "/console/api/execution-status",
        "/console/api/execution-status?executionArn=%zz%",
        "/console/api/graph?stateMachineArn=arn%3Aaws%3Astates%3Aus-east-1%3A123456789012%3AstateMachine%3Anope",
    ] {
        let (status, _, body) = get(&app, uri).await;
        assert!(status.is_client_error(), "{uri}: {status} {body}");
        assert!(body.contains("__type"), "{uri}: {body}");
    }
}

#[test]
fn query_parameters_decode_and_never_panic() {
    assert_eq!(param(Some("a=1&executionArn=arn%3Ax%3Ay+z"), "executionArn").as_deref(), Some("arn:x:y z"));
    assert_eq!(param(Some("executionArn="), "executionArn"), None);
    assert_eq!(param(None, "x"), None);
    for junk in ["%", "%%", "%e2%82", "%zz", "&&&", "=", "x=%", "x=%f", "x=\u{e9}%C3"] {
        let _ = param(Some(junk), "x");
    }
}

#[test]
fn derive_ignores_malformed_events() {
    let events = vec![
        json!(null),
        json!({"id": "1", "type": "TaskStateEntered"}),
        json!({"id": 2, "type": "TaskStateExited"}),
        json!({"id": 3, "type": "TaskStateEntered", "previousEventId": 3}),
        json!({"id": 4, "type": "ParallelStateFailed", "previousEventId": 99}),
        json!({"id": 5, "type": "ExecutionRedriven"}),
        json!({"id": 6, "type": "MapStateEntered", "stateEnteredEventDetails": {"name": 7}}),
        json!({"id": 7, "type": "ExecutionFailed", "previousEventId": 6}),
    ];
    let s = status::derive(&events);
    assert!(s.values().all(|v| *v != status::Status::Running), "{s:?}");
}
