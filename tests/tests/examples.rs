//! Every example in `examples/` runs to the outcome its `expected.json` declares, for each of
//! its mock test cases (the key `""` means: run without mocks).

use serde_json::Value;
use statecraft_tests::{json_stdout, statecraft, workspace};

#[test]
fn examples_reach_their_expected_outcomes() {
    let dir = workspace().join("examples");
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples/ exists") {
        let path = entry.expect("readable").path();
        let expected_file = path.join("expected.json");
        if !expected_file.exists() {
            continue;
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&expected_file).unwrap()).unwrap();
        for (case, want) in expected.as_object().expect("expected.json is an object of test cases") {
            let def = path.join("definition.asl.json");
            let input = path.join("input.json");
            let mocks = path.join("mocks.json");
            let mut args = vec![
                "run".to_string(),
                def.display().to_string(),
                "--input-file".into(),
                input.display().to_string(),
                "--clock".into(),
                "virtual".into(),
                "--json".into(),
            ];
            if !case.is_empty() {
                args.extend([
                    "--mock-config".into(),
                    mocks.display().to_string(),
                    "--test-case".into(),
                    case.clone(),
                ]);
                args.extend(["--name".into(), name.clone()]);
            }
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let got = json_stdout(&statecraft(&argv));
            for key in ["status", "output", "error", "cause"] {
                if want.get(key) != got.get(key) && want.get(key).is_some() {
                    failures.push(format!(
                        "{name}/{case}: {key} = {:?}, expected {:?}",
                        got.get(key),
                        want.get(key)
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} example cases found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
