//! `statecraft serve`: the Step Functions JSON API on one machine. Executions are durable in
//! SQLite under the data directory; on start, every timer is re-armed and every task that was in
//! flight is resumed. Binds to loopback by default; any other address needs a bearer token.

use statecraft_api::{router, with_auth, AuthConfig, RouterConfig};
use statecraft_local::SqliteStore;
use statecraft_runtime::config::ProjectConfig;
use statecraft_runtime::engine::{Engine, EngineConfig};
use statecraft_runtime::invoke::{MockInvoker, TaskInvoker};
use statecraft_runtime::resolvers::webhook::WebhookActivities;
use statecraft_runtime::resolvers::ConfiguredInvoker;
use statecraft_runtime::MockConfig;
use statecraft_service::Service;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Address to listen on. Anything but loopback requires --token.
    #[arg(long, default_value = "127.0.0.1:8083")]
    bind: SocketAddr,
    /// Where executions are stored (default: the project file's `data_dir`, `.statecraft`).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// The project file (default: ./statecraft.toml when present): what runs each Task resource.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Bearer token every API request must carry (also read from STATECRAFT_TOKEN). AWS
    /// clients, which sign requests instead, pass it as their access key id.
    #[arg(long, env = "STATECRAFT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Region of the ARNs this server issues (default: the project file's, us-east-1).
    #[arg(long)]
    region: Option<String>,
    /// Account of the ARNs this server issues (default: the project file's, 123456789012).
    #[arg(long)]
    account: Option<String>,
    /// Answer Task states from a Step Functions Local mock file (with --test-case).
    #[arg(long)]
    mock_config: Option<PathBuf>,
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    /// Enforce AWS's 25,000-event history quota.
    #[arg(long)]
    history_quota: bool,
    /// Create a state machine for each `DIR/*/definition.asl.json` (named after its folder)
    /// that does not exist yet.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Start one execution of this seeded state machine (with its folder's input.json).
    #[arg(long, requires = "seed")]
    start: Option<String>,
    /// How long GetActivityTask holds a request when no task is waiting (AWS: 60 s). Hidden:
    /// for tests, which should not wait a minute to see an empty poll.
    #[arg(long, hide = true, value_name = "SECONDS", default_value_t = 60)]
    activity_poll_seconds: u64,
    /// How long an Express execution may run (AWS: 300 s); lowered by tests.
    #[arg(long, hide = true, default_value_t = 300)]
    express_limit_seconds: u64,
}

/// Creates the example state machines and starts one execution (`make run`).
async fn seed(
    service: &dyn statecraft_api::StepFunctions,
    dir: &std::path::Path,
    start: Option<&str>,
    scope: &statecraft_service::Scope,
) -> Result<Vec<String>, String> {
    use statecraft_api::types::{CreateStateMachineInput, StartExecutionInput};
    let mut created = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let def = entry.path().join("definition.asl.json");
        let Ok(definition) = std::fs::read_to_string(&def) else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        let input = CreateStateMachineInput {
            name: name.clone(),
            definition,
            role_arn: format!("arn:aws:iam::{}:role/statecraft", scope.account),
            ..Default::default()
        };
        match service.create_state_machine(input).await {
            Ok(o) => created.push(o.state_machine_arn),
            Err(e) if e.code() == statecraft_api::ErrorCode::StateMachineAlreadyExists => {}
            Err(e) => return Err(format!("{}: {}", def.display(), e.message())),
        }
    }
    let mut lines = Vec::new();
    if let Some(name) = start {
        let input = std::fs::read_to_string(dir.join(name).join("input.json")).ok();
        let out = service
            .start_execution(StartExecutionInput {
                state_machine_arn: scope.state_machine_arn(name),
                input,
                ..Default::default()
            })
            .await
            .map_err(|e| format!("starting {name}: {}", e.message()))?;
        lines.push(out.execution_arn);
    }
    Ok(created.into_iter().chain(lines).collect())
}

pub(crate) fn main(args: Args) -> ExitCode {
    if !args.bind.ip().is_loopback() && args.token.is_none() {
        eprintln!(
            "statecraft serve: refusing to listen on {} without a token: set --token or STATECRAFT_TOKEN (or bind to 127.0.0.1)",
            args.bind
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("statecraft serve: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("statecraft serve: {e}");
            ExitCode::from(1)
        }
    }
}

fn project(args: &Args) -> Result<ProjectConfig, String> {
    match &args.config {
        Some(p) => ProjectConfig::load(p),
        None => ProjectConfig::find(std::path::Path::new(".")),
    }
    .map_err(|e| e.to_string())
}

fn invoker(args: &Args, project: &ProjectConfig) -> Result<Arc<dyn TaskInvoker>, String> {
    let mut invoker = ConfiguredInvoker::new(project.clone())
        .map_err(|e| e.to_string())?
        .with_integrations(crate::integrations(project));
    if let Some(p) = &args.mock_config {
        let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", p.display()))?;
        let case = args.test_case.as_deref().ok_or("--mock-config needs --test-case")?;
        let mocks = MockConfig::from_file(&doc, None, case).map_err(|e| e.to_string())?;
        invoker = invoker.with_mocks(MockInvoker::new(mocks));
    }
    Ok(Arc::new(invoker))
}

async fn serve(args: Args) -> Result<(), String> {
    let project = project(&args)?;
    let data_dir = args.data_dir.clone().unwrap_or_else(|| project.data_dir.clone());
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let store = SqliteStore::open(&data_dir)
        .map_err(|e| format!("cannot open the store in {}: {e}", data_dir.display()))?;
    let config = EngineConfig {
        region: args.region.clone().unwrap_or_else(|| project.region.clone()),
        account: args.account.clone().unwrap_or_else(|| project.account.clone()),
        limits: statecraft_core::Limits {
            max_history_events: args.history_quota.then_some(25_000),
            ..Default::default()
        },
        activity_poll: std::time::Duration::from_secs(args.activity_poll_seconds),
    };
    let engine = Engine::new(Arc::new(store), invoker(&args, &project)?, config);
    if let Some(n) = &project.notifications {
        let origin = statecraft_runtime::notify::Origin {
            region: engine.config().region.clone(),
            account: engine.config().account.clone(),
        };
        let notifier = statecraft_runtime::notify::Notifier::new(origin, n.clone(), Default::default())?;
        engine.set_observer(Arc::new(notifier));
    }
    if !project.activities.is_empty() {
        let push = WebhookActivities::new(project.clone()).map_err(|e| e.to_string())?;
        engine.set_activity_push(Arc::new(push));
    }
    let resumed = engine.recover().await.map_err(|e| format!("recovery failed: {e}"))?;
    let concrete = Service::new(engine.clone())
        .with_express_limit(std::time::Duration::from_secs(args.express_limit_seconds));
    engine.set_nested(Arc::new(concrete.clone()));
    let scope = concrete.scope().clone();
    let service: Arc<dyn statecraft_api::StepFunctions> = Arc::new(concrete);
    let mut seeded = Vec::new();
    if let Some(dir) = &args.seed {
        seeded = seed(service.as_ref(), dir, args.start.as_deref(), &scope).await?;
    }
    let starter = Arc::new(crate::triggers::ApiStarter { service: service.clone(), scope: scope.clone() });
    let ledger = statecraft_runtime::triggers::FileLedger::open(&data_dir.join("triggers.json"))?;
    let clock = Arc::new(statecraft_runtime::triggers::SystemClock);
    let triggers = statecraft_runtime::triggers::spawn(&project, starter, clock, Arc::new(ledger))?;
    let mut app =
        router(service.clone(), &RouterConfig::default()).merge(statecraft_api::callback::router(service));
    let mut public = vec!["/callback/"];
    if !triggers.start_urls.is_empty() {
        app = app.merge(crate::triggers::router(triggers.start_urls.clone()));
        public.push("/start/");
    }
    let auth = match &args.token {
        Some(t) => AuthConfig::bearer(t.clone()).with_sigv4_access_key(true).with_public_prefixes(public),
        None => AuthConfig::default(),
    };
    let app = with_auth(app, auth);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| format!("cannot bind {}: {e}", args.bind))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "statecraft serve: listening on http://{local} (data in {}, {resumed} execution(s) resumed)",
        data_dir.display()
    );
    eprintln!("  aws stepfunctions --endpoint-url http://{local} list-state-machines");
    for t in &project.triggers {
        eprintln!("  trigger {} starts {}", t.name, t.state_machine);
    }
    for arn in &seeded {
        if arn.contains(":execution:") {
            eprintln!(
                "  aws stepfunctions --endpoint-url http://{local} describe-execution --execution-arn {arn}"
            );
            eprintln!("  aws stepfunctions --endpoint-url http://{local} get-execution-history --execution-arn {arn}");
        } else {
            eprintln!("  created {arn}");
        }
    }
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        eprintln!("  (the aws CLI needs some credentials, any will do: AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION={})", scope.region);
    }
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string());
    drop(triggers);
    served
}
