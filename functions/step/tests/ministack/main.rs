//! The deployed-shape tier of the serverless tests: the real `provided.al2023` bootstraps of
//! the step function (`statecraft-step`, this package) and the api function
//! (`statecraft-api`, `functions/api`) run as Lambda functions inside ministack, a local AWS
//! emulator, deployed from `template.yaml` itself, and every scenario is driven through the
//! api function behind API Gateway (HTTP API, payload format 2.0). The moto tier
//! (`crates/serverless/tests`) runs the step handler in-process with a player of the event
//! source mapping and fault injection; this tier checks what only a deployment shows: the
//! bootstraps' Lambda event shapes, their environment as the template sets it, SQS event source
//! mappings with `ReportBatchItemFailures`, real SQS delays, SNS → SQS, API Gateway's proxy
//! events, and the functions' cold start.
//!
//! # The deployment
//!
//! `infra/ministack/start.sh` starts ministack (installed by `infra/ministack/deps.sh` into a
//! venv of its own) once per test binary, stopped when the test process exits;
//! `infra/ministack/deploy.py` zips the two bootstraps as `bootstrap` (mode 755) into
//! ministack's S3 and creates the stack from `template.yaml` through ministack's CloudFormation,
//! which applies the SAM transform (aws-sam-translator): the two tables, the step and task queues
//! with their dead-letter queues, the step, task and api functions (provided.al2023, x86_64,
//! the template's environment; `MaxDelaySeconds` = 2 so Waits chain delays; the `Activities`
//! and `StartSources` parameters name an SNS topic → SQS queue and a start queue it creates
//! first), their event source mappings, the HTTP API and its stage. The only change to the
//! template is `CodeUri` (the zips in S3, as `sam deploy` uploads them). Two things are added
//! through the APIs, because the template leaves them out or ministack cannot provision them:
//! the HTTP API's routes (SAM declares them in an OpenAPI `Body`, which ministack 1.5's
//! `AWS::ApiGatewayV2::Api` ignores: the API comes up with no routes, so the script creates
//! the same three routes and the AWS_PROXY integration), and the start queue's event source
//! mapping (the template asks the user to subscribe start sources). The Task states' target,
//! `statecraft-task-worker`, is a provided.al2023 custom runtime written in Python
//! (`tests/fixtures/worker_bootstrap.py`: ministack's python3.x executor reports every handler
//! exception as `Runtime.HandlerError`, and Retry/Catch need the function's own error type);
//! our own functions are the Rust bootstraps.
//!
//! API calls are SigV4-signed (service `states`), as the AWS CLI signs them: the `POST /`
//! route keeps the template's `AWS_IAM` authorization, for which ministack requires an
//! `Authorization` header (it checks signatures only when started with `AUTH=true`).
//!
//! The Map runs 1,000 items by default (`STATECRAFT_MAP_ITEMS`), in about 20 s here; the whole
//! file takes about a minute, a third of it zipping and deploying the debug bootstraps.
//! What the moto tier already covers in process (duplicate delivery of every message, lost
//! deletes, crashes between commit and effects, request counts) is not repeated here, except
//! the one redelivery that goes through the deployed step function.
//!
//! # The bootstraps
//!
//! A host `cargo` build is an x86_64 Linux executable, which ministack runs as `bootstrap`
//! (no cargo-lambda or zig). `CARGO_BIN_EXE_statecraft-step` is this package's; the api one is
//! looked up next to it, where `cargo test --workspace` (and `make test-ministack`) build it
//! because `functions/api` has an integration test of its own (cargo builds a package's
//! binaries only for its own integration tests). Run the tier with `make test-ministack`
//! (`cargo test -p statecraft-api-fn -p statecraft-step`), so both bootstraps are fresh; with
//! `-p statecraft-step` alone the api bootstrap may be missing (the tests then say so) or
//! stale. `STATECRAFT_BOOTSTRAP_DIR=target/release` runs release builds instead.
//!
//! Without Python/venv/pip the tests skip loudly; with `STATECRAFT_E2E_REQUIRED=1` they fail.

mod fixture;

use aws_sdk_lambda::primitives::Blob;
use fixture::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A test's [`Client`], or an early return (the test passes after the loud notice) when the
/// deployment cannot run here.
macro_rules! deployment_or_skip {
    () => {
        match deployment() {
            Some(d) => Client::new(d),
            None => return,
        }
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lambda_task_retried_then_caught() {
    let c = deployment_or_skip!();
    let worker = c.worker();
    // Flaky fails twice (its attempt is the state's retry count) and succeeds on the third
    // attempt; Boom always fails and is caught; Double runs on what Flaky returned.
    let def = json!({"StartAt": "Flaky", "States": {
        "Flaky": {"Type": "Task", "Resource": worker,
                  "Parameters": {"fail_until": 2, "attempt.$": "$$.State.RetryCount"},
                  "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1}],
                  "ResultPath": "$.flaky", "Next": "Boom"},
        "Boom": {"Type": "Task", "Resource": worker, "Parameters": {"fail": "CustomError"},
                 "Catch": [{"ErrorEquals": ["CustomError"], "ResultPath": "$.error", "Next": "Double"}],
                 "Next": "Double"},
        "Double": {"Type": "Task", "Resource": worker, "Parameters": {"double.$": "$.flaky.attempt"},
                   "End": true}}});
    let sm = c.create_machine(&unique("retry"), &def).await;
    let arn = c.start(&sm, &json!({})).await;
    let done = c.finished(&arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(output(&done), json!({"value": 4}));
    let events = c.history(&arn).await;
    check_ids(&events);
    let failed: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "LambdaFunctionFailed")
        .map(|e| e["lambdaFunctionFailedEventDetails"]["error"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(failed, ["Flaky", "Flaky", "CustomError"]);
    let c = counts(&events);
    assert_eq!(c["LambdaFunctionScheduled"], 5, "{c:?}");
    assert_eq!(c["LambdaFunctionSucceeded"], 2, "{c:?}");
    assert_eq!(c["TaskStateEntered"], 3, "{c:?}");
    let t = types(&events);
    assert_eq!(t.first().map(String::as_str), Some("ExecutionStarted"));
    assert_eq!(t.last().map(String::as_str), Some("ExecutionSucceeded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_longer_than_the_maximum_delay_chains_sqs_delays() {
    let c = deployment_or_skip!();
    // The stack's MaxDelaySeconds is 2: the 5 s Wait is three delayed step messages (2 + 2 + 1).
    let def = json!({"StartAt": "Long", "States": {
        "Long": {"Type": "Wait", "Seconds": 5, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": "waited", "End": true}}});
    let sm = c.create_machine(&unique("wait"), &def).await;
    let t0 = Instant::now();
    let arn = c.start(&sm, &json!({})).await;
    let done = c.finished(&arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert!(t0.elapsed() >= Duration::from_secs(5), "the wait took {:?}", t0.elapsed());
    assert_eq!(output(&done), json!("waited"));
    let events = c.history(&arn).await;
    check_ids(&events);
    let at = |t: &str| events.iter().find(|e| e["type"] == t).and_then(|e| e["timestamp"].as_f64()).unwrap();
    let waited = at("WaitStateExited") - at("WaitStateEntered");
    assert!(waited >= 4.99, "the Wait state lasted {waited} s in its history");
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_of_a_lambda_and_a_wait() {
    let c = deployment_or_skip!();
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": c.worker(),
                                          "Parameters": {"double": 2}, "End": true}}},
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "Q"},
                                    "Q": {"Type": "Pass", "Result": "p", "End": true}}}]}}});
    let sm = c.create_machine(&unique("parallel"), &def).await;
    let arn = c.start(&sm, &json!({})).await;
    let done = c.finished(&arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(output(&done), json!([{"value": 4}, "p"]));
    let events = c.history(&arn).await;
    check_ids(&events);
    let c = counts(&events);
    assert_eq!(
        c,
        BTreeMap::from(
            [
                ("ExecutionStarted", 1),
                ("ParallelStateEntered", 1),
                ("ParallelStateStarted", 1),
                ("TaskStateEntered", 1),
                ("LambdaFunctionScheduled", 1),
                ("LambdaFunctionStarted", 1),
                ("LambdaFunctionSucceeded", 1),
                ("TaskStateExited", 1),
                ("WaitStateEntered", 1),
                ("WaitStateExited", 1),
                ("PassStateEntered", 1),
                ("PassStateExited", 1),
                ("ParallelStateExited", 1),
                ("ExecutionSucceeded", 1),
            ]
            .map(|(k, v)| (k.to_string(), v))
        )
    );
}

/// Items of the Map test (`STATECRAFT_MAP_ITEMS`, default below).
fn map_items() -> u32 {
    std::env::var("STATECRAFT_MAP_ITEMS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_map() {
    let c = deployment_or_skip!();
    let n = map_items();
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"i.$": "$"}, "End": true}}}}}});
    let sm = c.create_machine(&unique("map"), &def).await;
    let items: Vec<u32> = (0..n).collect();
    let t0 = Instant::now();
    let arn = c.start(&sm, &json!({ "items": items })).await;
    let done = c.finished(&arn, Duration::from_secs(60 + u64::from(n) / 4)).await;
    let took = t0.elapsed();
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let expected: Vec<Value> = (0..n).map(|i| json!({"i": i})).collect();
    assert_eq!(output(&done), Value::Array(expected));
    let events = c.history(&arn).await;
    check_ids(&events);
    let counts = counts(&events);
    assert_eq!(counts["MapIterationStarted"], n as usize);
    assert_eq!(counts["MapIterationSucceeded"], n as usize);
    assert_eq!(counts["MapStateStarted"], 1);
    assert_eq!(counts["MapStateSucceeded"], 1);
    note(&format!("ministack: Map over {n} items (Pass) took {took:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_pushed_through_sns_to_sqs_answered_with_send_task_success() {
    let c = deployment_or_skip!();
    // The stack's Activities parameter routes this ARN to an SNS topic with a queue subscribed.
    let created = c.ok("CreateActivity", json!({"name": "review"})).await;
    let activity = created["activityArn"].as_str().expect("arn").to_string();
    assert_eq!(activity, c.d.deployed["activity_arn"].as_str().unwrap());
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": activity,
                                                      "TimeoutSeconds": 120, "End": true}}});
    let sm = c.create_machine(&unique("activity"), &def).await;
    let arn = c.start(&sm, &json!({"doc": 7})).await;
    // The worker: GetActivityTask (the api function reads the queue), then SendTaskSuccess.
    let (token, input) = eventually("an activity task", LIMIT, || async {
        let v = c.ok("GetActivityTask", json!({"activityArn": activity, "workerName": "w1"})).await;
        v["taskToken"].as_str().map(|t| (t.to_string(), v["input"].as_str().unwrap_or_default().to_string()))
    })
    .await;
    assert_eq!(serde_json::from_str::<Value>(&input).unwrap(), json!({"doc": 7}));
    c.ok("SendTaskSuccess", json!({"taskToken": token, "output": "{\"reviewed\":true}"})).await;
    let done = c.finished(&arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(output(&done), json!({"reviewed": true}));
    let events = c.history(&arn).await;
    check_ids(&events);
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(events[3]["activityStartedEventDetails"]["workerName"], "w1");
    // The token is single use.
    let (status, again) = c.call("SendTaskSuccess", json!({"taskToken": token, "output": "{}"})).await;
    assert_eq!(status, 400, "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_driven_start_delivered_twice_starts_once() {
    let c = deployment_or_skip!();
    // The stack's StartSources maps the start queue to this machine's ARN.
    let machine = c.d.deployed["started_machine"].as_str().expect("machine").to_string();
    let name = machine.rsplit(':').next().unwrap().to_string();
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    assert_eq!(c.create_machine(&name, &def).await, machine);
    let queue = c.d.deployed["start_queue_url"].as_str().expect("queue").to_string();
    let body = "{\"order\": 12}";
    let sent = c.sqs().send_message().queue_url(&queue).message_body(body).send().await.expect("SendMessage");
    let id = sent.message_id.expect("message id");
    // The event source mapping delivers it to the step function, which starts an execution
    // named after the message id.
    let execution = eventually("the execution the message started", LIMIT, || async {
        let list = c.ok("ListExecutions", json!({"stateMachineArn": machine})).await;
        list["executions"].as_array().and_then(|e| e.first()).map(|e| e["executionArn"].clone())
    })
    .await;
    // SQS delivers at least once: the same message again (same id, second receive), as the
    // mapping would after a lost delete, invoking the deployed step function directly.
    let redelivery = json!({"Records": [{
        "messageId": id, "receiptHandle": "redelivered", "body": body,
        "attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "0", "SenderId": "000000000000",
                       "ApproximateFirstReceiveTimestamp": "0"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": format!("arn:aws:sqs:{REGION}:000000000000:{}", queue.rsplit('/').next().unwrap()),
        "awsRegion": REGION}]});
    let resp = c
        .lambda()
        .invoke()
        .function_name(c.output("StepFunctionName"))
        .payload(Blob::new(redelivery.to_string()))
        .send()
        .await
        .expect("Invoke");
    assert_eq!(resp.function_error, None);
    let answer: Value = serde_json::from_slice(resp.payload.expect("payload").as_ref()).expect("JSON");
    assert_eq!(answer, json!({"batchItemFailures": []}));
    let list = c.ok("ListExecutions", json!({"stateMachineArn": machine})).await;
    let executions = list["executions"].as_array().expect("executions");
    assert_eq!(executions.len(), 1, "{list}");
    assert_eq!(executions[0]["name"], id);
    assert_eq!(executions[0]["executionArn"], execution);
    let done = c.finished(execution.as_str().unwrap(), LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(output(&done), json!({"order": 12}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_approval_through_the_public_callback_url() {
    let c = deployment_or_skip!();
    let def = json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": c.worker(), "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 300, "End": true}}});
    let sm = c.create_machine(&unique("approval"), &def).await;
    let arn = c.start(&sm, &json!({})).await;
    // The function got the token (it echoes its input): the approver's link carries it.
    let token = eventually("the token in TaskSubmitted", LIMIT, || async {
        c.history(&arn).await.iter().find(|e| e["type"] == "TaskSubmitted").and_then(|e| {
            let out: Value = serde_json::from_str(e["taskSubmittedEventDetails"]["output"].as_str()?).ok()?;
            out["Payload"]["token"].as_str().map(str::to_string)
        })
    })
    .await;
    // The public routes: the page (GET changes nothing), then the Approve button's post.
    let page = c.http.get(format!("{}/callback/{token}", c.base)).send().await.expect("GET page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("page");
    assert!(html.contains("approve"), "{html}");
    assert_eq!(c.ok("DescribeExecution", json!({"executionArn": arn})).await["status"], "RUNNING");
    let approve = c
        .http
        .post(format!("{}/callback/{token}/approve", c.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("comment=ship+it")
        .send()
        .await
        .expect("POST approve");
    assert_eq!(approve.status().as_u16(), 200, "{:?}", approve.text().await);
    let done = c.finished(&arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(output(&done)["approved"], true, "{done}");
    let events = c.history(&arn).await;
    check_ids(&events);
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    // Single use: the link is dead now.
    let again = c
        .http
        .post(format!("{}/callback/{token}/approve", c.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("POST again");
    assert_ne!(again.status().as_u16(), 200);
}

/// The step bootstrap's cold start under ministack (a local measurement, not AWS's): a fresh
/// function from the same zip (already unpacked) and environment, invoked with an empty SQS
/// batch, once cold and five times warm; init ≈ cold − the fastest warm invoke.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_step_function_cold_start() {
    let c = deployment_or_skip!();
    let lambda = c.lambda();
    let step = lambda
        .get_function_configuration()
        .function_name(c.output("StepFunctionName"))
        .send()
        .await
        .expect("GetFunctionConfiguration");
    let name = unique("statecraft-step-cold");
    let stack = c.d.deployed["code_bucket"].as_str().expect("code bucket").to_string();
    lambda
        .create_function()
        .function_name(&name)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(step.role.clone().unwrap_or_default())
        .architectures(aws_sdk_lambda::types::Architecture::X8664)
        .code(aws_sdk_lambda::types::FunctionCode::builder().s3_bucket(stack).s3_key("step.zip").build())
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .set_variables(step.environment.and_then(|e| e.variables))
                .build(),
        )
        .timeout(30)
        .send()
        .await
        .expect("CreateFunction");
    let empty = Blob::new(json!({"Records": []}).to_string());
    // ministack unpacks a zip once per content: an invoke of the stack's step function (same
    // zip) first, so the cold invoke below measures the process's start, not the unpacking.
    let warmup = lambda
        .invoke()
        .function_name(c.output("StepFunctionName"))
        .payload(empty.clone())
        .send()
        .await
        .expect("Invoke");
    assert_eq!(warmup.function_error, None);
    let mut times = Vec::new();
    for _ in 0..6 {
        let t0 = Instant::now();
        let resp = lambda.invoke().function_name(&name).payload(empty.clone()).send().await.expect("Invoke");
        times.push(t0.elapsed());
        assert_eq!(resp.function_error, None);
        let answer: Value = serde_json::from_slice(resp.payload.expect("payload").as_ref()).expect("JSON");
        assert_eq!(answer, json!({"batchItemFailures": []}));
    }
    let warm = times[1..].iter().copied().min().expect("warm invokes");
    note(&format!(
        "ministack (local measurement): step bootstrap ({}) cold invoke {:?}, warm {:?}, init ≈ {:?}",
        bootstraps().0.display(),
        times[0],
        warm,
        times[0].saturating_sub(warm)
    ));
    // No assertion on the times: beside the other tests on two cores they are too noisy to
    // compare without flakiness; the line above is the measurement.
}
