//! What the tests share: `statecraft serve` and moto as child processes (killed on drop), a
//! recording HTTP receiver, the Step Functions JSON API over plain HTTP, waits with deadlines.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/statecraft-tests";
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// A child process killed (SIGKILL) when dropped, with its stderr kept.
pub(crate) struct Process {
    child: Child,
    pub(crate) log: Arc<Mutex<String>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `cmd` and waits until a stderr line yields an address through `find`.
fn spawn_until(mut cmd: Command, find: fn(&str) -> Option<String>) -> Result<(Process, String), String> {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let log: Arc<Mutex<String>> = Arc::default();
    let (tx, rx) = mpsc::channel();
    let keep = log.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(found) = find(&line) {
                let _ = tx.send(found);
            }
            let mut log = keep.lock().unwrap_or_else(|e| e.into_inner());
            log.push_str(&line);
            log.push('\n');
        }
    });
    let process = Process { child, log };
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(found) => Ok((process, found)),
        Err(_) => Err(format!("{cmd:?} did not start; stderr:\n{}", process.log.lock().unwrap())),
    }
}

/// `statecraft serve` on a kernel-picked port.
pub(crate) struct Serve {
    pub(crate) process: Process,
    pub(crate) endpoint: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    dir: tempfile::TempDir,
}

impl Serve {
    /// Starts a server with `config` as its statecraft.toml and extra arguments.
    pub(crate) fn start(config: &str, args: &[&str]) -> Serve {
        Serve::start_env(config, args, &[])
    }

    pub(crate) fn start_env(config: &str, args: &[&str], env: &[(&str, &str)]) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("statecraft.toml"), config).unwrap();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let (process, endpoint) = Serve::spawn(dir.path(), &args, &env);
        Serve { process, endpoint, args, env, dir }
    }

    /// Kills the server (as a crash would) and starts it again on the same data.
    pub(crate) fn restart(&mut self) {
        let _ = self.process.child.kill();
        let _ = self.process.child.wait();
        let (process, endpoint) = Serve::spawn(self.dir.path(), &self.args, &self.env);
        self.process = process;
        self.endpoint = endpoint;
    }

    fn spawn(dir: &Path, args: &[String], env: &[(String, String)]) -> (Process, String) {
        let file = dir.join("statecraft.toml");
        let mut cmd = Command::new(statecraft_tests::statecraft_bin());
        cmd.args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(dir.join("data"))
            .arg("--config")
            .arg(&file)
            .args(args)
            .current_dir(dir)
            .env_remove("STATECRAFT_TOKEN")
            .envs(env.iter().map(|(k, v)| (k, v)));
        let find = |line: &str| {
            let rest = line.split("listening on http://").nth(1)?;
            Some(rest.split_whitespace().next()?.to_string())
        };
        let (process, addr) = spawn_until(cmd, find).unwrap_or_else(|e| panic!("{e}"));
        (process, format!("http://{addr}"))
    }

    pub(crate) fn log(&self) -> String {
        self.process.log.lock().unwrap().clone()
    }
}

/// Calls a Step Functions action on `endpoint` (plain HTTP, as the JSON protocol is).
pub(crate) async fn sfn(endpoint: &str, token: Option<&str>, action: &str, input: Value) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("AWSStepFunctions.{action}"))
        .body(input.to_string());
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null))
}

/// Calls an action that must succeed.
pub(crate) async fn ok(endpoint: &str, token: Option<&str>, action: &str, input: Value) -> Value {
    let (status, out) = sfn(endpoint, token, action, input).await;
    assert_eq!(status, 200, "{action}: {out}");
    out
}

pub(crate) async fn create_machine(
    endpoint: &str,
    token: Option<&str>,
    name: &str,
    kind: &str,
    definition: Value,
) -> String {
    let input = json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE, "type": kind});
    ok(endpoint, token, "CreateStateMachine", input).await["stateMachineArn"].as_str().unwrap().to_string()
}

pub(crate) async fn executions(endpoint: &str, token: Option<&str>, machine: &str) -> Vec<Value> {
    let out = ok(endpoint, token, "ListExecutions", json!({"stateMachineArn": machine})).await;
    out["executions"].as_array().cloned().unwrap_or_default()
}

/// Polls `probe` until it gives `Some`, or panics with `what` after [`DEADLINE`].
pub(crate) async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A request an HTTP receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Got {
    pub(crate) method: String,
    pub(crate) uri: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// An HTTP server on loopback recording every request and answering with `reply`.
pub(crate) struct Receiver {
    pub(crate) addr: SocketAddr,
    pub(crate) got: Arc<Mutex<Vec<Got>>>,
    task: tokio::task::JoinHandle<()>,
}

type ReplyFn = Arc<dyn Fn(&Got) -> (u16, String) + Send + Sync>;

impl Receiver {
    pub(crate) async fn start(reply: impl Fn(&Got) -> (u16, String) + Send + Sync + 'static) -> Receiver {
        let got: Arc<Mutex<Vec<Got>>> = Arc::default();
        let state = (got.clone(), Arc::new(reply) as ReplyFn);
        let app = Router::new().fallback(any(record)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { addr, got, task }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record(
    State((got, reply)): State<(Arc<Mutex<Vec<Got>>>, ReplyFn)>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    let g = Got { method: method.to_string(), uri: uri.to_string(), headers, body };
    let (status, text) = reply(&g);
    got.lock().unwrap().push(g);
    (StatusCode::from_u16(status).unwrap(), [("content-type", "application/json")], text)
}

/// moto in server mode on a kernel-picked port, from the test venv, or `None` (after a loud
/// notice, or a panic when `STATECRAFT_E2E_REQUIRED=1`) when it cannot be had.
pub(crate) fn moto() -> Option<(Process, String)> {
    let python = match statecraft_tests::python::python() {
        Ok(p) => p,
        Err(why) => {
            statecraft_tests::python::skip_or_fail("a test that needs moto", &why);
            return None;
        }
    };
    let mut cmd = Command::new(python);
    cmd.args(["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"]);
    let find = |line: &str| Some(line.split("Running on ").nth(1)?.trim().to_string());
    match spawn_until(cmd, find) {
        Ok(p) => Some(p),
        Err(e) => panic!("moto did not start: {e}"),
    }
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}
