//! `statecraft run`: runs one execution to its end in-process and prints the outcome, as a
//! readable trace or (`--json`) as `{"status", "output", "error", "cause", "history"}`.
//! Exit code: 0 when the execution succeeded, 1 when it did not, 2 for bad input.

use serde_json::{json, Map, Value};
use statecraft_asl::{parse, MachineType};
use statecraft_core::TaskRequest;
use statecraft_core::{Execution, ExecutionInfo, FixedEnv, HistoryEvent, Limits, Status};
use statecraft_runtime::config::ProjectConfig;
use statecraft_runtime::resolvers::{BlockingResolver, ConfiguredInvoker};
use statecraft_runtime::{
    run_to_end, Clock, MockConfig, MockResolver, Outcome, Resolution, Resolver, RunError,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The definition file (ASL JSON).
    definition: PathBuf,
    /// The execution input, as JSON text (default `{}`).
    #[arg(long, conflicts_with = "input_file")]
    input: Option<String>,
    /// A file holding the execution input.
    #[arg(long)]
    input_file: Option<PathBuf>,
    /// A Step Functions Local mock configuration file: Task results come from it.
    #[arg(long)]
    mock_config: Option<PathBuf>,
    /// The test case of the mock file to use.
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    /// The state machine's name (also selects it in the mock file).
    #[arg(long)]
    name: Option<String>,
    /// `real` sleeps through Waits; `virtual` completes them at once, recording the times they
    /// would have had.
    #[arg(long, default_value = "real", value_parser = ["real", "virtual"])]
    clock: String,
    /// STANDARD or EXPRESS.
    #[arg(long = "type", default_value = "STANDARD")]
    machine_type: String,
    /// Enforce AWS's 25,000-event history quota (off by default).
    #[arg(long)]
    history_quota: bool,
    /// The project file mapping resources to what runs them (default: ./statecraft.toml
    /// when present). Mocks win over it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print one JSON object instead of a trace.
    #[arg(long)]
    json: bool,
}

/// Runs tasks through mocks first, then the project's resolvers. The async runtime the
/// resolvers need is created only when a task actually runs.
struct TaskRunner {
    mocks: Option<MockResolver>,
    config: Option<PathBuf>,
    real: Option<BlockingResolver>,
}

impl Resolver for TaskRunner {
    fn resolve(&mut self, request: &TaskRequest, invocation: u32) -> Result<Resolution, RunError> {
        if let Some(m) = &mut self.mocks {
            if m.mocks.has_mock(&request.state_name) {
                return m.resolve(request, invocation);
            }
        }
        if self.real.is_none() {
            let config = match &self.config {
                Some(p) => ProjectConfig::load(p),
                None => ProjectConfig::find(Path::new(".")),
            }
            .map_err(|e| RunError::Task { state: request.state_name.clone(), message: e.to_string() })?;
            let integrations = crate::integrations(&config);
            let invoker = ConfiguredInvoker::new(config)
                .map_err(|e| RunError::Task { state: request.state_name.clone(), message: e.to_string() })?
                .with_integrations(integrations);
            let blocking = BlockingResolver::new(Arc::new(invoker))
                .map_err(|e| RunError::Task { state: request.state_name.clone(), message: e.to_string() })?;
            self.real = Some(blocking);
        }
        match &mut self.real {
            Some(r) => r.resolve(request, invocation),
            None => Err(RunError::Stuck),
        }
    }
}

pub(crate) fn main(args: Args) -> ExitCode {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = if args.json { run_json(&args, &mut out) } else { run_text(&args, &mut out) };
    if let Err(e) = out.flush() {
        eprintln!("statecraft run: cannot write the result: {e}");
    }
    match result {
        Ok(Status::Succeeded) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(msg) => {
            eprintln!("statecraft run: {msg}");
            ExitCode::from(2)
        }
    }
}

/// `{"history": [...], "status", "output", "error", "cause"}`: history is streamed as it is
/// recorded, so a long execution needs no memory for it. A run that cannot finish still ends
/// the object, with `"status": "ERROR"` and a `message`.
fn run_json(args: &Args, out: &mut impl Write) -> Result<Status, String> {
    let mut failed_write = None;
    let mut buf = Vec::with_capacity(1024);
    let mut first = true;
    let _ = out.write_all(b"{\"history\":[");
    let result = run(args, &mut |e: &HistoryEvent| {
        buf.clear();
        if !first {
            buf.push(b',');
        }
        first = false;
        e.write_aws_json(&mut buf, true);
        if let Err(err) = out.write_all(&buf) {
            failed_write.get_or_insert(err);
        }
    });
    let mut tail = Vec::new();
    let status = match &result {
        Ok(outcome) => {
            tail.push(("status", json!(outcome.status.as_str())));
            if let Some(o) = &outcome.output {
                tail.push(("output", o.clone()));
            }
            if let Some(e) = &outcome.error {
                tail.push(("error", json!(e)));
            }
            if let Some(c) = &outcome.cause {
                tail.push(("cause", json!(c)));
            }
            Ok(outcome.status)
        }
        Err(msg) => {
            tail.push(("status", json!("ERROR")));
            tail.push(("message", json!(msg)));
            Err(msg.clone())
        }
    };
    let mut end = b"]".to_vec();
    for (k, v) in tail {
        end.extend_from_slice(format!(",\"{k}\":").as_bytes());
        let _ = serde_json::to_writer(&mut end, &v);
    }
    end.extend_from_slice(b"}\n");
    out.write_all(&end).map_err(|e| e.to_string())?;
    if let Some(e) = failed_write {
        return Err(format!("cannot write the result: {e}"));
    }
    status
}

/// One line per event as it happens, then the outcome.
fn run_text(args: &Args, out: &mut impl Write) -> Result<Status, String> {
    let outcome = run(args, &mut |e: &HistoryEvent| {
        let v = e.to_aws_json(true);
        let details = v
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.ends_with("EventDetails")).map(|(_, d)| d.clone()));
        let name = details.as_ref().and_then(|d| d.get("name")).and_then(Value::as_str).unwrap_or("");
        let _ = writeln!(out, "{:>4}  {:<28} {}", e.id, e.kind.type_name(), name);
    })?;
    let mut lines = vec![format!("status: {}", outcome.status.as_str())];
    if let Some(o) = &outcome.output {
        lines.push(format!("output: {}", serde_json::to_string_pretty(o).unwrap_or_default()));
    }
    if let Some(e) = &outcome.error {
        lines.push(format!("error: {e}"));
    }
    if let Some(c) = &outcome.cause {
        lines.push(format!("cause: {c}"));
    }
    writeln!(out, "{}", lines.join("\n")).map_err(|e| e.to_string())?;
    Ok(outcome.status)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn run(args: &Args, on_event: &mut dyn FnMut(&HistoryEvent)) -> Result<Outcome, String> {
    let machine_type = MachineType::parse(&args.machine_type).ok_or("--type must be STANDARD or EXPRESS")?;
    let text = read(&args.definition)?;
    let def = parse(&text, machine_type).into_result().map_err(|diags| {
        let lines: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        format!("invalid definition {}:\n{}", args.definition.display(), lines.join("\n"))
    })?;
    let input: Value = match (&args.input, &args.input_file) {
        (Some(s), _) => serde_json::from_str(s).map_err(|e| format!("--input is not JSON: {e}"))?,
        (None, Some(p)) => {
            serde_json::from_str(&read(p)?).map_err(|e| format!("{} is not JSON: {e}", p.display()))?
        }
        (None, None) => Value::Object(Map::new()),
    };
    let sm_name = args.name.clone().unwrap_or_else(|| {
        args.definition
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "StateMachine".into())
    });
    let mocks = match &args.mock_config {
        Some(p) => {
            let doc: Value =
                serde_json::from_str(&read(p)?).map_err(|e| format!("{} is not JSON: {e}", p.display()))?;
            let case = args.test_case.as_deref().ok_or("--mock-config needs --test-case")?;
            Some(MockConfig::from_file(&doc, args.name.as_deref(), case).map_err(|e| e.to_string())?)
        }
        None => None,
    };
    let seed = crate::env::os_seed();
    let start = crate::env::now_millis();
    let exec_name = statecraft_core::ids::uuid(&FixedEnv::new(start, seed));
    let (region, account) = ("us-east-1", "123456789012");
    let sm_arn = format!("arn:aws:states:{region}:{account}:stateMachine:{sm_name}");
    let info = ExecutionInfo {
        execution_arn: format!("arn:aws:states:{region}:{account}:execution:{sm_name}:{exec_name}"),
        name: exec_name,
        state_machine_arn: sm_arn,
        state_machine_name: sm_name,
        role_arn: format!("arn:aws:iam::{account}:role/statecraft"),
        region: region.into(),
        account: account.into(),
        start_time: start,
        input,
        redrive_count: 0,
    };
    let limits = Limits { max_history_events: args.history_quota.then_some(25_000), ..Limits::default() };
    let exec = Execution::new(info, limits);
    let mut resolver = TaskRunner {
        mocks: mocks.map(|mocks| MockResolver { mocks }),
        config: args.config.clone(),
        real: None,
    };
    let outcome = if args.clock == "virtual" {
        let env = FixedEnv::new(start, seed);
        run_to_end(&def, exec, &mut resolver, Clock::Virtual(&env), on_event)
    } else {
        let env = crate::env::SystemEnv::new();
        run_to_end(&def, exec, &mut resolver, Clock::Real(&env), on_event)
    };
    outcome.map_err(|e| e.to_string())
}
