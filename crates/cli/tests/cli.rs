//! The `statecraft` binary as a user runs it: exit codes and messages of `validate` on good and
//! bad definitions, and usage errors. (Having an integration test here also makes
//! `cargo test --workspace` build the binary the workspace's end-to-end tests drive, under the
//! same feature resolution, so `make test` compiles every dependency once.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn statecraft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_statecraft"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name).join("definition.asl.json")
}

#[test]
fn validate_accepts_an_example() {
    let out = statecraft().arg("validate").arg(example("retry-catch")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn validate_names_the_location_of_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("bad.json");
    std::fs::write(&def, r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}"#)
        .unwrap();
    let out = statecraft().arg("validate").arg(&def).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "an invalid definition exits 1");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("/States/A/Next"), "the JSON pointer is named: {text}");
}

#[test]
fn unknown_arguments_are_usage_errors() {
    let out = statecraft().arg("validate").arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
