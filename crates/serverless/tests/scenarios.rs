//! The serverless driver end to end, against real services on loopback: DynamoDB, SQS and SNS
//! from moto, the target Lambda function behind a local server speaking the Lambda Invoke API, the step handler driven by a player
//! of the SQS event source mapping, and every call through the API router in process.
//!
//! Run them with `make test-serverless` (`infra/moto/start.sh` installs moto into a cached venv on first use).

mod common;

use common::*;
use serde_json::{json, Value};
use statecraft_serverless::Op;
use statecraft_tests::eventually;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(120);

fn lambda(params: Value, next: Option<&str>) -> Value {
    let mut s = json!({"Type": "Task", "Resource": WORKER, "Parameters": params});
    match next {
        Some(n) => s["Next"] = json!(n),
        None => s["End"] = json!(true),
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lambda_task_with_retry_and_catch() {
    let env = env_or_skip!("retry", Opts::default());
    let mut fail = lambda(json!({"fail": "CustomError", "message": "nope"}), Some("Double"));
    fail["Retry"] =
        json!([{"ErrorEquals": ["CustomError"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}]);
    fail["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Double"}]);
    let def =
        json!({"StartAt": "Fail", "States": {"Fail": fail, "Double": lambda(json!({"double": 21}), None)}});
    let sm = create_machine(&env, &env.name, &def).await;
    let arn = start(&env, &sm, &json!({})).await;
    let done = finished(&env, &arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(
        serde_json::from_str::<Value>(done["output"].as_str().unwrap()).unwrap(),
        json!({"value": 42})
    );
    let events = history(&env, &arn).await;
    check_ids(&events);
    let counts = type_counts(&events);
    assert_eq!(counts["LambdaFunctionFailed"], 3, "{counts:?}");
    assert_eq!(counts["LambdaFunctionSucceeded"], 1);
    let failed = events.iter().find(|e| e["type"] == "LambdaFunctionFailed").unwrap();
    assert_eq!(failed["lambdaFunctionFailedEventDetails"]["error"], "CustomError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waits_through_sqs_delays_and_chained_delays() {
    let env = env_or_skip!("wait", Opts { max_delay_seconds: Some(1), ..Opts::default() });
    let def = json!({"StartAt": "Short", "States": {
        "Short": {"Type": "Wait", "Seconds": 1, "Next": "Long"},
        "Long": {"Type": "Wait", "Seconds": 3, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": "waited", "End": true}}});
    let sm = create_machine(&env, &env.name, &def).await;
    let t0 = Instant::now();
    let arn = start(&env, &sm, &json!({})).await;
    let done = finished(&env, &arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert!(t0.elapsed() >= Duration::from_secs(4), "the waits took {:?}", t0.elapsed());
    // The 3 s wait under a 1 s maximum delay was sent on twice.
    assert!(env.driver.metrics().get(Op::SqsSend) >= 4, "{:?}", env.driver.metrics().snapshot());
    let counts = type_counts(&history(&env, &arn).await);
    assert_eq!(counts["WaitStateExited"], 2);
}

/// Items in the big-Map test: 1,000 (about two minutes on moto, which serves one request at a
/// time); `STATECRAFT_MAP_ITEMS` sets another size.
fn map_items() -> u32 {
    std::env::var("STATECRAFT_MAP_ITEMS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_map() {
    let env = env_or_skip!("map", Opts::default());
    let n = map_items();
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"i.$": "$"}, "End": true}}}}}});
    let sm = create_machine(&env, &env.name, &def).await;
    let items: Vec<u32> = (0..n).collect();
    let before = env.driver.metrics().snapshot();
    let t0 = Instant::now();
    let arn = start(&env, &sm, &json!({ "items": items })).await;
    let done = finished(&env, &arn, Duration::from_secs(30 + 3 * u64::from(n))).await;
    let took = t0.elapsed();
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let output: Vec<Value> = serde_json::from_str(done["output"].as_str().unwrap()).unwrap();
    let expected: Vec<Value> = (0..n).map(|i| json!({"i": i})).collect();
    assert_eq!(output, expected);
    let events = history(&env, &arn).await;
    check_ids(&events);
    let counts = type_counts(&events);
    assert_eq!(counts["MapIterationStarted"], n as usize);
    assert_eq!(counts["MapIterationSucceeded"], n as usize);
    let used = env.driver.metrics().since(&before);
    eprintln!("map of {n}: {took:?}, {used:?}");
    record_measurement(&format!("Map over {n} items (Pass)"), &used, &counts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel() {
    let env = env_or_skip!("parallel", Opts::default());
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "L", "States": {"L": lambda(json!({"double": 2}), None)}},
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "Q"},
                                    "Q": {"Type": "Pass", "Result": "p", "End": true}}}]}}});
    let sm = create_machine(&env, &env.name, &def).await;
    let arn = start(&env, &sm, &json!({})).await;
    let done = finished(&env, &arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(
        serde_json::from_str::<Value>(done["output"].as_str().unwrap()).unwrap(),
        json!([{"value": 4}, "p"])
    );
    let events = history(&env, &arn).await;
    check_ids(&events);
    let counts = type_counts(&events);
    // Recorded AWS histories have no ParallelStateSucceeded: Started, then Exited.
    assert_eq!(
        (counts.get("ParallelStateStarted"), counts.get("ParallelStateExited")),
        (Some(&1), Some(&1)),
        "{counts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activity_through_sns_to_an_sqs_worker() {
    let env = env_or_skip!("activity", Opts { activities: vec!["review".into()], ..Opts::default() });
    let created = ok(&env.router, "CreateActivity", json!({"name": "review"})).await;
    let activity = created["activityArn"].as_str().unwrap().to_string();
    assert_eq!(activity, activity_arn("review"));
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": activity, "TimeoutSeconds": 60, "End": true}}});
    let sm = create_machine(&env, &env.name, &def).await;
    let arn = start(&env, &sm, &json!({"doc": 7})).await;
    // The worker: GetActivityTask (reads the queue subscribed to the topic), SendTaskSuccess.
    let task = eventually("an activity task", LIMIT, || async {
        let v =
            ok(&env.router, "GetActivityTask", json!({"activityArn": activity, "workerName": "w1"})).await;
        v["taskToken"].as_str().map(|t| (t.to_string(), v["input"].as_str().unwrap_or_default().to_string()))
    })
    .await;
    assert_eq!(serde_json::from_str::<Value>(&task.1).unwrap(), json!({"doc": 7}));
    ok(&env.router, "SendTaskSuccess", json!({"taskToken": task.0, "output": "{\"reviewed\":true}"})).await;
    let done = finished(&env, &arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(done["output"], "{\"reviewed\":true}");
    let counts = type_counts(&history(&env, &arn).await);
    assert_eq!(counts["ActivityStarted"], 1, "{counts:?}");
    // The token is single use.
    let (status, again) =
        call(&env.router, "SendTaskSuccess", json!({"taskToken": task.0, "output": "{}"})).await;
    assert_eq!(status, 400, "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_approval_through_its_callback_url() {
    let env = env_or_skip!("approval", Opts::default());
    let def = json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": WORKER, "Payload": {"token.$": "$$.Task.Token"}},
        "TimeoutSeconds": 300, "End": true}}});
    let sm = create_machine(&env, &env.name, &def).await;
    let arn = start(&env, &sm, &json!({})).await;
    // The function got the token (it echoes it): here it is, as the approver's link would carry it.
    let token = eventually("the token in TaskSubmitted", LIMIT, || async {
        history(&env, &arn).await.iter().find(|e| e["type"] == "TaskSubmitted").and_then(|e| {
            let out: Value = serde_json::from_str(e["taskSubmittedEventDetails"]["output"].as_str()?).ok()?;
            out["Payload"]["token"].as_str().map(str::to_string)
        })
    })
    .await;
    use tower::ServiceExt;
    let page =
        axum::http::Request::get(format!("/callback/{token}")).body(axum::body::Body::empty()).unwrap();
    assert_eq!(env.router.clone().oneshot(page).await.unwrap().status(), 200);
    let approve = axum::http::Request::post(format!("/callback/{token}/approve"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("comment=ship+it"))
        .unwrap();
    assert_eq!(env.router.clone().oneshot(approve).await.unwrap().status(), 200);
    let done = finished(&env, &arn, LIMIT).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let out: Value = serde_json::from_str(done["output"].as_str().unwrap()).unwrap();
    assert_eq!(out["approved"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_driven_start_delivered_twice_starts_once() {
    let sm_name = format!("starts-{}", std::process::id());
    let env = env_or_skip!(
        "starts",
        Opts { start_queue_for: Some(sm_name.clone()), lose_first_delete: true, ..Opts::default() }
    );
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let sm = create_machine(&env, &sm_name, &def).await;
    let sent = env
        .sqs
        .send_message()
        .queue_url(env.start_queue.as_ref().unwrap())
        .message_body("{\"order\": 12}")
        .send()
        .await
        .unwrap();
    let id = sent.message_id.unwrap();
    // The first delete is lost: the message comes back (same id) and is handled again.
    eventually("the second delivery", LIMIT, || async {
        (env.mapping.delivered.load(std::sync::atomic::Ordering::Relaxed) >= 2
            && env.mapping.deletes.load(std::sync::atomic::Ordering::Relaxed) >= 1)
            .then_some(())
    })
    .await;
    let list = ok(&env.router, "ListExecutions", json!({"stateMachineArn": sm})).await;
    let executions = list["executions"].as_array().unwrap();
    assert_eq!(executions.len(), 1, "{list}");
    assert_eq!(executions[0]["name"], id);
    let done = finished(&env, executions[0]["executionArn"].as_str().unwrap(), LIMIT).await;
    assert_eq!(
        serde_json::from_str::<Value>(done["output"].as_str().unwrap()).unwrap(),
        json!({"order": 12})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_while_executions_run_keeps_their_version() {
    let env = env_or_skip!("update", Opts::default());
    let v1 = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "Next": "R"},
                                               "R": {"Type": "Pass", "Result": "v1", "End": true}}});
    let sm = create_machine(&env, &env.name, &v1).await;
    let first = start(&env, &sm, &json!({})).await;
    let v2 = json!({"StartAt": "R", "States": {"R": {"Type": "Pass", "Result": "v2", "End": true}}});
    ok(&env.router, "UpdateStateMachine", json!({"stateMachineArn": sm, "definition": v2.to_string()})).await;
    let second = start(&env, &sm, &json!({})).await;
    let a = finished(&env, &first, LIMIT).await;
    let b = finished(&env, &second, LIMIT).await;
    assert_eq!(a["output"], "\"v1\"", "{a}");
    assert_eq!(b["output"], "\"v2\"", "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_over_256_kib_fails_with_data_limit_exceeded() {
    let env = env_or_skip!("big", Opts::default());
    let def = json!({"StartAt": "Big", "States": {"Big": lambda(json!({"big": 300_000}), None)}});
    let sm = create_machine(&env, &env.name, &def).await;
    let arn = start(&env, &sm, &json!({})).await;
    let done = finished(&env, &arn, LIMIT).await;
    assert_eq!(done["status"], "FAILED", "{done}");
    assert_eq!(done["error"], "States.DataLimitExceeded");
    // A result under the payload limit but too large for an SQS message is applied by the task
    // runner itself.
    let ok_def = json!({"StartAt": "Mid", "States": {"Mid": lambda(json!({"big": 220_000}), None)}});
    let sm2 = create_machine(&env, &format!("{}-mid", env.name), &ok_def).await;
    let arn2 = start(&env, &sm2, &json!({})).await;
    let done2 = finished(&env, &arn2, LIMIT).await;
    assert_eq!(done2["status"], "SUCCEEDED", "{}", done2["error"]);
    // An input over the limit is refused by StartExecution, as AWS refuses a request member
    // over its length constraint.
    let big = "x".repeat(300_000);
    let (status, err) =
        call(&env.router, "StartExecution", json!({"stateMachineArn": sm, "input": format!("\"{big}\"")}))
            .await;
    assert_eq!(status, 400);
    assert_eq!(err["__type"], "ValidationException", "{err}");
}

/// A definition with a bit of everything: a task, a wait, a Parallel with a Map inside.
fn mixed() -> Value {
    let mut t = lambda(json!({"double": 1}), Some("W"));
    t["ResultPath"] = json!("$.t");
    json!({"StartAt": "T", "States": {
        "T": t,
        "W": {"Type": "Wait", "Seconds": 1, "Next": "P"},
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                "ItemProcessor": {"StartAt": "D", "States": {"D": {"Type": "Task", "Resource": WORKER,
                    "Parameters": {"double.$": "$"}, "End": true}}}}}},
            {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "Result": "q", "End": true}}}]}}})
}

fn mixed_input() -> Value {
    json!({"items": [1, 2, 3]})
}

fn mixed_output() -> Value {
    json!([[{"value": 2}, {"value": 4}, {"value": 6}], "q"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_delivery_of_every_message_changes_nothing() {
    let plain = env_or_skip!("plain", Opts::default());
    let dup = env_or_skip!("dup", Opts { duplicates: true, ..Opts::default() });
    let mut counts = Vec::new();
    for e in [&plain, &dup] {
        let sm = create_machine(e, &e.name, &mixed()).await;
        let arn = start(e, &sm, &mixed_input()).await;
        let done = finished(e, &arn, LIMIT).await;
        assert_eq!(done["status"], "SUCCEEDED", "{done}");
        assert_eq!(serde_json::from_str::<Value>(done["output"].as_str().unwrap()).unwrap(), mixed_output());
        let events = history(e, &arn).await;
        check_ids(&events);
        counts.push(type_counts(&events));
    }
    assert!(dup.mapping.duplicated.load(std::sync::atomic::Ordering::Relaxed) > 5);
    assert_eq!(counts[0], counts[1], "the duplicated run's history differs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_commit_and_effect_still_completes_once() {
    let plain = env_or_skip!("nocrash", Opts::default());
    let crashy = env_or_skip!("crash", Opts { step_visibility: Some(2), ..Opts::default() });
    let mut counts = Vec::new();
    for (i, e) in [&plain, &crashy].into_iter().enumerate() {
        let sm = create_machine(e, &e.name, &mixed()).await;
        if i == 1 {
            // The next three commits of the step function die before their effects.
            e.driver.faults().arm_crash_after_commit(3);
        }
        let arn = start(e, &sm, &mixed_input()).await;
        let done = finished(e, &arn, LIMIT).await;
        assert_eq!(done["status"], "SUCCEEDED", "{done}");
        assert_eq!(serde_json::from_str::<Value>(done["output"].as_str().unwrap()).unwrap(), mixed_output());
        let events = history(e, &arn).await;
        check_ids(&events);
        counts.push(type_counts(&events));
    }
    assert_eq!(crashy.driver.faults().armed(), 0, "the crashes happened");
    assert!(crashy.driver.metrics().get(Op::Redo) >= 1, "{:?}", crashy.driver.metrics().snapshot());
    assert_eq!(counts[0], counts[1], "the crashed run's history differs");
    assert_eq!(counts[1]["ExecutionSucceeded"], 1);
}

/// Requests per transition for three workloads (written to target/serverless-measurements.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_per_transition() {
    let env = env_or_skip!("measure", Opts::default());
    let mut chain = serde_json::Map::new();
    for i in 0..10 {
        let next = format!("S{}", i + 1);
        let s = match i {
            9 => json!({"Type": "Pass", "End": true}),
            _ if i % 2 == 0 => json!({"Type": "Pass", "Parameters": {"i": i}, "Next": next}),
            _ => json!({"Type": "Choice", "Default": next,
                        "Choices": [{"Variable": "$.i", "NumericGreaterThanEquals": 0, "Next": next}]}),
        };
        chain.insert(format!("S{i}"), s);
    }
    let pure = json!({"StartAt": "S0", "States": chain});
    let mut tasks = serde_json::Map::new();
    for i in 0..5 {
        tasks.insert(
            format!("T{i}"),
            lambda(json!({"double": i}), (i < 4).then(|| format!("T{}", i + 1)).as_deref()),
        );
    }
    let tasky = json!({"StartAt": "T0", "States": tasks});
    let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "End": true,
        "ItemProcessor": {"StartAt": "D", "States": {"D": {"Type": "Task", "Resource": WORKER,
            "Parameters": {"double.$": "$"}, "End": true}}}}}});
    let items: Vec<u32> = (0..20).collect();
    for (label, def, input) in [
        ("Pure-state chain (10 Pass/Choice states)", pure, json!({})),
        ("Task-heavy chain (5 Lambda tasks)", tasky, json!({})),
        ("Map of 20 Lambda tasks", map, json!({ "items": items })),
    ] {
        let sm = create_machine(&env, &format!("{}-{}", env.name, label.len()), &def).await;
        let before = env.driver.metrics().snapshot();
        let arn = start(&env, &sm, &input).await;
        let done = finished(&env, &arn, LIMIT).await;
        assert_eq!(done["status"], "SUCCEEDED", "{label}: {done}");
        let used = env.driver.metrics().since(&before);
        let counts = type_counts(&history(&env, &arn).await);
        record_measurement(label, &used, &counts);
    }
    record_item_sizes(&env.name).await;
}

/// DynamoDB's size of an attribute value (names count where they appear).
fn value_size(v: &aws_sdk_dynamodb::types::AttributeValue) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match v {
        A::S(s) | A::N(s) => s.len(),
        A::B(b) => b.as_ref().len(),
        A::Bool(_) | A::Null(_) => 1,
        A::M(m) => 3 + m.iter().map(|(k, v)| k.len() + value_size(v) + 1).sum::<usize>(),
        A::L(l) => 3 + l.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        A::Ss(x) | A::Ns(x) => x.iter().map(String::len).sum(),
        _ => 0,
    }
}

/// The sizes of the items the three workloads left (what each write is billed on: 1 WRU per
/// KB, twice in a transaction), appended to target/serverless-measurements.md.
async fn record_item_sizes(prefix: &str) {
    let client = dynamodb_client(&services().expect("services").moto);
    let table = statecraft_aws::Tables::with_prefix(prefix).executions;
    let mut kinds: std::collections::BTreeMap<&str, (usize, usize, usize)> = Default::default();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(&table)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("Scan");
        for item in page.items.unwrap_or_default() {
            let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            let (pk, sk) = (text("pk"), text("sk"));
            let kind = match (pk.split('#').next().unwrap_or(""), sk.split('#').next().unwrap_or("")) {
                ("E", "E") => "execution head",
                ("E", "H") => "history event",
                ("E", "O") => "outbox entry",
                ("T", _) => "task token",
                ("F", "H") => "history event (child)",
                ("F", _) => "fan-out record/child",
                ("E", _) => "execution other",
                _ => "other",
            };
            let size: usize = item.iter().map(|(k, v)| k.len() + value_size(v)).sum();
            let e = kinds.entry(kind).or_insert((0, 0, 0));
            e.0 += 1;
            e.1 += size;
            e.2 = e.2.max(size);
        }
        match page.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => break,
        }
    }
    let mut text = String::from("\n| item kind | items | mean bytes | max bytes |\n|---|---|---|---|\n");
    for (kind, (count, total, max)) in &kinds {
        text.push_str(&format!("| {kind} | {count} | {} | {max} |\n", total / count.max(&1)));
    }
    eprint!("{text}");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/serverless-measurements.md");
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = f.write_all(text.as_bytes());
    }
}

/// Appends one workload's counts to target/serverless-measurements.md (and prints them).
fn record_measurement(
    label: &str,
    used: &std::collections::BTreeMap<&'static str, u64>,
    counts: &std::collections::BTreeMap<String, usize>,
) {
    let transitions = used["transition"].max(1) as f64;
    let states: usize = counts.iter().filter(|(k, _)| k.ends_with("StateEntered")).map(|(_, v)| *v).sum();
    let per = |k: &str| used[k] as f64 / transitions;
    let line = format!(
        "| {label} | {} | {states} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} |\n",
        used["transition"],
        per("store_read"),
        per("store_write"),
        per("sqs_send"),
        per("lambda_invoke"),
        used["sns_publish"],
        used["message"],
    );
    eprint!("{line}");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/serverless-measurements.md");
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
        let _ = f.write_all(line.as_bytes());
    }
}

/// One realistic execution through every piece at once, on DynamoDB, SQS and SNS (moto), with
/// every step message delivered twice: a Pass chain, a Lambda task that fails and is caught, a
/// short Wait, a Parallel whose first branch is a Map over three items (children joined by the
/// fan-out counters) calling the Lambda function, and the API's StartExecution,
/// DescribeExecution, GetExecutionHistory and ListExecutions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_realistic_execution_end_to_end_with_duplicates() {
    let env = env_or_skip!("e2e", Opts { duplicates: true, ..Opts::default() });
    let mut risky = lambda(json!({"fail": "Boom", "message": "kaput"}), Some("Wait"));
    risky["Catch"] = json!([{"ErrorEquals": ["Boom"], "ResultPath": "$.caught", "Next": "Recover"}]);
    let def = json!({"StartAt": "Name", "States": {
        "Name": {"Type": "Pass", "Parameters": {"items.$": "$.items", "who": "statecraft"}, "Next": "Tag"},
        "Tag": {"Type": "Pass", "Result": 1, "ResultPath": "$.tag", "Next": "Risky"},
        "Risky": risky,
        "Recover": {"Type": "Pass", "Parameters": {"items.$": "$.items", "error.$": "$.caught.Error"}, "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Both"},
        "Both": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                "ItemProcessor": {"StartAt": "Double", "States": {"Double": {"Type": "Task", "Resource": WORKER,
                    "Parameters": {"double.$": "$"}, "ResultSelector": {"v.$": "$.value"}, "End": true}}}}}},
            {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "InputPath": "$.error", "End": true}}}]}}});
    let sm = create_machine(&env, &env.name, &def).await;
    let t0 = Instant::now();
    let arn = start(&env, &sm, &json!({"items": [5, 6, 7]})).await;
    let done = finished(&env, &arn, LIMIT).await;
    let took = t0.elapsed();
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let output: Value = serde_json::from_str(done["output"].as_str().expect("output")).expect("JSON output");
    assert_eq!(output, json!([[{"v": 10}, {"v": 12}, {"v": 14}], "Boom"]));
    assert!(took >= Duration::from_secs(1), "the Wait was not honoured: {took:?}");

    let events = history(&env, &arn).await;
    check_ids(&events);
    let counts = type_counts(&events);
    for (kind, n) in [
        ("ExecutionStarted", 1),
        ("ExecutionSucceeded", 1),
        ("LambdaFunctionFailed", 1),
        ("LambdaFunctionSucceeded", 3),
        ("WaitStateExited", 1),
        ("ParallelStateExited", 1),
        ("MapIterationSucceeded", 3),
        ("MapStateSucceeded", 1),
    ] {
        assert_eq!(counts.get(kind).copied(), Some(n), "{kind} in {counts:?}");
    }
    assert_eq!(counts.get("PassStateExited").copied(), Some(4), "{counts:?}");
    assert!(
        env.mapping.duplicated.load(std::sync::atomic::Ordering::Relaxed) >= 8,
        "every message was copied"
    );

    let listed = ok(&env.router, "ListExecutions", json!({"stateMachineArn": sm})).await;
    let listed = listed["executions"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["status"], "SUCCEEDED");
    let metrics = env.driver.metrics().snapshot();
    eprintln!("e2e on moto with duplicates: {took:?}, {} history events, {metrics:?}", events.len());
}
