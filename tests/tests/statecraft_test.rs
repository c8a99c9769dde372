//! `statecraft test`: the deliberately failing fixture is reported as failed, with a readable
//! diff, in the text report and in the JUnit XML (parsed back); the definition can come from
//! `DefinitionFile`, `Definition` or `--definition`; broken expectations fail; usage errors
//! exit 2.

use statecraft_tests::{statecraft, workspace};
use std::path::PathBuf;
use std::process::Output;

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("statecraft-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &std::path::Path, name: &str, content: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write");
    p.display().to_string()
}

const PASS_DEF: &str =
    r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"n": 1}, "End": true}}}"#;

#[test]
fn failing_fixture_is_reported_with_a_diff_and_as_junit() {
    let mocks = workspace().join("tests/fixtures/failing-example/mocks.json");
    let dir = scratch("fixture");
    let junit = dir.join("report.xml");
    let out = statecraft(&["test", &mocks.display().to_string(), "--junit", &junit.display().to_string()]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    for line in [
        "running 4 tests",
        "test retry-catch/Passes ... ok",
        "test retry-catch/WrongOutput ... FAILED",
        "test retry-catch/WrongStatus ... FAILED",
        "test retry-catch/NoExpectation ... ignored",
        "---- retry-catch/WrongOutput ----",
        "  - $.outcome: \"approved\"",
        "  + $.outcome: \"declined\"",
        "status: expected SUCCEEDED, got FAILED",
        "actual error: PaymentUnavailable",
        "test result: FAILED. 1 passed; 2 failed; 1 ignored;",
    ] {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }

    let xml = std::fs::read_to_string(&junit).expect("JUnit report written");
    let doc =
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("JUnit is not well-formed ({e}):\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!((root.attribute("tests"), root.attribute("failures")), (Some("4"), Some("2")));
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 1);
    assert_eq!(suites[0].attribute("name"), Some("retry-catch"));
    assert_eq!(suites[0].attribute("skipped"), Some("1"));
    let case = |name: &str| {
        suites[0]
            .children()
            .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("no testcase {name}"))
    };
    assert!(case("Passes").children().all(|n| !n.is_element()));
    let failure =
        case("WrongOutput").children().find(|n| n.has_tag_name("failure")).expect("a failure element");
    let body = failure.text().unwrap_or_default();
    assert!(
        body.contains("- $.outcome: \"approved\"") && body.contains("+ $.outcome: \"declined\""),
        "{body}"
    );
    assert_eq!(failure.attribute("message"), Some("output differs"));
    assert!(case("WrongStatus").children().any(|n| n.has_tag_name("failure")));
    assert!(case("NoExpectation").children().any(|n| n.has_tag_name("skipped")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn definitions_come_from_the_file_inline_or_the_command_line() {
    let dir = scratch("sources");
    write(&dir, "pass.asl.json", PASS_DEF);
    let expect = r#"{"T": {"status": "SUCCEEDED", "output": {"n": 1.0}}}"#;
    // DefinitionFile, relative to the mock file.
    let by_file = write(
        &dir,
        "by-file.json",
        &format!(
            r#"{{"StateMachines": {{"SM": {{"DefinitionFile": "pass.asl.json", "TestCases": {{"T": {{}}}}, "Expectations": {expect}}}}}}}"#
        ),
    );
    // Definition inline, as an object and as text.
    let inline = write(
        &dir,
        "inline.json",
        &format!(
            r#"{{"StateMachines": {{"A": {{"Definition": {PASS_DEF}, "TestCases": {{"T": {{}}}}, "Expectations": {expect}}}, "B": {{"Definition": {}, "TestCases": {{"T": {{}}}}, "Expectations": {expect}}}}}}}"#,
            serde_json::Value::String(PASS_DEF.into())
        ),
    );
    // No definition in the file: --definition.
    let bare = write(
        &dir,
        "bare.json",
        &format!(
            r#"{{"StateMachines": {{"SM": {{"TestCases": {{"T": {{}}}}, "Expectations": {expect}}}}}}}"#
        ),
    );
    let def = dir.join("pass.asl.json").display().to_string();
    for args in [
        vec!["test", by_file.as_str()],
        vec!["test", inline.as_str()],
        vec!["test", inline.as_str(), "--state-machine", "B"],
        vec!["test", bare.as_str(), "--definition", def.as_str()],
    ] {
        let out = statecraft(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    }
    let out = statecraft(&["test", &inline, "--state-machine", "B"]);
    assert!(text(&out).contains("running 1 test\n"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn broken_expectations_and_definitions_fail() {
    let dir = scratch("broken");
    let invalid_def = r#"{"StartAt": "Nowhere", "States": {"P": {"Type": "Pass", "End": true}}}"#;
    let mocks = write(
        &dir,
        "mocks.json",
        &format!(
            r#"{{"StateMachines": {{
                "Good": {{"Definition": {PASS_DEF}, "TestCases": {{"T": {{}}, "U": {{}}}},
                          "Expectations": {{"T": {{"Output": {{"n": 1}}, "colour": "red"}}, "Typo": {{}}, "U": {{"status": "DONE"}}}}}},
                "Bad": {{"Definition": {invalid_def}, "TestCases": {{"T": {{}}}}, "Expectations": {{"T": {{}}}}}},
                "Odd <name> & \"quotes\"": {{"Definition": {PASS_DEF}, "TestCases": {{"a\"b<c>": {{}}}}, "Expectations": {{"a\"b<c>": {{"output": {{"n": 2}}}}}}}}
            }}}}"#
        ),
    );
    let junit = dir.join("junit.xml");
    let out = statecraft(&["test", &mocks, "--junit", &junit.display().to_string()]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    for line in [
        "test Good/T ... FAILED",
        "unknown key 'colour'",
        "test Good/Typo ... FAILED",
        "names test case 'Typo', which is not in TestCases",
        "'status' must be one of",
        "test Bad/T ... FAILED",
        "invalid definition",
        "test Odd <name> & \"quotes\"/a\"b<c> ... FAILED",
        "- $.n: 2",
        "test result: FAILED. 0 passed; 5 failed; 0 ignored;",
    ] {
        assert!(report.contains(line), "missing {line:?} in:\n{report}");
    }
    let xml = std::fs::read_to_string(&junit).expect("JUnit report written");
    let doc =
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("JUnit is not well-formed ({e}):\n{xml}"));
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(names, ["Good", "Bad", "Odd <name> & \"quotes\""]);
    // Cases that could not be checked are JUnit errors; a wrong outcome is a failure.
    let root = doc.root_element();
    assert_eq!((root.attribute("errors"), root.attribute("failures")), (Some("4"), Some("1")), "{xml}");
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("error")).count(), 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch("usage");
    let no_def = write(&dir, "no-def.json", r#"{"StateMachines": {"SM": {"TestCases": {"T": {}}}}}"#);
    let empty = write(
        &dir,
        "empty.json",
        &format!(r#"{{"StateMachines": {{"SM": {{"Definition": {PASS_DEF}, "TestCases": {{}}}}}}}}"#),
    );
    let two = write(
        &dir,
        "two.json",
        &format!(
            r#"{{"StateMachines": {{"A": {{"Definition": {PASS_DEF}, "TestCases": {{"T": {{}}}}}}, "B": {{"Definition": {PASS_DEF}, "TestCases": {{"T": {{}}}}}}}}}}"#
        ),
    );
    let not_json = write(&dir, "not.json", "{");
    let def = write(&dir, "def.json", PASS_DEF);
    let missing = dir.join("missing.json").display().to_string();
    for (args, why) in [
        (vec!["test", missing.as_str()], "cannot read"),
        (vec!["test", not_json.as_str()], "is not JSON"),
        (vec!["test", no_def.as_str()], "has no definition"),
        (vec!["test", empty.as_str()], "has no test cases"),
        (vec!["test", two.as_str(), "--state-machine", "C"], "no state machine named 'C'"),
        (vec!["test", two.as_str(), "--definition", def.as_str()], "choose one with --state-machine"),
        (vec!["test"], "MOCKS"),
    ] {
        let out = statecraft(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(why), "{args:?}: expected {why:?} in {}", text(&out));
    }
    // Test cases without expectations are ignored, which is not a failure.
    let out = statecraft(&["test", &two]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("test result: ok. 0 passed; 0 failed; 2 ignored;"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
