//! Test support: moto in server mode, started once per test binary by `infra/moto/start.sh`
//! (the script every moto-backed test uses: it installs moto into the cached test venv, and
//! stops it when this process exits), and fresh tables per test.
//!
//! `STATECRAFT_MOTO_ENDPOINT` names a running moto (or DynamoDB Local) to use instead. Started
//! here, moto serves one request at a time (`MOTO_THREADED=0`): its transactions are not
//! atomic against each other when it serves several at once, which the concurrency tests would
//! otherwise see.

#![allow(dead_code, unreachable_pub)]

use aws_sdk_dynamodb::config::{Credentials, Region};
use statecraft_aws::{create_tables, http_client, DynamoStore, Tables};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The endpoint of the moto every test of this process shares.
pub fn endpoint() -> String {
    if let Ok(e) = std::env::var("STATECRAFT_MOTO_ENDPOINT") {
        if !e.is_empty() {
            return e;
        }
    }
    static MOTO: OnceLock<String> = OnceLock::new();
    MOTO.get_or_init(|| {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/moto/start.sh");
        let out = Command::new("bash")
            .arg(&script)
            .env("MOTO_PARENT_PID", std::process::id().to_string())
            .env("MOTO_THREADED", "0")
            .stderr(Stdio::inherit())
            .output()
            .expect("run infra/moto/start.sh");
        assert!(out.status.success(), "infra/moto/start.sh failed ({}); see its output above", out.status);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let endpoint = stdout.lines().last().unwrap_or_default().trim().to_string();
        assert!(endpoint.starts_with("http://"), "start.sh printed no endpoint: {stdout:?}");
        endpoint
    })
    .clone()
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
