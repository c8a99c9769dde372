//! The Python side of the end-to-end tests: one cached venv with boto3, the aws CLI and moto
//! (`infra/python-deps.sh`), and the rule for when it cannot be had: the test says so loudly
//! and passes, unless `STATECRAFT_E2E_REQUIRED=1` (CI sets it once it has provisioned the
//! venv) makes that a failure.

use crate::workspace;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// The python that has boto3, awscli and moto (`STATECRAFT_E2E_PYTHON`, else the venv
/// `infra/python-deps.sh` provisions), or why there is none.
pub fn python() -> Result<PathBuf, String> {
    PYTHON
        .get_or_init(|| {
            if let Some(p) = std::env::var_os("STATECRAFT_E2E_PYTHON") {
                return Ok(PathBuf::from(p));
            }
            let out = Command::new("bash")
                .arg(workspace().join("infra/python-deps.sh"))
                .output()
                .map_err(|e| format!("cannot run infra/python-deps.sh: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "infra/python-deps.sh failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
        .clone()
}

/// Whether a missing Python toolchain fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("STATECRAFT_E2E_REQUIRED").is_ok_and(|v| v == "1")
}

/// Panics when [`required`]; otherwise prints a notice that `what` was skipped, straight to
/// stderr (the harness captures `eprintln!` of passing tests).
pub fn skip_or_fail(what: &str, why: &str) {
    if required() {
        panic!("{what} cannot run: {why}");
    }
    let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {what} did not run: {why} ***\n");
}
