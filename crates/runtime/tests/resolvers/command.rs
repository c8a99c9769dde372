//! The command resolver against small Python scripts.

use crate::common::{eventually, fixtures, request};
use base64::Engine as _;
use serde_json::{json, Value};
use statecraft_runtime::config::CommandTarget;
use statecraft_runtime::invoke::{Invocation, TaskInvoker};
use statecraft_runtime::resolvers::CommandResolver;
use statecraft_runtime::Resolution;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:Fn";

fn python(script: &str, args: &[&str]) -> CommandResolver {
    let mut all = vec![format!("handlers/{script}")];
    all.extend(args.iter().map(|a| a.to_string()));
    CommandResolver::new(CommandTarget {
        program: "python3".into(),
        args: all,
        cwd: fixtures(),
        env: BTreeMap::from([("EXTRA".to_string(), "yes".to_string())]),
    })
}

fn failed(inv: Invocation) -> (String, String) {
    match inv {
        Invocation::Done(Resolution::Failed { error: Some(e), cause: Some(c) }) => (e, c),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn input_on_stdin_result_on_stdout_with_environment() {
    let mut req = request("Extract", LAMBDA, json!({"key": "photo.jpg", "n": [1, 2]}));
    req.token = Some("tok-123".into());
    let Invocation::Done(Resolution::Succeeded(out)) = python("echo.py", &[]).invoke(&req).await else {
        panic!("expected success");
    };
    assert_eq!(out["input"], json!({"key": "photo.jpg", "n": [1, 2]}));
    assert_eq!(out["state"], "Extract");
    assert_eq!(out["resource"], LAMBDA);
    assert_eq!(out["token"], "tok-123");
    assert_eq!(out["extra"], "yes");
    assert_eq!(
        std::fs::canonicalize(out["cwd"].as_str().unwrap()).unwrap(),
        fixtures().canonicalize().unwrap()
    );
}

#[tokio::test]
async fn error_document_on_stdout_or_stderr_names_the_error() {
    // A plain Lambda ARN: the cause is the error document as the function wrote it.
    let (error, cause) =
        failed(python("fail.py", &["stdout"]).invoke(&request("S", LAMBDA, json!({}))).await);
    assert_eq!(error, "CustomError");
    let doc: Value = serde_json::from_str(&cause).unwrap();
    assert_eq!(doc["errorMessage"], "the thing broke");

    let (error, cause) =
        failed(python("fail.py", &["stderr"]).invoke(&request("S", LAMBDA, json!({}))).await);
    assert_eq!(error, "CustomError");
    assert!(cause.contains("\"errorType\": \"CustomError\""), "{cause}");

    // Another resource: the cause is the errorMessage.
    let sqs = "arn:aws:states:::sqs:sendMessage";
    let (error, cause) = failed(python("fail.py", &["stdout"]).invoke(&request("S", sqs, json!({}))).await);
    assert_eq!((error.as_str(), cause.as_str()), ("CustomError", "the thing broke"));
}

#[tokio::test]
async fn plain_failure_is_command_failed_with_stderr_tail() {
    let (error, cause) = failed(python("fail.py", &["plain"]).invoke(&request("S", LAMBDA, json!({}))).await);
    assert_eq!(error, "CommandFailed");
    assert!(cause.contains("exit status 3"), "{cause}");
    assert!(cause.ends_with("final words"), "{cause}");
}

#[tokio::test]
async fn non_json_output_fails_empty_output_is_null() {
    let (error, cause) =
        failed(python("output.py", &["text"]).invoke(&request("S", LAMBDA, json!({}))).await);
    assert_eq!(error, "States.TaskFailed");
    assert!(cause.contains("not JSON") && cause.contains("hello, not JSON"), "{cause}");

    let inv = python("output.py", &["empty"]).invoke(&request("S", LAMBDA, json!({}))).await;
    assert_eq!(inv, Invocation::Done(Resolution::Succeeded(Value::Null)));
}

#[tokio::test]
async fn oversized_output_is_a_data_limit_failure() {
    let (error, cause) =
        failed(python("output.py", &["huge"]).invoke(&request("S", LAMBDA, json!({}))).await);
    assert_eq!(error, "States.DataLimitExceeded");
    assert!(cause.contains(LAMBDA), "{cause}");
}

#[tokio::test]
async fn a_program_that_ignores_a_large_input_does_not_block() {
    let big = json!({"blob": "y".repeat(2 << 20)});
    let inv = python("output.py", &["ignore-input"]).invoke(&request("S", LAMBDA, big)).await;
    assert_eq!(inv, Invocation::Done(Resolution::Succeeded(json!({}))));
}

#[tokio::test]
async fn missing_program_fails_with_a_clear_cause() {
    let resolver = CommandResolver::new(CommandTarget {
        program: "/nonexistent/handler".into(),
        args: vec![],
        cwd: fixtures(),
        env: BTreeMap::new(),
    });
    let (error, cause) = failed(resolver.invoke(&request("Extract", LAMBDA, json!({}))).await);
    assert_eq!(error, "States.TaskFailed");
    assert!(cause.contains("state 'Extract'") && cause.contains("/nonexistent/handler"), "{cause}");
}

fn alive(pid: u32) -> bool {
    // A zombie (exited, not yet reaped by whoever inherited it) counts as dead.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit(')').next().and_then(|s| s.split_whitespace().next()) != Some("Z"),
        Err(_) => false,
    }
}

#[tokio::test]
async fn timeout_kills_the_program_and_its_children() {
    let dir = std::env::temp_dir().join(format!("statecraft-sleepy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pid_file = dir.join("pids");
    let _ = std::fs::remove_file(&pid_file);
    let mut req = request("Slow", LAMBDA, json!({}));
    req.timeout_seconds = Some(3);
    let started = Instant::now();
    let inv = python("sleepy.py", &[pid_file.to_str().unwrap()]).invoke(&req).await;
    let elapsed = started.elapsed();
    match inv {
        Invocation::Done(Resolution::TimedOut { error: Some(e), cause: Some(c) }) => {
            assert_eq!(e, "States.Timeout");
            assert!(c.contains("killed"), "{c}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(8), "{elapsed:?}");
    let pids: Vec<u32> = std::fs::read_to_string(&pid_file)
        .expect("the script recorded its PIDs")
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    assert!(
        eventually(Duration::from_secs(5), || pids.iter().all(|p| !alive(*p))).await,
        "{pids:?} still alive"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn read_pids(path: &std::path::Path) -> Option<Vec<u32>> {
    let text = std::fs::read_to_string(path).ok()?;
    text.split_whitespace().map(|p| p.parse().ok()).collect()
}

#[tokio::test]
async fn cancelling_the_call_kills_the_program_and_its_children() {
    let dir = std::env::temp_dir().join(format!("statecraft-cancel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pid_file = dir.join("pids");
    let _ = std::fs::remove_file(&pid_file);
    let resolver = python("sleepy.py", &[pid_file.to_str().unwrap()]);
    // As the engine does when a task is cancelled: abort the task running the call.
    let call = tokio::spawn(async move { resolver.invoke(&request("Slow", LAMBDA, json!({}))).await });
    assert!(eventually(Duration::from_secs(20), || read_pids(&pid_file).is_some()).await, "never started");
    let pids = read_pids(&pid_file).unwrap();
    assert!(pids.iter().all(|p| alive(*p)));
    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());
    assert!(
        eventually(Duration::from_secs(5), || pids.iter().all(|p| !alive(*p))).await,
        "{pids:?} still alive"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn lambda_invoke_gets_the_payload_and_returns_the_envelope() {
    let req = request(
        "Invoke",
        "arn:aws:states:::lambda:invoke",
        json!({"FunctionName": "Fn", "Payload": {"a": 1}, "LogType": "Tail"}),
    );
    let Invocation::Done(Resolution::Succeeded(out)) = python("echo.py", &[]).invoke(&req).await else {
        panic!("expected success");
    };
    assert_eq!(out["Payload"]["input"], json!({"a": 1}));
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["ExecutedVersion"], "$LATEST");
    let log = base64::engine::general_purpose::STANDARD.decode(out["LogResult"].as_str().unwrap()).unwrap();
    assert!(String::from_utf8(log).unwrap().contains("a log line on stderr"));
    assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
}
