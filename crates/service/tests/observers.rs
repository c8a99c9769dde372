//! The engine's observers seen through the control plane: every observer added is told of
//! each start, redrive and end once, of the states each commit entered, and of the tasks run
//! with their outcome.

use serde_json::json;
use statecraft_api::types::*;
use statecraft_api::StepFunctions;
use statecraft_core::TaskRequest;
use statecraft_runtime::engine::{Engine, EngineConfig, Observer, TaskOutcome};
use statecraft_runtime::invoke::MockInvoker;
use statecraft_runtime::ports::ExecutionSummary;
use statecraft_runtime::{MemoryStore, MockConfig};
use statecraft_service::Service;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn seen(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl Observer for Recorder {
    fn started(&self, s: &ExecutionSummary) {
        self.0.lock().unwrap().push(format!("started redrive={}", s.redrive_count));
    }
    fn finished(&self, s: &ExecutionSummary) {
        self.0.lock().unwrap().push(format!("finished {}", s.status.as_str()));
    }
    fn states_entered(&self, _: &ExecutionSummary, count: u64) {
        self.0.lock().unwrap().push(format!("entered {count}"));
    }
    fn task_finished(&self, _: &str, request: &TaskRequest, outcome: TaskOutcome, _: Duration) {
        self.0.lock().unwrap().push(format!("task {} {}", request.state_name, outcome.as_str()));
    }
}

async fn wait_end(svc: &Service, arn: &str) -> ExecutionStatus {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let d = svc
            .describe_execution(DescribeExecutionInput { execution_arn: arn.into(), ..Default::default() })
            .await
            .unwrap();
        if d.status != ExecutionStatus::Running {
            return d.status;
        }
        assert!(tokio::time::Instant::now() < deadline, "{arn} still running");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Polls until `recorder` has seen `n` things (`finished` is reported after the commit, from
/// a task of its own).
async fn until_seen(recorder: &Recorder, n: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let seen = recorder.seen();
        if seen.len() >= n || tokio::time::Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_observer_sees_starts_transitions_tasks_ends_and_redrives() {
    let mocks = json!({
        "StateMachines": {"M": {"TestCases": {"T": {"Work": "FailThenWork"}}}},
        "MockedResponses": {"FailThenWork": {"0": {"Throw": {"Error": "Boom", "Cause": "first"}}, "1": {"Return": {}}}}
    });
    let engine = Engine::new(
        Arc::new(MemoryStore::new()),
        Arc::new(MockInvoker::new(MockConfig::from_file(&mocks, Some("M"), "T").unwrap())),
        EngineConfig::default(),
    );
    let (a, b) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    engine.add_observer(a.clone());
    engine.add_observer(b.clone());
    let svc = Service::new(engine);
    let machine = svc
        .create_state_machine(CreateStateMachineInput {
            name: "M".into(),
            definition: json!({"StartAt": "Prepare", "States": {
                "Prepare": {"Type": "Pass", "Next": "Work"},
                "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true}}})
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
    assert_eq!(wait_end(&svc, &arn).await, ExecutionStatus::Failed);
    let first = until_seen(&a, 4).await;
    assert_eq!(first, ["started redrive=0", "entered 2", "task Work failed", "finished FAILED"]);

    svc.redrive_execution(RedriveExecutionInput { execution_arn: arn.clone(), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(wait_end(&svc, &arn).await, ExecutionStatus::Succeeded);
    let all = until_seen(&a, 8).await;
    assert_eq!(
        all[4..],
        ["started redrive=1", "entered 1", "task Work succeeded", "finished SUCCEEDED"],
        "the redrive re-enters the failed state only"
    );
    assert_eq!(until_seen(&b, 8).await, all, "every observer sees the same");
}
