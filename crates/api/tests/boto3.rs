//! End to end with a real client: the router runs under `axum::serve` on a loopback port,
//! behind the auth layer in SigV4-access-key mode, and `fixtures/boto3_client.py` calls all
//! 37 operations through boto3 with fully populated requests. botocore must parse every
//! response into the sample and every error into its modeled exception; the service must
//! receive every request member intact. Skipped, with a notice, where python3 or boto3 is
//! missing.

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use common::{fixture_path, model_samples, Recorder};
use serde_json::json;
use statecraft_api::{
    router, with_auth, ApiError, AuthConfig, ErrorCode, RouterConfig, ValidationExceptionReason,
};
use tokio::process::Command;

const TOKEN: &str = "test-token";

fn boto3_available() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import boto3"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn boto3_speaks_to_the_router() {
    if !boto3_available() {
        eprintln!("NOTICE: python3 with boto3 not found; skipping the boto3 end-to-end test");
        return;
    }
    let recorder = Arc::new(Recorder::default());
    let samples = model_samples();
    for sample in &samples {
        recorder.respond(&sample.action, sample.output.clone());
    }
    recorder.fail(
        "DescribeActivity",
        ApiError::new(ErrorCode::ActivityDoesNotExist, "Activity Does Not Exist: 'arn:a'"),
    );
    recorder.fail(
        "UpdateStateMachineAlias",
        ApiError::validation("Routing weights must add up to 100")
            .with_reason(ValidationExceptionReason::InvalidRoutingConfiguration),
    );
    recorder.fail(
        "TagResource",
        ApiError::new(ErrorCode::TooManyTags, "Too many tags").with_resource_name("arn:sm"),
    );
    let expected_errors = json!({
        "DescribeActivity": {"code": "ActivityDoesNotExist", "message": "Activity Does Not Exist: 'arn:a'"},
        "UpdateStateMachineAlias": {"code": "ValidationException", "message": "Routing weights must add up to 100",
                                    "reason": "INVALID_ROUTING_CONFIGURATION"},
        "TagResource": {"code": "TooManyTags", "message": "Too many tags", "resourceName": "arn:sm"},
    });
    let errors_file =
        std::env::temp_dir().join(format!("statecraft-api-boto3-errors-{}.json", std::process::id()));
    std::fs::write(&errors_file, expected_errors.to_string()).unwrap();

    let app = router(recorder.clone(), &RouterConfig::default());
    let app = with_auth(app, AuthConfig::bearer(TOKEN).with_sigv4_access_key(true));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let result = drive(&recorder, &endpoint, &errors_file).await;
    server.abort();
    let _ = std::fs::remove_file(&errors_file);
    result.unwrap();
}

async fn drive(recorder: &Recorder, endpoint: &str, errors_file: &std::path::Path) -> Result<(), String> {
    let samples = model_samples();

    let run = Command::new("python3")
        .arg(fixture_path("boto3_client.py"))
        .arg(endpoint)
        .arg(TOKEN)
        .arg(fixture_path("model_samples.json"))
        .arg(errors_file)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .map_err(|_| "boto3 script did not finish within 120 s")?
        .map_err(|e| format!("python3 did not start: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    if !output.status.success() {
        return Err(format!("boto3 script failed:\n{stdout}\n{stderr}"));
    }

    // Every call reached the service, with every member boto3 serialized intact.
    let calls = recorder.calls();
    assert_eq!(calls.len(), samples.len(), "the wrong-key call must not reach the service");
    for sample in &samples {
        let (_, input) = calls.iter().find(|(action, _)| *action == sample.action).expect("action called");
        assert_eq!(input, &sample.input, "{}: request as received", sample.action);
    }
    aws_cli(recorder, endpoint).await
}

/// The AWS CLI (v1 here, built on botocore) against the same server, when installed:
/// StartSyncExecution with host-prefix injection turned off by its environment variable,
/// and an error as the CLI reports it.
async fn aws_cli(recorder: &Recorder, endpoint: &str) -> Result<(), String> {
    let run = |args: &[&str]| {
        Command::new("aws")
            .args(["stepfunctions", "--endpoint-url", endpoint, "--output", "json"])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", TOKEN)
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .kill_on_drop(true)
            .output()
    };
    let Ok(synced) = run(&["start-sync-execution", "--state-machine-arn", "arn:sm", "--input", "{}"]).await
    else {
        eprintln!("NOTICE: aws CLI not found; skipping its part of the end-to-end test");
        return Ok(());
    };
    let stdout = String::from_utf8_lossy(&synced.stdout);
    if !synced.status.success() {
        return Err(format!("aws start-sync-execution failed: {}", String::from_utf8_lossy(&synced.stderr)));
    }
    let parsed: serde_json::Value = serde_json::from_str(&stdout).map_err(|e| format!("{e}: {stdout}"))?;
    assert_eq!(parsed["executionArn"], "executionArn-1", "{stdout}");
    assert_eq!(parsed["status"], "SUCCEEDED", "{stdout}");
    let last = recorder.last().ok_or("no call recorded")?;
    assert_eq!(last, ("StartSyncExecution".to_owned(), json!({"stateMachineArn": "arn:sm", "input": "{}"})));

    let failed = run(&["describe-activity", "--activity-arn", "arn:a"]).await.map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success());
    assert!(
        stderr.contains(
            "An error occurred (ActivityDoesNotExist) when calling the DescribeActivity operation: \
             Activity Does Not Exist: 'arn:a'"
        ),
        "{stderr}"
    );
    Ok(())
}
