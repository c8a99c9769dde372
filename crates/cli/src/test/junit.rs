//! JUnit XML, the report format CI systems read: `<testsuites>`, one `<testsuite>` per state
//! machine, one `<testcase>` per test case (`classname` is the state machine), a `<failure>`
//! holding the differences, an `<error>` for a case that could not be checked, `<skipped>` for
//! cases without an expectation.

use super::{CaseResult, Verdict};
use statecraft_graph::escape::xml;
use std::fmt::Write;
use std::time::Duration;

/// The results of one state machine.
pub(super) struct SuiteResult {
    pub(super) name: String,
    pub(super) cases: Vec<CaseResult>,
}

pub(super) fn render(suites: &[SuiteResult]) -> String {
    let count = |pred: fn(&Verdict) -> bool| {
        suites.iter().flat_map(|s| &s.cases).filter(|c| pred(&c.verdict)).count()
    };
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures = count(|v| matches!(v, Verdict::Failed(_)));
    let errors = count(|v| matches!(v, Verdict::Errored(_)));
    let skipped = count(|v| matches!(v, Verdict::Ignored(_)));
    let total: Duration = suites.iter().flat_map(|s| &s.cases).map(|c| c.time).sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        r#"<testsuites name="statecraft test" tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}" time="{}">"#,
        secs(total)
    );
    for suite in suites {
        let failed = suite.cases.iter().filter(|c| matches!(c.verdict, Verdict::Failed(_))).count();
        let errors = suite.cases.iter().filter(|c| matches!(c.verdict, Verdict::Errored(_))).count();
        let skipped = suite.cases.iter().filter(|c| matches!(c.verdict, Verdict::Ignored(_))).count();
        let time: Duration = suite.cases.iter().map(|c| c.time).sum();
        let _ = writeln!(
            s,
            r#"  <testsuite name="{}" tests="{}" failures="{failed}" errors="{errors}" skipped="{skipped}" time="{}">"#,
            xml(&suite.name),
            suite.cases.len(),
            secs(time)
        );
        for case in &suite.cases {
            let open = format!(
                r#"    <testcase name="{}" classname="{}" time="{}""#,
                xml(&case.name),
                xml(&suite.name),
                secs(case.time)
            );
            match &case.verdict {
                Verdict::Passed => {
                    let _ = writeln!(s, "{open}/>");
                }
                Verdict::Ignored(reason) => {
                    let _ =
                        writeln!(s, "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>", xml(reason));
                }
                Verdict::Failed(report) | Verdict::Errored(report) => {
                    let (tag, kind) = match case.verdict {
                        Verdict::Failed(_) => ("failure", "ExpectationMismatch"),
                        _ => ("error", "CannotRun"),
                    };
                    let first = report.lines().next().unwrap_or("failed").trim_end_matches(':');
                    let _ = writeln!(
                        s,
                        "{open}>\n      <{tag} message=\"{}\" type=\"{kind}\">{}</{tag}>\n    </testcase>",
                        xml(first),
                        xml(report)
                    );
                }
            }
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    s
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}
