//! `statecraft serve`: the Step Functions JSON API on one machine. Executions are durable in
//! SQLite under the data directory; on start, every timer is re-armed and every task that was in
//! flight is resumed. Binds to loopback by default; any other address needs a bearer token.

use statecraft_api::{router, with_auth, AuthConfig, RouterConfig};
use statecraft_local::SqliteStore;
use statecraft_runtime::engine::{Engine, EngineConfig};
use statecraft_runtime::invoke::{MockInvoker, TaskInvoker};
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
    /// Where executions are stored.
    #[arg(long, default_value = ".statecraft")]
    data_dir: PathBuf,
    /// Bearer token every API request must carry (also read from STATECRAFT_TOKEN). AWS
    /// clients, which sign requests instead, pass it as their access key id.
    #[arg(long, env = "STATECRAFT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Region of the ARNs this server issues.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Account of the ARNs this server issues.
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// Answer Task states from a Step Functions Local mock file (with --test-case).
    #[arg(long)]
    mock_config: Option<PathBuf>,
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    /// Enforce AWS's 25,000-event history quota.
    #[arg(long)]
    history_quota: bool,
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

fn invoker(args: &Args) -> Result<Arc<dyn TaskInvoker>, String> {
    let mocks = match &args.mock_config {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", p.display()))?;
            let case = args.test_case.as_deref().ok_or("--mock-config needs --test-case")?;
            MockConfig::from_file(&doc, None, case).map_err(|e| e.to_string())?
        }
        None => MockConfig::default(),
    };
    Ok(Arc::new(MockInvoker::new(mocks)))
}

async fn serve(args: Args) -> Result<(), String> {
    std::fs::create_dir_all(&args.data_dir).map_err(|e| format!("cannot create {}: {e}", args.data_dir.display()))?;
    let store = SqliteStore::open(&args.data_dir).map_err(|e| format!("cannot open the store in {}: {e}", args.data_dir.display()))?;
    let config = EngineConfig {
        region: args.region.clone(),
        account: args.account.clone(),
        limits: statecraft_core::Limits {
            max_history_events: args.history_quota.then_some(25_000),
            ..Default::default()
        },
        ..EngineConfig::default()
    };
    let engine = Engine::new(Arc::new(store), invoker(&args)?, config);
    let resumed = engine.recover().await.map_err(|e| format!("recovery failed: {e}"))?;
    let service = Arc::new(Service::new(engine));
    let app = router(service, &RouterConfig::default());
    let auth = match &args.token {
        Some(t) => AuthConfig::bearer(t.clone()).with_sigv4_access_key(true),
        None => AuthConfig::default(),
    };
    let app = with_auth(app, auth);
    let listener = tokio::net::TcpListener::bind(args.bind).await.map_err(|e| format!("cannot bind {}: {e}", args.bind))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!(
        "statecraft serve: listening on http://{local} (data in {}, {resumed} execution(s) resumed)",
        args.data_dir.display()
    );
    eprintln!("  aws stepfunctions --endpoint-url http://{local} list-state-machines");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
