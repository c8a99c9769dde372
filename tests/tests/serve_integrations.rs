//! Service integrations through `statecraft serve` against moto in server mode: the scenario in
//! `tests/e2e/integrations.py` (SQS, DynamoDB with a caught conditional failure, SNS to an SQS
//! subscriber, EventBridge to a queue through a rule, a task token through a queue answered
//! with SendTaskSuccess, a `.sync:2` child execution). The server gets only the standard AWS
//! environment (`AWS_ENDPOINT_URL`, region, credentials), as a user would set it.

use statecraft_tests::python::{python, skip_or_fail};
use statecraft_tests::serve::ServeOptions;
use statecraft_tests::workspace;
use std::process::Command;

const WHAT: &str = "the service integrations scenario";

/// moto on a free port, stopped when this test process exits.
fn moto() -> Result<String, String> {
    let out = Command::new("bash")
        .arg(workspace().join("infra/moto/start.sh"))
        .env("MOTO_PARENT_PID", std::process::id().to_string())
        .output()
        .map_err(|e| format!("cannot run infra/moto/start.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "infra/moto/start.sh failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    Ok(stdout.lines().last().unwrap_or_default().trim().to_string())
}

#[test]
fn integrations_against_moto() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => return skip_or_fail(WHAT, &why),
    };
    let moto = moto().unwrap_or_else(|e| panic!("{e}"));
    assert!(moto.starts_with("http://127.0.0.1:"), "unexpected moto endpoint {moto:?}");
    let server = ServeOptions::new()
        .env("AWS_ENDPOINT_URL", &moto)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .start();
    let out = Command::new(&python)
        .arg(workspace().join("tests/e2e/integrations.py"))
        .arg("--endpoint")
        .arg(server.endpoint())
        .arg("--moto")
        .arg(&moto)
        .output()
        .expect("run integrations.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "integrations.py failed ({}):\n{stdout}\n{}\n--- server log ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    assert!(stdout.contains("18 checks passed"), "{stdout}");
}
