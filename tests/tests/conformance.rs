//! The AWS-recorded conformance corpus (`../shared/conformance`), scored by its own runner
//! (`run.py`, `accepts.py`) against the built binary. Every failing check must be listed in
//! `tests/conformance/known-failures.txt` with a reason; a failure not on the list is a
//! regression, and a listed check that now passes must be removed from the list. The list
//! only shrinks, so the pass count only rises.
//!
//! `STATECRAFT_UPDATE_KNOWN=1` rewrites the list from the current run (existing reasons kept).

use serde_json::Value;
use statecraft_tests::{shared_dir, statecraft_bin, workspace};
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn known_failures() -> BTreeMap<String, String> {
    let path = workspace().join("tests/conformance/known-failures.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('#') {
            Some((k, r)) => (k.trim().to_string(), r.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

fn python(args: &[String]) -> String {
    let out = Command::new("python3").args(args).output().expect("python3 runs");
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn conformance_never_regresses() {
    let Some(shared) = shared_dir() else {
        eprintln!("NOTICE: ../shared/conformance not found (set STATECRAFT_SHARED); conformance not run");
        return;
    };
    let bin = statecraft_bin().display().to_string();
    let corpus = shared.join("conformance");
    let report = std::env::temp_dir().join(format!("statecraft-conformance-{}.json", std::process::id()));
    let summary = python(&[
        corpus.join("run.py").display().to_string(),
        "--bin".into(),
        bin.clone(),
        "--report".into(),
        report.display().to_string(),
        "--workers".into(),
        "2".into(),
    ]);
    let accepts = python(&[
        corpus.join("accepts.py").display().to_string(),
        "--bin".into(),
        bin,
        "--list-failures".into(),
    ]);
    let rows: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("report written")).unwrap();
    let _ = std::fs::remove_file(&report);

    let mut failing = BTreeSet::new();
    for r in &rows {
        let name = r["name"].as_str().unwrap_or_default();
        if r["kind"] == "case" {
            if r["output_ok"] != Value::Bool(true) {
                failing.insert(format!("output {name}"));
            }
            if r["has_history"] == Value::Bool(true) && r["history_ok"] != Value::Bool(true) {
                failing.insert(format!("history {name}"));
            }
        } else if r["result_ok"] != Value::Bool(true) || r["diag_ok"] == Value::Bool(false) {
            failing.insert(format!("validation {name}"));
        }
    }
    for line in accepts.lines() {
        if let Some(rest) = line.strip_prefix("REJECTED ") {
            let name = rest.split(':').next().unwrap_or_default();
            failing.insert(format!("accepts {name}"));
        }
    }
    let known = known_failures();
    if std::env::var_os("STATECRAFT_UPDATE_KNOWN").is_some() {
        let mut text = String::from(
            "# Conformance checks that fail today, each with its reason. The list only shrinks.\n\
             # Format: <output|history|validation|accepts> <case>  # reason\n",
        );
        for f in &failing {
            let reason = known.get(f).cloned().unwrap_or_else(|| "TODO: reason".into());
            text.push_str(&format!("{f}  # {reason}\n"));
        }
        std::fs::write(workspace().join("tests/conformance/known-failures.txt"), text).unwrap();
    }
    let last = |s: &str| s.lines().rfind(|l| !l.trim().is_empty()).unwrap_or_default().to_string();
    eprintln!("{}\n{}", last(&summary), last(&accepts));
    let regressions: Vec<_> = failing.iter().filter(|f| !known.contains_key(*f)).collect();
    let fixed: Vec<_> = known.keys().filter(|k| !failing.contains(*k)).collect();
    assert!(regressions.is_empty(), "conformance regressions (not in known-failures.txt):\n{regressions:#?}");
    assert!(
        fixed.is_empty(),
        "these now pass: remove them from tests/conformance/known-failures.txt:\n{fixed:#?}"
    );
}
