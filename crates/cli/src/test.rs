//! `statecraft test`: runs every test case of a Step Functions Local mock file against its
//! definition and checks each outcome against an expectation written in the same file.
//!
//! # The mock file extension
//!
//! Two keys are added to each state machine of `StateMachines`, next to `TestCases`. Step
//! Functions Local does not use them and the file keeps its shape otherwise, so the same file
//! is meant to stay usable there (not checked against Step Functions Local itself, which is
//! not available here):
//!
//! ```json
//! {
//!   "StateMachines": {
//!     "retry-catch": {
//!       "DefinitionFile": "definition.asl.json",
//!       "TestCases": { "Declined": { "ChargeCard": "Declined" } },
//!       "Expectations": {
//!         "Declined": {
//!           "inputFile": "input.json",
//!           "status": "SUCCEEDED",
//!           "output": { "outcome": "declined" }
//!         }
//!       }
//!     }
//!   },
//!   "MockedResponses": { "Declined": { "0": { "Throw": { "Error": "CardDeclined" } } } }
//! }
//! ```
//!
//! - The definition: `--definition FILE` (when one state machine is tested), else
//!   `DefinitionFile` (a path relative to the mock file), else `Definition` (the ASL object
//!   itself, or its JSON text as a string).
//! - `Expectations` maps test case names to what the execution must do, with the field names
//!   of DescribeExecution (matched case-insensitively):
//!   - `input` (JSON) or `inputFile` (a path relative to the mock file): the execution input,
//!     `{}` when neither is given;
//!   - `status`: `SUCCEEDED` (the default), `FAILED`, `TIMED_OUT` or `ABORTED`;
//!   - `output`: the output, compared as JSON (numbers by value), when given;
//!   - `error`, `cause`: strings (or `null` for none), compared when given.
//!
//!   A test case without an expectation is reported as ignored; an expectation naming no test
//!   case, or with unknown keys, fails.
//!
//! # Runs
//!
//! Each case runs in-process on the virtual clock (Waits complete at once), with the mocks of
//! its test case. So that outputs are reproducible, the execution starts at
//! 2024-01-01T00:00:00Z, is named after the test case, and its randomness has a fixed seed;
//! AWS's 25,000-event history quota is enforced, so a runaway loop fails instead of hanging.
//!
//! The report is `cargo test`'s (`test NAME/CASE ... ok|FAILED|ignored`, the differences of
//! each failure, a summary line); `--junit FILE` also writes JUnit XML. Exit code: 0 when
//! every case passed, 1 when one failed, 2 for usage errors (unreadable files, an unknown
//! state machine, a missing definition, no test cases at all).

mod diff;
mod junit;
mod spec;

use serde_json::Value;
use statecraft_asl::{Definition, MachineType};
use statecraft_core::{Execution, ExecutionInfo, FixedEnv, Limits};
use statecraft_runtime::{run_to_end, Clock, MockConfig, MockResolver};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The format, in short, for `statecraft test --help`.
const FORMAT_HELP: &str = "\
The mock file is Step Functions Local's, with two keys added next to each state machine's
\"TestCases\" (keys Step Functions Local does not use):

  \"DefinitionFile\": \"definition.asl.json\"      (relative to the mock file; or \"Definition\": {...})
  \"Expectations\": {
    \"CASE\": {\"input\": {...} | \"inputFile\": \"input.json\",
             \"status\": \"SUCCEEDED\", \"output\": {...}, \"error\": \"...\", \"cause\": \"...\"}
  }

Each case runs on the virtual clock from 2024-01-01T00:00:00Z with a fixed random seed. Only
the fields given are compared (status defaults to SUCCEEDED); a case without an expectation is
ignored. Exit 0 when every case passed, 1 when one failed, 2 for usage errors.";

#[derive(clap::Args)]
#[command(after_help = FORMAT_HELP)]
pub(crate) struct Args {
    /// The Step Functions Local mock file, with `Expectations` (format below).
    mocks: PathBuf,
    /// Test only this state machine of the mock file.
    #[arg(long)]
    state_machine: Option<String>,
    /// The definition to test (instead of the mock file's `DefinitionFile`).
    #[arg(long)]
    definition: Option<PathBuf>,
    /// Also write the results as JUnit XML to this file.
    #[arg(long)]
    junit: Option<PathBuf>,
    /// STANDARD or EXPRESS.
    #[arg(long = "type", default_value = "STANDARD")]
    machine_type: String,
}

/// 2024-01-01T00:00:00Z, when every test execution starts.
const START_MILLIS: i64 = 1_704_067_200_000;
const SEED: u64 = 0x5EED_5EED_5EED_5EED;
const HISTORY_QUOTA: u64 = 25_000;

pub(super) enum Verdict {
    Passed,
    Ignored(String),
    /// The outcome differs from the expectation: the differences.
    Failed(String),
    /// The case could not be checked (broken expectation, invalid definition or mocks, an
    /// execution that cannot finish): why. Reported as a failure; JUnit calls it an error.
    Errored(String),
}

pub(super) struct CaseResult {
    pub(super) name: String,
    pub(super) verdict: Verdict,
    pub(super) time: Duration,
}

pub(crate) fn main(args: Args) -> ExitCode {
    match run(&args) {
        Ok(all_passed) => {
            if all_passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(msg) => {
            eprintln!("statecraft test: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<bool, String> {
    let machine_type = MachineType::parse(&args.machine_type).ok_or("--type must be STANDARD or EXPRESS")?;
    let text = std::fs::read(&args.mocks)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("cannot read {}: {e}", args.mocks.display()))?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", args.mocks.display()))?;
    let selection = spec::Selection {
        state_machine: args.state_machine.as_deref(),
        definition: args.definition.as_deref(),
        machine_type,
    };
    let plan = spec::plan(&doc, &args.mocks, &selection)?;
    let total: usize = plan.suites.iter().map(|s| s.cases.len()).sum();
    if total == 0 {
        return Err(format!("{} has no test cases", args.mocks.display()));
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let started = Instant::now();
    let _ = writeln!(out, "\nrunning {total} test{}", if total == 1 { "" } else { "s" });
    let mut results = Vec::new();
    for suite in &plan.suites {
        let mut cases = Vec::new();
        for case in &suite.cases {
            let t0 = Instant::now();
            let verdict = match (&case.plan, &suite.definition) {
                (spec::CasePlan::Ignored, _) => Verdict::Ignored("no expectation for this test case".into()),
                (spec::CasePlan::Broken(msg), _) => Verdict::Errored(format!("{msg}\n")),
                (spec::CasePlan::Run(_), Err(msg)) => Verdict::Errored(format!("{msg}\n")),
                (spec::CasePlan::Run(want), Ok(def)) => run_case(def, &doc, &suite.name, &case.name, want),
            };
            let word = match verdict {
                Verdict::Passed => "ok",
                Verdict::Ignored(_) => "ignored",
                Verdict::Failed(_) | Verdict::Errored(_) => "FAILED",
            };
            let _ = writeln!(out, "test {}/{} ... {word}", suite.name, case.name);
            cases.push(CaseResult { name: case.name.clone(), verdict, time: t0.elapsed() });
        }
        results.push(junit::SuiteResult { name: suite.name.clone(), cases });
    }

    let failed: Vec<(String, &str)> = results
        .iter()
        .flat_map(|s| {
            s.cases.iter().filter_map(move |c| match &c.verdict {
                Verdict::Failed(report) | Verdict::Errored(report) => {
                    Some((format!("{}/{}", s.name, c.name), report.as_str()))
                }
                _ => None,
            })
        })
        .collect();
    let count =
        |f: fn(&Verdict) -> bool| results.iter().flat_map(|s| &s.cases).filter(|c| f(&c.verdict)).count();
    let passed = count(|v| matches!(v, Verdict::Passed));
    let ignored = count(|v| matches!(v, Verdict::Ignored(_)));
    let mut summary = String::new();
    if !failed.is_empty() {
        summary.push_str("\nfailures:\n");
        for (name, report) in &failed {
            let _ = write!(summary, "\n---- {name} ----\n{report}");
        }
        summary.push_str("\nfailures:\n");
        for (name, _) in &failed {
            let _ = writeln!(summary, "    {name}");
        }
    }
    let _ = writeln!(
        summary,
        "\ntest result: {}. {passed} passed; {} failed; {ignored} ignored; finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = out.write_all(summary.as_bytes());
    let _ = out.flush();

    if let Some(path) = &args.junit {
        std::fs::write(path, junit::render(&results))
            .map_err(|e| format!("cannot write the JUnit report {}: {e}", path.display()))?;
    }
    Ok(failed.is_empty())
}

/// Runs one test case and compares its outcome.
fn run_case(def: &Definition, doc: &Value, sm_name: &str, case: &str, want: &spec::Expectation) -> Verdict {
    let mocks = match MockConfig::from_file(doc, Some(sm_name), case) {
        Ok(m) => m,
        Err(e) => return Verdict::Errored(format!("the mocks of this test case cannot be used: {e}\n")),
    };
    let (region, account) = ("us-east-1", "123456789012");
    let sm_arn = format!("arn:aws:states:{region}:{account}:stateMachine:{sm_name}");
    let info = ExecutionInfo {
        execution_arn: format!("arn:aws:states:{region}:{account}:execution:{sm_name}:{case}"),
        name: case.to_string(),
        state_machine_arn: sm_arn,
        state_machine_name: sm_name.to_string(),
        role_arn: format!("arn:aws:iam::{account}:role/statecraft"),
        region: region.into(),
        account: account.into(),
        start_time: START_MILLIS,
        input: want.input.clone(),
        redrive_count: 0,
    };
    let limits = Limits { max_history_events: Some(HISTORY_QUOTA), ..Limits::default() };
    let exec = Execution::new(info, limits);
    let mut resolver = MockResolver { mocks };
    let env = FixedEnv::new(START_MILLIS, SEED);
    match run_to_end(def, exec, &mut resolver, Clock::Virtual(&env), &mut |_| {}) {
        Ok(outcome) => match diff::check(want, &outcome) {
            None => Verdict::Passed,
            Some(report) => Verdict::Failed(report),
        },
        Err(e) => Verdict::Errored(format!("the execution could not finish: {e}\n")),
    }
}
