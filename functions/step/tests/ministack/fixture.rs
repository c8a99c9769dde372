//! The deployment the ministack tests share (see `main.rs`): ministack started and
//! `template.yaml` deployed once per test binary, and a test's client for it (the API through
//! API Gateway, SigV4-signed; SQS; Lambda), with the history helpers the scenarios assert with.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub(crate) const REGION: &str = "us-east-1";
pub(crate) const LIMIT: Duration = Duration::from_secs(120);

/// What the deployment is: plain data, shared by every test (each builds its own clients on
/// its own runtime).
#[derive(Debug, Clone)]
pub(crate) struct Deployment {
    pub(crate) endpoint: String,
    pub(crate) port: u16,
    pub(crate) api_id: String,
    pub(crate) deployed: Value,
}

static DEPLOYMENT: OnceLock<Option<Deployment>> = OnceLock::new();

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The two bootstraps: this package's, and the api function's next to it; or both from
/// `STATECRAFT_BOOTSTRAP_DIR` (e.g. `target/release`, relative to the workspace, to measure
/// release builds).
pub(crate) fn bootstraps() -> (PathBuf, PathBuf) {
    let step = match std::env::var_os("STATECRAFT_BOOTSTRAP_DIR") {
        Some(dir) => workspace().join(dir).join(format!("statecraft-step{}", std::env::consts::EXE_SUFFIX)),
        None => PathBuf::from(env!("CARGO_BIN_EXE_statecraft-step")),
    };
    assert!(step.exists(), "{} does not exist", step.display());
    let api = step.with_file_name(format!("statecraft-api{}", std::env::consts::EXE_SUFFIX));
    assert!(
        api.exists(),
        "{} was not built: cargo builds a package's binaries only for its own integration tests; \
         run `make test-ministack` (cargo test -p statecraft-api-fn -p statecraft-step) or \
         `cargo test --workspace`",
        api.display()
    );
    (step, api)
}

/// Starts ministack and deploys, once per test binary; `None` (after the loud notice) when
/// Python, venv or pip is missing, unless STATECRAFT_E2E_REQUIRED=1 (then it panics).
pub(crate) fn deployment() -> Option<&'static Deployment> {
    DEPLOYMENT.get_or_init(deploy).as_ref()
}

fn deploy() -> Option<Deployment> {
    let (step, api) = bootstraps();
    let infra = workspace().join("infra/ministack");
    let out = Command::new("bash")
        .arg(infra.join("start.sh"))
        .env("MINISTACK_PARENT_PID", std::process::id().to_string())
        .stderr(Stdio::inherit())
        .output()
        .expect("run infra/ministack/start.sh");
    match out.status.code() {
        Some(0) => {}
        Some(2) => {
            statecraft_tests::python::skip_or_fail(
                "the deployed-shape serverless tests (ministack)",
                "Python 3 with venv and pip is needed to install ministack (see infra/ministack/start.sh above)",
            );
            return None;
        }
        _ => panic!("infra/ministack/start.sh failed ({}); see its output above", out.status),
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let endpoint = stdout.lines().last().unwrap_or_default().trim().to_string();
    let port: u16 = endpoint.rsplit(':').next().and_then(|p| p.parse().ok()).expect("endpoint with a port");
    let python =
        Command::new("bash").arg(infra.join("deps.sh")).output().expect("run infra/ministack/deps.sh");
    assert!(python.status.success(), "infra/ministack/deps.sh failed after start.sh succeeded");
    let python = String::from_utf8_lossy(&python.stdout).trim().to_string();
    let t0 = Instant::now();
    let out = Command::new(python)
        .arg(infra.join("deploy.py"))
        .arg(&endpoint)
        .arg("--template")
        .arg(workspace().join("template.yaml"))
        .arg("--step")
        .arg(&step)
        .arg("--api")
        .arg(&api)
        .arg("--worker")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/worker_bootstrap.py"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run infra/ministack/deploy.py");
    assert!(out.status.success(), "infra/ministack/deploy.py failed ({}); see above", out.status);
    let deployed: Value = serde_json::from_slice(&out.stdout).expect("deploy.py prints JSON");
    note(&format!("ministack: deployed template.yaml in {:?}: {}", t0.elapsed(), deployed["timings"]));
    let api_id = deployed["api_id"].as_str().expect("api id").to_string();
    Some(Deployment { endpoint, port, api_id, deployed })
}

/// Straight to stderr: the harness captures `eprintln!` of passing tests.
pub(crate) fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A test's view of the deployment: HTTP to the API, SQS and Lambda clients.
pub(crate) struct Client {
    pub(crate) d: &'static Deployment,
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
}

impl Client {
    pub(crate) fn new(d: &'static Deployment) -> Client {
        // The API answers on its own host name, as on AWS: `{api}.execute-api.localhost`,
        // resolved to ministack's loopback port.
        let host = format!("{}.execute-api.localhost", d.api_id);
        let http = reqwest::Client::builder()
            .resolve(&host, std::net::SocketAddr::from(([127, 0, 0, 1], d.port)))
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        Client { d, http, base: format!("http://{host}:{}", d.port) }
    }

    pub(crate) fn output(&self, key: &str) -> String {
        self.d.deployed["outputs"][key].as_str().unwrap_or_else(|| panic!("no output {key}")).to_string()
    }

    pub(crate) fn worker(&self) -> String {
        self.d.deployed["worker_arn"].as_str().expect("worker").to_string()
    }

    pub(crate) fn sqs(&self) -> aws_sdk_sqs::Client {
        let conf = aws_sdk_sqs::config::Builder::new()
            .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
            .region(aws_sdk_sqs::config::Region::new(REGION))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "tests"))
            .endpoint_url(&self.d.endpoint)
            .http_client(statecraft_serverless::aws::http_client())
            .build();
        aws_sdk_sqs::Client::from_conf(conf)
    }

    pub(crate) fn lambda(&self) -> aws_sdk_lambda::Client {
        let conf = aws_sdk_lambda::config::Builder::new()
            .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
            .region(aws_sdk_lambda::config::Region::new(REGION))
            .credentials_provider(aws_sdk_lambda::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .endpoint_url(&self.d.endpoint)
            .http_client(statecraft_serverless::aws::http_client())
            .build();
        aws_sdk_lambda::Client::from_conf(conf)
    }

    /// An API action through API Gateway and the api function, SigV4-signed for the service
    /// `states` as the AWS CLI signs it; `(status, body)`.
    pub(crate) async fn call(&self, action: &str, body: Value) -> (u16, Value) {
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        let url = format!("{}/", self.base);
        let body = body.to_string();
        let target = format!("AWSStepFunctions.{action}");
        let headers = [("content-type", "application/x-amz-json-1.0"), ("x-amz-target", target.as_str())];
        let identity = aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "tests").into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(REGION)
            .name("states")
            .time(std::time::SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .expect("signing parameters")
            .into();
        let signable =
            SignableRequest::new("POST", &url, headers.iter().copied(), SignableBody::Bytes(body.as_bytes()))
                .expect("signable request");
        let (instructions, _) = sign(signable, &params).expect("SigV4").into_parts();
        let mut req = self.http.post(&url).body(body);
        for (name, value) in headers.into_iter().chain(instructions.headers()) {
            req = req.header(name, value);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{action}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub(crate) async fn ok(&self, action: &str, body: Value) -> Value {
        let (status, v) = self.call(action, body).await;
        assert_eq!(status, 200, "{action} failed: {v}");
        v
    }

    pub(crate) async fn create_machine(&self, name: &str, definition: &Value) -> String {
        let v = self
            .ok(
                "CreateStateMachine",
                json!({"name": name, "definition": definition.to_string(),
                       "roleArn": "arn:aws:iam::000000000000:role/unused"}),
            )
            .await;
        v["stateMachineArn"].as_str().expect("arn").to_string()
    }

    pub(crate) async fn start(&self, machine: &str, input: &Value) -> String {
        let v =
            self.ok("StartExecution", json!({"stateMachineArn": machine, "input": input.to_string()})).await;
        v["executionArn"].as_str().expect("arn").to_string()
    }

    /// Polls DescribeExecution until the execution is no longer running.
    pub(crate) async fn finished(&self, arn: &str, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let v = self.ok("DescribeExecution", json!({"executionArn": arn})).await;
            if v["status"] != "RUNNING" {
                return v;
            }
            assert!(Instant::now() < deadline, "{arn} still running after {limit:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The whole history, in pages.
    pub(crate) async fn history(&self, arn: &str) -> Vec<Value> {
        let mut events = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = json!({"executionArn": arn, "maxResults": 1000});
            if let Some(t) = &token {
                req["nextToken"] = json!(t);
            }
            let v = self.ok("GetExecutionHistory", req).await;
            events.extend(v["events"].as_array().cloned().unwrap_or_default());
            match v["nextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => return events,
            }
        }
    }
}

/// A unique name per test and run.
pub(crate) fn unique(test: &str) -> String {
    format!("{test}-{}", std::process::id())
}

pub(crate) fn types(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["type"].as_str().unwrap_or("?").to_string()).collect()
}

pub(crate) fn counts(events: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for t in types(events) {
        *m.entry(t).or_insert(0) += 1;
    }
    m
}

/// History ids unique and increasing.
pub(crate) fn check_ids(events: &[Value]) {
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap_or(0)).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, ids, "history ids not unique and increasing");
}

pub(crate) fn output(done: &Value) -> Value {
    serde_json::from_str(done["output"].as_str().expect("output")).expect("output is JSON")
}

pub(crate) use statecraft_tests::eventually;
