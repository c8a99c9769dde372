//! The end-to-end scenario with boto3 and the aws CLI (`tests/e2e/scenario.py`) against a
//! `statecraft serve` configured here. Python and its packages come from
//! `infra/python-deps.sh` (a venv in the cache directory); when they cannot be had, the test
//! says so loudly and passes, unless `STATECRAFT_E2E_REQUIRED=1` (set in CI once the venv is
//! provisioned) makes that a failure.

use statecraft_tests::python::{python, skip_or_fail};
use statecraft_tests::serve::ServeOptions;
use statecraft_tests::workspace;
use std::process::Command;

#[test]
fn boto3_and_aws_cli_scenario() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => return skip_or_fail("the boto3/aws CLI end-to-end scenario", &why),
    };
    let e2e = workspace().join("tests/e2e");
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    let handlers = e2e.join("handlers");
    let toml = format!(
        r#"version = 1

[resources.PriceOrder]
command = [{py}, "price_order.py"]
cwd = {handlers}
timeout_seconds = 30

[resources."arn:aws:states:::sqs:sendMessage.waitForTaskToken"]
command = [{py}, "request_approval.py"]
cwd = {handlers}
env = {{ OUTBOX = {outbox} }}
"#,
        py = json(&python.display().to_string()),
        handlers = json(&handlers.display().to_string()),
        outbox = json(&outbox.display().to_string()),
    );
    let config = dir.path().join("statecraft.toml");
    std::fs::write(&config, toml).unwrap();
    let server = ServeOptions::new().config(&config).start();

    let out = Command::new(&python)
        .arg(e2e.join("scenario.py"))
        .arg("--endpoint")
        .arg(server.endpoint())
        .arg("--outbox")
        .arg(&outbox)
        .output()
        .expect("run scenario.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scenario.py failed ({}):\n{stdout}\n{stderr}\n--- server log ---\n{}",
        out.status,
        server.log()
    );
    assert!(stdout.contains("checks passed"), "{stdout}");
    eprintln!("{}", stdout.lines().last().unwrap_or_default());
}

/// A TOML basic string (JSON's escaping is a subset TOML accepts).
fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}
