//! The api bootstrap as a process: without its configuration it stops at cold start with a
//! message naming the missing variable (what Lambda shows as the init error).
//!
//! Having an integration test also makes `cargo test --workspace` build this package's
//! `statecraft-api` binary (cargo builds a package's binaries for its integration tests only),
//! which the deployed-shape tests in `functions/step/tests/ministack/main.rs` run inside ministack.

use std::process::Command;

#[test]
fn a_missing_step_queue_stops_the_function_at_cold_start() {
    let out = Command::new(env!("CARGO_BIN_EXE_statecraft-api"))
        .env_clear()
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("run the statecraft-api bootstrap");
    assert!(!out.status.success(), "it started without configuration");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("STATECRAFT_STEP_QUEUE_URL"), "stderr: {stderr}");
}
