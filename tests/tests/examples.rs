//! Every example in `examples/` passes `statecraft test` on its `mocks.json`, whose
//! `Expectations` declare the outcome of each test case; the JUnit report agrees.

use statecraft_tests::{statecraft, workspace};

#[test]
fn examples_pass_statecraft_test() {
    let dir = workspace().join("examples");
    let junit = std::env::temp_dir().join(format!("statecraft-examples-{}.xml", std::process::id()));
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> =
        std::fs::read_dir(&dir).expect("examples/ exists").filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let mocks = path.join("mocks.json");
        if !mocks.exists() {
            continue;
        }
        let out =
            statecraft(&["test", &mocks.display().to_string(), "--junit", &junit.display().to_string()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(0) {
            failures.push(format!(
                "{}: exit {:?}\n{stdout}{}",
                path.display(),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let xml = std::fs::read_to_string(&junit).expect("JUnit report written");
        let doc = roxmltree::Document::parse(&xml).expect("JUnit report is well-formed");
        let cases = doc.descendants().filter(|n| n.has_tag_name("testcase")).count();
        let failed =
            doc.descendants().filter(|n| n.has_tag_name("failure") || n.has_tag_name("skipped")).count();
        assert_eq!(failed, 0, "{}: {xml}", path.display());
        assert_eq!(stdout.matches(" ... ok").count(), cases, "{stdout}");
        checked += cases;
    }
    let _ = std::fs::remove_file(&junit);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 10, "only {checked} example cases found");
}
