//! `statecraft graph`: every example drawn in every format; statuses marked; an invalid
//! definition gives the validator's diagnostics and exit 1, never a panic; usage errors exit 2.

use statecraft_tests::{statecraft, workspace};

fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn draws_every_example_in_every_format() {
    let mut drawn = 0;
    let mut examples: Vec<_> = std::fs::read_dir(workspace().join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path().join("definition.asl.json")))
        .filter(|p| p.exists())
        .collect();
    examples.sort();
    for def in examples {
        let def = def.display().to_string();
        for format in ["svg", "dot", "mermaid"] {
            let out = statecraft(&["graph", &def, "--format", format]);
            assert_eq!(out.status.code(), Some(0), "{def} {format}: {}", text(&out));
            let body = String::from_utf8_lossy(&out.stdout);
            let head = match format {
                "svg" => "<svg ",
                "dot" => "digraph statecraft {",
                _ => "flowchart TD",
            };
            assert!(body.starts_with(head), "{def} {format}: {body}");
            if format == "svg" {
                roxmltree::Document::parse(&body)
                    .unwrap_or_else(|e| panic!("{def}: SVG not well-formed: {e}"));
            }
            drawn += 1;
        }
    }
    assert!(drawn >= 15, "only {drawn} drawings");
}

#[test]
fn statuses_are_drawn() {
    let dir = std::env::temp_dir().join(format!("statecraft-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let statuses = dir.join("statuses.json");
    std::fs::write(&statuses, r#"{"ChargeCard": "FAILED", "NotifyDeclined": "succeeded"}"#).expect("write");
    let def = workspace().join("examples/retry-catch/definition.asl.json").display().to_string();
    let s = statuses.display().to_string();
    let out = statecraft(&["graph", &def, "--statuses", &s, "--title", "retry <&> \"catch\""]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let svg = String::from_utf8_lossy(&out.stdout).into_owned();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed");
    let status_of = |name: &str| {
        doc.descendants()
            .find(|n| n.attribute("data-state") == Some(name))
            .and_then(|n| n.attribute("data-status").map(str::to_string))
    };
    assert_eq!(status_of("ChargeCard").as_deref(), Some("failed"));
    assert_eq!(status_of("NotifyDeclined").as_deref(), Some("succeeded"));
    assert_eq!(status_of("Done"), None);
    let title = doc.descendants().find(|n| n.has_tag_name("title")).and_then(|n| n.text());
    assert_eq!(title, Some("retry <&> \"catch\""));
    let out = statecraft(&["graph", &def, "--statuses", &s, "--format", "mermaid"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("class n1 statusFailed"), "{}", text(&out));

    std::fs::write(&statuses, r#"{"ChargeCard": "EXPLODED"}"#).expect("write");
    let out = statecraft(&["graph", &def, "--statuses", &s]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_definitions_give_diagnostics() {
    let dir = std::env::temp_dir().join(format!("statecraft-graph-invalid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        (
            "unreachable.json",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Pass", "End": true}}}"#,
        ),
        ("missing-next.json", r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}"#),
        ("not-json.json", r#"{"StartAt": "#),
        ("empty.json", ""),
        ("array.json", "[1, 2]"),
    ];
    for (name, body) in cases {
        let p = dir.join(name);
        std::fs::write(&p, body).expect("write");
        for format in ["svg", "dot", "mermaid"] {
            let out = statecraft(&["graph", &p.display().to_string(), "--format", format]);
            let all = text(&out);
            assert_eq!(out.status.code(), Some(1), "{name} {format}: {all}");
            assert!(all.contains("invalid definition") && !all.contains("panicked"), "{name}: {all}");
            assert!(out.stdout.is_empty(), "{name}: drew something anyway");
        }
    }
    let out = statecraft(&["graph", &dir.join("unreachable.json").display().to_string()]);
    assert!(text(&out).contains("MISSING_TRANSITION_TARGET"), "{}", text(&out));
    let out = statecraft(&["graph", &dir.join("nope.json").display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let def = workspace().join("examples/hello-world/definition.asl.json").display().to_string();
    let out = statecraft(&["graph", &def, "--format", "png"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
