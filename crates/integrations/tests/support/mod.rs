//! Test support: one moto server per test binary (started by `infra/moto/start.sh`, or the one
//! `STATECRAFT_MOTO_ENDPOINT` names), the standard AWS environment pointing at it, fixture
//! clients, and polling helpers with deadlines.

#![allow(dead_code, unreachable_pub)]

use anyhow::{anyhow, bail, Context};
use serde_json::Value;
use statecraft_asl::resource::Resource;
use statecraft_core::{TaskId, TaskRequest};
use statecraft_integrations::{sdk_config, AwsInvoker, Config};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

static MOTO: OnceLock<Option<String>> = OnceLock::new();

/// The moto endpoint, started once per test binary; `None` (after a loud notice) when Python
/// or pip is unavailable.
pub fn moto() -> Option<&'static str> {
    MOTO.get_or_init(|| {
        let endpoint = match std::env::var("STATECRAFT_MOTO_ENDPOINT") {
            Ok(e) if !e.is_empty() => e,
            _ => start_moto()?,
        };
        // The standard AWS configuration, as a user would set it. Set once, before any test
        // reads it (every test goes through this initializer first).
        std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::remove_var("AWS_SESSION_TOKEN");
        std::env::remove_var("AWS_PROFILE");
        std::env::set_var("AWS_REGION", REGION);
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/statecraft-tests/config");
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/statecraft-tests/credentials");
        // Lambda functions run in moto's in-process backend (echoes the payload), not Docker.
        post(&endpoint, "/moto-api/config", "application/json", None, r#"{"lambda": {"use_docker": false}}"#)
            .expect("configure moto's lambda backend");
        Some(endpoint)
    })
    .as_deref()
}

fn start_moto() -> Option<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/moto/start.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env("MOTO_PARENT_PID", std::process::id().to_string())
        .stderr(Stdio::inherit())
        .output()
        .expect("run infra/moto/start.sh");
    match out.status.code() {
        Some(0) => {}
        Some(2) if std::env::var("STATECRAFT_E2E_REQUIRED").is_ok_and(|v| v == "1") => {
            panic!("moto cannot be installed here and STATECRAFT_E2E_REQUIRED=1; see infra/moto/start.sh output above")
        }
        Some(2) => {
            // Straight to stderr: the test harness captures eprintln! of passing tests.
            let _ = std::io::stderr().write_all(
                b"\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                  !! SKIPPING the moto integration tests: Python 3 with venv and pip is\n\
                  !! needed to install moto (see infra/moto/start.sh output above).\n\
                  !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n",
            );
            return None;
        }
        _ => panic!("infra/moto/start.sh failed ({}); see its output above", out.status),
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let endpoint = stdout.lines().last().unwrap_or_default().trim().to_string();
    assert!(endpoint.starts_with("http://"), "start.sh printed no endpoint: {stdout:?}");
    Some(endpoint)
}

/// Returns early from a test (it passes, after the loud notice) when moto cannot run here.
#[macro_export]
macro_rules! require_moto {
    () => {
        match support::moto() {
            Some(endpoint) => endpoint,
            None => return Ok(()),
        }
    };
}

/// A plain HTTP/1.1 POST to moto (its control API, and IAM, which no SDK crate here covers).
/// moto routes by the credential scope of the `Authorization` header and does not check it.
pub fn post(
    endpoint: &str,
    path: &str,
    content_type: &str,
    service: Option<&str>,
    body: &str,
) -> anyhow::Result<String> {
    let authority = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(authority).with_context(|| format!("connect {authority}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let auth = service
        .map(|s| {
            format!(
                "Authorization: AWS4-HMAC-SHA256 Credential=testing/20240101/{REGION}/{s}/aws4_request, SignedHeaders=host, Signature=0\r\n"
            )
        })
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: {content_type}\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split_whitespace().nth(1).unwrap_or_default();
    if !status.starts_with('2') {
        bail!("POST {path}: {response}");
    }
    Ok(response)
}

/// A Task request as the engine makes it.
pub fn task(arn: &str, input: Value) -> TaskRequest {
    TaskRequest {
        task: TaskId { frame: 0, seq: 1 },
        state_name: "Task".into(),
        resource: Resource::parse(arn).expect("resource"),
        input,
        timeout_seconds: Some(60),
        heartbeat_seconds: None,
        token: None,
        credentials: None,
        retry_count: 0,
    }
}

/// An invoker configured the standard way (environment only).
pub async fn invoker() -> anyhow::Result<AwsInvoker> {
    Ok(AwsInvoker::new(Config::default()).await?)
}

/// Fixture clients: create resources and look at their state, independently of the invoker.
pub struct Fixtures {
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub eventbridge: aws_sdk_eventbridge::Client,
    pub lambda: aws_sdk_lambda::Client,
}

pub async fn fixtures() -> anyhow::Result<Fixtures> {
    let sdk = sdk_config(&Config::default()).await?;
    Ok(Fixtures {
        sqs: aws_sdk_sqs::Client::new(&sdk),
        sns: aws_sdk_sns::Client::new(&sdk),
        dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
        eventbridge: aws_sdk_eventbridge::Client::new(&sdk),
        lambda: aws_sdk_lambda::Client::new(&sdk),
    })
}

/// A name unique to this test run (moto may be shared across runs).
pub fn unique(name: &str) -> String {
    static START: OnceLock<u128> = OnceLock::new();
    let start = START.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default()
    });
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("{name}-{}-{}-{n}", std::process::id(), start % 1_000_000)
}

impl Fixtures {
    pub async fn queue(&self, name: &str) -> anyhow::Result<String> {
        let out = self.sqs.create_queue().queue_name(unique(name)).send().await?;
        out.queue_url.ok_or_else(|| anyhow!("no queue url"))
    }

    pub async fn queue_arn(&self, url: &str) -> anyhow::Result<String> {
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await?;
        out.attributes
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn).cloned())
            .ok_or_else(|| anyhow!("no queue arn"))
    }

    /// The next message of the queue, waiting (long polls) up to 20 s for one.
    pub async fn receive(&self, url: &str) -> anyhow::Result<aws_sdk_sqs::types::Message> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let out = self
                .sqs
                .receive_message()
                .queue_url(url)
                .wait_time_seconds(1)
                .message_attribute_names("All")
                .send()
                .await?;
            if let Some(m) = out.messages.and_then(|m| m.into_iter().next()) {
                return Ok(m);
            }
        }
        bail!("no message arrived in {url} within 20 s")
    }
}

/// The keys of a JSON object, in order.
pub fn keys(v: &Value) -> Vec<&str> {
    v.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default()
}
