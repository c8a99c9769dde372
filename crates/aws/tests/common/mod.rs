//! Test support: a moto server in server mode, started by the tests themselves, and fresh
//! tables per test.
//!
//! `STATECRAFT_MOTO_ENDPOINT` names a running moto (or DynamoDB Local) to use instead. Started
//! here, moto serves one request at a time (werkzeug without threads): its transactions are not
//! atomic against each other when it serves several at once, which the concurrency tests would
//! otherwise see. It binds 127.0.0.1 on a free port and prints the port; it exits when the test
//! process ends (its standard input closes), and [`Moto`] kills it when dropped.

#![allow(dead_code, unreachable_pub)]

use aws_sdk_dynamodb::config::{Credentials, Region};
use statecraft_aws::{create_tables, http_client, DynamoStore, Tables};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const SERVER: &str = r#"
import os, sys, threading
from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
app = DomainDispatcherApplication(create_backend_app)
server = make_server("127.0.0.1", 0, app, threaded=False)
print(server.server_port, flush=True)
def watch():
    sys.stdin.read()
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
server.serve_forever()
"#;

/// A moto server this process started.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> anyhow::Result<Moto> {
        let started = Instant::now();
        let mut child = Command::new("python3")
            .args(["-c", SERVER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port: u16 = line.trim().parse().map_err(|_| anyhow::anyhow!("moto printed {line:?}"))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        // It printed its port once bound; wait until it answers HTTP too.
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(Instant::now() < deadline, "moto did not answer on {endpoint}");
            std::thread::yield_now();
        }
        eprintln!("moto started on {endpoint} in {:?}", started.elapsed());
        Ok(Moto { child, endpoint })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The endpoint of the moto every test of this process shares.
pub fn endpoint() -> String {
    if let Ok(e) = std::env::var("STATECRAFT_MOTO_ENDPOINT") {
        if !e.is_empty() {
            return e;
        }
    }
    static MOTO: OnceLock<Mutex<Option<Moto>>> = OnceLock::new();
    let moto = MOTO.get_or_init(|| Mutex::new(Some(Moto::start().expect("start moto"))));
    let guard = moto.lock().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().map(|m| m.endpoint.clone()).expect("moto running")
}

/// A client for `endpoint` with dummy credentials.
pub async fn client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http_client())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .endpoint_url(endpoint)
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// Table names no other test uses.
pub fn unique_tables() -> Tables {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Tables::with_prefix(&format!("t{}-{}-{nanos}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)))
}

/// A store on fresh tables.
pub async fn fresh() -> Box<DynamoStore> {
    let client = client(&endpoint()).await;
    let tables = unique_tables();
    create_tables(&client, &tables).await.expect("create tables");
    Box::new(DynamoStore::new(client, tables))
}
