//! Express workflows through real clients: StartSyncExecution from boto3 (with
//! `inject_host_prefix=False`), the aws CLI (with `AWS_DISABLE_HOST_PREFIX_INJECTION=true`) and
//! the AWS SDK for Rust (taking the `sync-` host prefix off per call); and the five-minute
//! limit, lowered for the test.

use crate::common::{create_machine, sfn, write, Serve};
use aws_sdk_sfn::config::{BehaviorVersion, Credentials, Region};
use serde_json::{json, Value};
use std::process::Command;

const BOTO3: &str = r#"
import boto3, json, sys
from botocore.config import Config
endpoint, ok_arn, fail_arn = sys.argv[1:4]
client = boto3.client(
    "stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
    aws_access_key_id="test", aws_secret_access_key="test",
    config=Config(inject_host_prefix=False),
)
out = {}
for key, kwargs in (("ok", dict(stateMachineArn=ok_arn, input=json.dumps({"x": 2}), name="sync-ok")),
                    ("fail", dict(stateMachineArn=fail_arn))):
    r = client.start_sync_execution(**kwargs)
    r.pop("ResponseMetadata", None)
    out[key] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
print(json.dumps(out))
"#;

async fn machines(serve: &Serve) -> (String, String) {
    let double = json!({"StartAt": "Double", "States": {"Double": {
        "Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.x, $.x)"}, "End": true}}});
    let fail = json!({"StartAt": "Break", "States": {"Break": {"Type": "Fail", "Error": "Custom.Broken", "Cause": "it broke"}}});
    (
        create_machine(&serve.endpoint, None, "Double", "EXPRESS", double).await,
        create_machine(&serve.endpoint, None, "Break", "EXPRESS", fail).await,
    )
}

#[tokio::test]
async fn boto3_start_sync_execution() {
    let python = match statecraft_tests::python::python() {
        Ok(p) => p,
        Err(why) => return statecraft_tests::python::skip_or_fail("the boto3 StartSyncExecution test", &why),
    };
    let serve = Serve::start("", &[]);
    let (ok_arn, fail_arn) = machines(&serve).await;
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "sync.py", BOTO3);
    let out =
        Command::new(&python).arg(&script).args([&serve.endpoint, &ok_arn, &fail_arn]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ok = &v["ok"];
    assert_eq!(ok["status"], json!("SUCCEEDED"), "{v}");
    assert_eq!(ok["output"], json!(r#"{"doubled":4}"#));
    assert_eq!(ok["name"], json!("sync-ok"));
    assert!(ok["executionArn"].as_str().unwrap().contains(":express:Double:sync-ok:"));
    assert_eq!(ok["billingDetails"]["billedMemoryUsedInMB"], json!(64));
    assert!(ok["billingDetails"]["billedDurationInMilliseconds"].as_i64().unwrap() >= 100);
    let fail = &v["fail"];
    assert_eq!(
        (fail["status"].clone(), fail["error"].clone(), fail["cause"].clone()),
        (json!("FAILED"), json!("Custom.Broken"), json!("it broke")),
        "{v}"
    );
}

#[tokio::test]
async fn aws_cli_start_sync_execution() {
    let cli = Command::new("aws").arg("--version").output();
    if !cli.is_ok_and(|o| o.status.success()) {
        eprintln!("NOTICE: the aws CLI is not installed; SKIPPING the aws CLI StartSyncExecution test");
        return;
    }
    let serve = Serve::start("", &[]);
    let (ok_arn, _) = machines(&serve).await;
    let out = Command::new("aws")
        .args(["stepfunctions", "start-sync-execution", "--endpoint-url", &serve.endpoint])
        .args(["--state-machine-arn", &ok_arn, "--input", r#"{"x": 21}"#, "--output", "json"])
        .env("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["status"].clone(), v["output"].clone()),
        (json!("SUCCEEDED"), json!(r#"{"doubled":42}"#)),
        "{v}"
    );
    assert!(v["billingDetails"]["billedDurationInMilliseconds"].is_number());
}

#[tokio::test]
async fn rust_sdk_start_sync_execution() {
    let serve = Serve::start("", &[]);
    let (ok_arn, fail_arn) = machines(&serve).await;
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&serve.endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    let client = aws_sdk_sfn::Client::from_conf(config);
    // The SDK always puts `sync-` in front of the host for this operation; take it off.
    let no_prefix = |req: &mut aws_sdk_sfn::config::http::HttpRequest| {
        if let Some(rest) = req.uri().strip_prefix("http://sync-").map(str::to_string) {
            let _ = req.set_uri(format!("http://{rest}"));
        }
    };
    let ok = client
        .start_sync_execution()
        .state_machine_arn(&ok_arn)
        .input(r#"{"x": 5}"#)
        .customize()
        .mutate_request(no_prefix)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_str(), "SUCCEEDED");
    assert_eq!(ok.output(), Some(r#"{"doubled":10}"#));
    let billing = ok.billing_details().unwrap();
    assert_eq!(billing.billed_memory_used_in_mb(), 64);
    assert!(billing.billed_duration_in_milliseconds() >= 100);
    let failed = client
        .start_sync_execution()
        .state_machine_arn(&fail_arn)
        .customize()
        .mutate_request(no_prefix)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (failed.status().as_str(), failed.error(), failed.cause()),
        ("FAILED", Some("Custom.Broken"), Some("it broke"))
    );
}

#[tokio::test]
async fn the_express_limit_times_an_execution_out() {
    // The limit is five minutes; the hidden flag lowers it to one second for this test.
    let serve = Serve::start("", &["--express-limit-seconds", "1"]);
    let slow = json!({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let arn = create_machine(&serve.endpoint, None, "Slow", "EXPRESS", slow).await;
    let started = std::time::Instant::now();
    let (status, out) =
        sfn(&serve.endpoint, None, "StartSyncExecution", json!({"stateMachineArn": arn})).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        (out["status"].clone(), out["error"].clone()),
        (json!("TIMED_OUT"), json!("States.Timeout")),
        "{out}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}
