//! The serverless driver over in-memory queues, stores and tasks: the same handler and API
//! router as the integration tests, without any service, so the message protocol's logic
//! (grouping, fan-out joins, history numbering, redo after a crash, duplicates) is checked in
//! milliseconds. The pump plays the event source mapping: a failed message is made visible
//! again at once (as its visibility timeout would, later).

use async_trait::async_trait;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use statecraft_core::TaskRequest;
use statecraft_runtime::invoke::{Invocation, TaskInvoker};
use statecraft_runtime::runner::Resolution;
use statecraft_serverless::bus::{Bus, MemoryBus};
use statecraft_serverless::{Config, Metrics, Op, ServerlessDriver};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// `{"double": n}` → `{"value": 2n}`, `{"fail": T}` → fails with `T`; else echoes.
struct Tasks;

#[async_trait]
impl TaskInvoker for Tasks {
    async fn invoke(&self, r: &TaskRequest) -> Invocation {
        if let Some(n) = r.input.get("double").and_then(Value::as_i64) {
            return Invocation::Done(Resolution::Succeeded(json!({"value": n * 2})));
        }
        if let Some(t) = r.input.get("fail").and_then(Value::as_str) {
            return Invocation::Done(Resolution::Failed {
                error: Some(t.into()),
                cause: Some("failed".into()),
            });
        }
        Invocation::Done(Resolution::Succeeded(r.input.clone()))
    }
}

struct Env {
    driver: ServerlessDriver,
    bus: Arc<MemoryBus>,
    router: axum::Router,
}

const STEP: &str = "memory://step";
const TASK: &str = "memory://task";

fn env() -> Env {
    let bus = Arc::new(MemoryBus::new());
    let config = Config { step_queue_url: STEP.into(), task_queue_url: TASK.into(), ..Config::default() };
    let driver = ServerlessDriver::in_memory(bus.clone(), Arc::new(Tasks), config, Arc::new(Metrics::new()));
    let router = statecraft_serverless::api::router(driver.clone(), None);
    Env { driver, bus, router }
}

async fn call(env: &Env, action: &str, body: Value) -> Value {
    let req = Request::post("/")
        .header("x-amz-target", format!("AWSStepFunctions.{action}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = env.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let v: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap_or(Value::Null);
    assert!(status.is_success(), "{action}: {v}");
    v
}

/// Delivers messages until both queues are empty; `duplicate` sends every message twice.
async fn pump(env: &Env, duplicate: bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut any = false;
        for q in [STEP, TASK] {
            let got = env.bus.receive(q, 10, Duration::ZERO).await.unwrap();
            if got.is_empty() {
                continue;
            }
            any = true;
            let mut records = Vec::new();
            for m in &got {
                records.push(json!({"messageId": m.message_id, "receiptHandle": m.receipt_handle, "body": m.body,
                    "attributes": {"ApproximateReceiveCount": m.receive_count.to_string()}, "eventSource": "aws:sqs"}));
                if duplicate && m.receive_count == 1 && !m.body.contains("\"dup\":") {
                    let copy = m.body.replacen('{', "{\"dup\":1,", 1);
                    let out = statecraft_serverless::Outgoing { body: copy, delay_seconds: 0 };
                    env.bus.send(q, vec![out]).await.unwrap();
                }
            }
            let resp =
                env.driver.handle_sqs(serde_json::from_value(json!({"Records": records})).unwrap()).await;
            for m in got {
                if resp.batch_item_failures.iter().any(|f| f.item_identifier == m.message_id) {
                    env.bus.release(q, &m.receipt_handle);
                } else {
                    env.bus.delete(q, &m.receipt_handle).await.unwrap();
                }
            }
        }
        if !any {
            if env.bus.is_empty(STEP) && env.bus.is_empty(TASK) {
                return;
            }
            // Delayed messages (waits, retries) are not visible yet.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(Instant::now() < deadline, "messages still flowing after 60 s");
    }
}

async fn run(
    env: &Env,
    name: &str,
    def: Value,
    input: Value,
    duplicate: bool,
) -> (Value, BTreeMap<String, usize>) {
    let sm = call(
        env,
        "CreateStateMachine",
        json!({"name": name, "definition": def.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await;
    let sm = sm["stateMachineArn"].as_str().unwrap().to_string();
    let started =
        call(env, "StartExecution", json!({"stateMachineArn": sm, "input": input.to_string()})).await;
    let arn = started["executionArn"].as_str().unwrap().to_string();
    pump(env, duplicate).await;
    let done = call(env, "DescribeExecution", json!({"executionArn": arn})).await;
    let events = call(env, "GetExecutionHistory", json!({"executionArn": arn, "maxResults": 1000})).await;
    let events = events["events"].as_array().cloned().unwrap_or_default();
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>(), "history ids are one sequence");
    let mut counts = BTreeMap::new();
    for e in &events {
        *counts.entry(e["type"].as_str().unwrap().to_string()).or_insert(0) += 1;
    }
    (done, counts)
}

fn mixed() -> Value {
    let task = "arn:aws:lambda:us-east-1:123456789012:function:worker";
    json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": task, "Parameters": {"fail": "Oops"},
              "Catch": [{"ErrorEquals": ["Oops"], "ResultPath": null, "Next": "P"}], "Next": "P"},
        "P": {"Type": "Parallel", "Next": "End", "Branches": [
            {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "End": true,
                "ItemProcessor": {"StartAt": "D", "States": {"D": {"Type": "Task", "Resource": task,
                    "Parameters": {"double.$": "$"}, "End": true}}}}}},
            {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "Result": "q", "End": true}}}]},
        "End": {"Type": "Pass", "End": true}}})
}

fn output(done: &Value) -> Value {
    serde_json::from_str(done["output"].as_str().unwrap_or("null")).unwrap()
}

#[tokio::test]
async fn a_mixed_execution_runs_to_its_end() {
    let env = env();
    let (done, counts) = run(&env, "mixed", mixed(), json!({"items": [1, 2, 3, 4, 5]}), false).await;
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    assert_eq!(
        output(&done),
        json!([[{"value": 2}, {"value": 4}, {"value": 6}, {"value": 8}, {"value": 10}], "q"])
    );
    assert_eq!(counts["MapIterationSucceeded"], 5);
    assert_eq!(counts["LambdaFunctionFailed"], 1);
}

#[tokio::test]
async fn duplicates_change_no_history() {
    let env = env();
    let (a, ca) = run(&env, "once", mixed(), json!({"items": [1, 2, 3]}), false).await;
    let (b, cb) = run(&env, "twice", mixed(), json!({"items": [1, 2, 3]}), true).await;
    assert_eq!(output(&a), output(&b));
    assert_eq!(ca, cb);
}

#[tokio::test]
async fn crashes_after_commits_are_recovered_once() {
    let plain = env();
    let (_, expected) = run(&plain, "plain", mixed(), json!({"items": [1, 2, 3]}), false).await;
    for n in [1, 2, 5, 9] {
        let env = env();
        env.driver.faults().arm_crash_after_commit(n);
        let (done, counts) =
            run(&env, &format!("crash{n}"), mixed(), json!({"items": [1, 2, 3]}), false).await;
        assert_eq!(done["status"], "SUCCEEDED", "{n} crashes: {done}");
        assert_eq!(counts, expected, "{n} crashes");
        assert_eq!(env.driver.faults().armed(), 0);
        assert!(env.driver.metrics().get(Op::Redo) >= 1);
    }
}

#[tokio::test]
async fn a_failing_iteration_fails_the_map_and_stop_cancels_the_rest() {
    let env = env();
    let task = "arn:aws:lambda:us-east-1:123456789012:function:worker";
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "D", "States": {"D": {"Type": "Task", "Resource": task, "End": true}}}}}});
    let (done, _) =
        run(&env, "failing", def, json!({"items": [{"double": 1}, {"fail": "Bad"}, {"double": 3}]}), false)
            .await;
    assert_eq!(done["status"], "FAILED");
    assert_eq!(done["error"], "Bad");
}
