//! Nested executions on the same server: request-response, `.sync`, `.sync:2`, a failing child,
//! and stop propagation from parent to child.

use serde_json::{json, Value};
use statecraft_api::types::*;
use statecraft_api::StepFunctions;
use statecraft_runtime::engine::{Engine, EngineConfig};
use statecraft_runtime::invoke::MockInvoker;
use statecraft_runtime::{MemoryStore, MockConfig};
use statecraft_service::Service;
use std::sync::Arc;
use std::time::Duration;

fn service() -> Service {
    let engine = Engine::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MockInvoker::new(MockConfig::default())),
        EngineConfig::default(),
    );
    let svc = Service::new(engine.clone());
    engine.set_nested(Arc::new(svc.clone()));
    svc
}

async fn create(svc: &Service, name: &str, def: Value) -> String {
    svc.create_state_machine(CreateStateMachineInput {
        name: name.into(),
        definition: def.to_string(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        ..Default::default()
    })
    .await
    .expect("created")
    .state_machine_arn
}

async fn run(svc: &Service, machine: &str, input: Value) -> DescribeExecutionOutput {
    let arn = svc
        .start_execution(StartExecutionInput {
            state_machine_arn: machine.into(),
            input: Some(input.to_string()),
            ..Default::default()
        })
        .await
        .expect("started")
        .execution_arn;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let d = svc
            .describe_execution(DescribeExecutionInput { execution_arn: arn.clone(), ..Default::default() })
            .await
            .expect("described");
        if d.status != ExecutionStatus::Running || tokio::time::Instant::now() > deadline {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn parent(resource: &str, child: &str) -> Value {
    json!({"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": resource,
        "Parameters": {"StateMachineArn": child, "Input": {"n.$": "$.n"}},
        "End": true}}})
}

#[tokio::test]
async fn sync2_returns_the_child_output_as_json_and_sync_as_text() {
    let svc = service();
    let child = create(&svc, "child", json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": true}}})).await;
    let p2 = create(&svc, "p2", parent("arn:aws:states:::states:startExecution.sync:2", &child)).await;
    let d = run(&svc, &p2, json!({"n": 21})).await;
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    let out: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    assert_eq!(out["Output"], json!({"doubled": 42}));
    assert_eq!(out["Status"], "SUCCEEDED");

    let p1 = create(&svc, "p1", parent("arn:aws:states:::states:startExecution.sync", &child)).await;
    let d = run(&svc, &p1, json!({"n": 1})).await;
    let out: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    assert_eq!(out["Output"], json!("{\"doubled\":2}"));

    let p0 = create(&svc, "p0", parent("arn:aws:states:::states:startExecution", &child)).await;
    let d = run(&svc, &p0, json!({"n": 1})).await;
    let out: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    assert!(out["ExecutionArn"].as_str().unwrap().contains(":execution:child:"));
    assert!(out.get("Output").is_none());
}

#[tokio::test]
async fn a_failing_child_fails_the_task_with_its_description() {
    let svc = service();
    let child = create(
        &svc,
        "bad",
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "why"}}}),
    )
    .await;
    let p = create(&svc, "p", parent("arn:aws:states:::states:startExecution.sync", &child)).await;
    let d = run(&svc, &p, json!({"n": 1})).await;
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("States.TaskFailed"));
    let cause: Value = serde_json::from_str(d.cause.as_deref().unwrap()).unwrap();
    assert_eq!(cause["Error"], "Nope");
    assert_eq!(cause["Status"], "FAILED");
}

#[tokio::test]
async fn a_missing_child_machine_is_a_step_functions_error() {
    let svc = service();
    let p = create(
        &svc,
        "p",
        parent(
            "arn:aws:states:::states:startExecution",
            "arn:aws:states:us-east-1:123456789012:stateMachine:ghost",
        ),
    )
    .await;
    let d = run(&svc, &p, json!({"n": 1})).await;
    assert_eq!(d.error.as_deref(), Some("StepFunctions.StateMachineDoesNotExistException"));
}

#[tokio::test]
async fn stopping_the_parent_stops_the_child() {
    let svc = service();
    let child = create(
        &svc,
        "slow",
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
    )
    .await;
    let p = create(&svc, "p", parent("arn:aws:states:::states:startExecution.sync:2", &child)).await;
    let arn = svc
        .start_execution(StartExecutionInput {
            state_machine_arn: p,
            input: Some("{\"n\":1}".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .execution_arn;
    // wait until the child runs
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let child_arn = loop {
        let l = svc
            .list_executions(ListExecutionsInput {
                state_machine_arn: Some(child.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        if let Some(e) = l.executions.first() {
            break e.execution_arn.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "the child never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    svc.stop_execution(StopExecutionInput { execution_arn: arn, ..Default::default() }).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let d = svc
            .describe_execution(DescribeExecutionInput {
                execution_arn: child_arn.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        if d.status == ExecutionStatus::Aborted {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the child was not stopped: {:?}", d.status);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
