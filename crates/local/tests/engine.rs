//! The runtime's engine on both stores: an execution with a mocked Task (caught error, then a
//! Pass) runs to its end, and what the engine committed reads back the same from SQLite and
//! from memory: the status, the history, an empty outbox, no tokens left behind.

use serde_json::json;
use statecraft_local::SqliteStore;
use statecraft_runtime::engine::{Engine, EngineConfig, StartRequest};
use statecraft_runtime::invoke::MockInvoker;
use statecraft_runtime::ports::{ExecutionStatus, MachineKind, Page, RevisionRecord, Store, RECORD_VERSION};
use statecraft_runtime::{MemoryStore, MockConfig};
use std::sync::Arc;
use std::time::Duration;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:Pay";

fn definition() -> String {
    json!({
        "StartAt": "Charge",
        "States": {
            "Charge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": { "FunctionName": "Charge", "Payload.$": "$" },
                "Catch": [{ "ErrorEquals": ["CardDeclined"], "ResultPath": "$.error", "Next": "Declined" }],
                "End": true
            },
            "Declined": { "Type": "Pass", "Result": "declined", "ResultPath": "$.outcome", "End": true }
        }
    })
    .to_string()
}

fn mocks() -> Result<MockConfig, Box<dyn std::error::Error>> {
    let doc = json!({
        "StateMachines": { "Pay": { "TestCases": { "Declined": { "Charge": "Declined" } } } },
        "MockedResponses": { "Declined": { "0": { "Throw": { "Error": "CardDeclined", "Cause": "no funds" } } } }
    });
    Ok(MockConfig::from_file(&doc, Some("Pay"), "Declined")?)
}

/// Revision `r1` of the Pay state machine with this definition.
fn revision(definition: String) -> RevisionRecord {
    RevisionRecord {
        record_version: RECORD_VERSION,
        state_machine_arn: SM.to_string(),
        revision_id: "r1".to_string(),
        definition,
        role_arn: "arn:aws:iam::123456789012:role/sfn".to_string(),
        created: 0,
    }
}

/// A start of execution `name` of Pay at `revision`.
fn start_request(name: &str, revision: RevisionRecord, input: serde_json::Value) -> StartRequest {
    StartRequest {
        execution_arn: format!("arn:aws:states:us-east-1:123456789012:execution:Pay:{name}"),
        name: name.to_string(),
        state_machine_arn: SM.to_string(),
        state_machine_name: "Pay".to_string(),
        version_arn: None,
        alias_arn: None,
        kind: MachineKind::Standard,
        revision,
        input,
        trace_header: None,
        parent_arn: None,
    }
}

/// Runs one execution to its end and returns (status, output, history event types).
async fn run(
    store: Arc<dyn Store>,
) -> Result<(ExecutionStatus, Option<String>, Vec<String>), Box<dyn std::error::Error>> {
    let engine = Engine::new(store.clone(), Arc::new(MockInvoker::new(mocks()?)), EngineConfig::default());
    let revision = revision(definition());
    let arn = "arn:aws:states:us-east-1:123456789012:execution:Pay:e1".to_string();
    engine.start(start_request("e1", revision, json!({ "order": 42 }))).await?;
    let done = tokio::time::timeout(Duration::from_secs(30), engine.wait_finished(&arn)).await??;
    let stored = store.get_execution(&arn).await?.ok_or("execution not stored")?;
    assert_eq!(stored.summary, done, "the stored summary is the one the engine reports");
    assert_eq!(store.outbox(&arn).await?, vec![], "a finished execution leaves no outbox");
    assert_eq!(store.executions_with_outbox().await?, Vec::<String>::new());
    let history = store.history(&arn, false, &Page::default()).await?.items;
    let ids: Vec<u64> = history.iter().map(|r| r.id).collect();
    assert_eq!(ids, (1..=history.len() as u64).collect::<Vec<_>>(), "history ids are 1..n");
    let types = history
        .iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_str(&r.json)?;
            Ok(v.get("type").and_then(|t| t.as_str()).unwrap_or_default().to_string())
        })
        .collect::<Result<Vec<String>, serde_json::Error>>()?;
    Ok((done.status, done.output, types))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_runs_the_same_on_sqlite_and_in_memory() -> TestResult {
    let dir = tempfile::tempdir()?;
    let sqlite = run(Arc::new(SqliteStore::open(dir.path())?)).await?;
    let memory = run(Arc::new(MemoryStore::new())).await?;
    assert_eq!(sqlite.0, ExecutionStatus::Succeeded);
    assert!(sqlite.1.as_deref().is_some_and(|o| o.contains("declined")), "{:?}", sqlite.1);
    assert_eq!(sqlite.2.first().map(String::as_str), Some("ExecutionStarted"));
    assert_eq!(sqlite.2.last().map(String::as_str), Some("ExecutionSucceeded"));
    assert_eq!(sqlite, memory);
    Ok(())
}

/// A restart: the first process (a tokio runtime, dropped with everything it spawned) starts
/// an execution that waits on a timer; the second reopens the database, resumes what
/// `executions_with_outbox` lists, and the execution finishes.
#[test]
fn a_restarted_engine_resumes_from_the_outbox() -> TestResult {
    let dir = tempfile::tempdir()?;
    let def = json!({
        "StartAt": "Wait",
        "States": { "Wait": { "Type": "Wait", "Seconds": 1, "Next": "Done" }, "Done": { "Type": "Succeed" } }
    })
    .to_string();
    let arn = "arn:aws:states:us-east-1:123456789012:execution:Pay:waits".to_string();
    let engine = |store: Arc<dyn Store>| {
        let invoker = MockInvoker::new(MockConfig::default());
        Engine::new(store, Arc::new(invoker), EngineConfig::default())
    };
    let first = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    first.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path())?);
        let revision = revision(def.clone());
        // Recovery reads the definition back from the revision the execution names.
        let (mut sm, _) = statecraft_runtime::store_tests::machine("Pay", 0);
        sm.revision_id = revision.revision_id.clone();
        store.create_state_machine(&sm, &revision).await?;
        engine(store.clone()).start(start_request("waits", revision, json!({}))).await?;
        assert_eq!(store.executions_with_outbox().await?, vec![arn.clone()]);
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    drop(first); // the "crash": the engine, its timers and the store go away

    let second = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    second.block_on(async {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path())?);
        let status = store.get_execution(&arn).await?.ok_or("lost")?.summary.status;
        assert_eq!(status, ExecutionStatus::Running);
        let engine = engine(store.clone());
        let resumed = engine.recover().await?;
        assert_eq!(resumed, 1);
        let done = tokio::time::timeout(Duration::from_secs(30), engine.wait_finished(&arn)).await??;
        assert_eq!(done.status, ExecutionStatus::Succeeded);
        assert_eq!(store.executions_with_outbox().await?, Vec::<String>::new());
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    Ok(())
}

/// An execution in a long Wait leaves memory (its timer stays), and the timer loads it back
/// from SQLite and finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_execution_is_parked_out_of_memory() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path())?);
    let engine = Engine::new(
        store.clone(),
        Arc::new(MockInvoker::new(MockConfig::default())),
        EngineConfig::default(),
    );
    let def = json!({
        "StartAt": "Wait",
        "States": {
            "Wait": { "Type": "Wait", "Seconds": 3, "Next": "Done" },
            "Done": { "Type": "Pass", "Result": "woke", "End": true }
        }
    })
    .to_string();
    let revision = revision(def);
    let (mut sm, _) = statecraft_runtime::store_tests::machine("Pay", 0);
    sm.revision_id = revision.revision_id.clone();
    store.create_state_machine(&sm, &revision).await?;
    let arn = "arn:aws:states:us-east-1:123456789012:execution:Pay:parked".to_string();
    engine.start(start_request("parked", revision, json!({}))).await?;
    assert_eq!(engine.resident(), 0, "a three-second Wait is not held in memory");
    let done = tokio::time::timeout(Duration::from_secs(30), engine.wait_finished(&arn)).await??;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(done.output.as_deref(), Some("\"woke\""));
    assert_eq!(engine.resident(), 0, "a finished execution is not held either");
    Ok(())
}
