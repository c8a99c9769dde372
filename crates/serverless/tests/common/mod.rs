//! The fixture of the serverless integration tests: moto in server mode (DynamoDB, SQS, SNS),
//! started once per test binary by `infra/moto/start.sh` (the script the integration tests of
//! `crates/integrations` use; `STATECRAFT_MOTO_ENDPOINT` names a running one instead) and
//! stopped when the test process exits; the target Lambda function ([`worker`]) served by a
//! small HTTP server on loopback that speaks the Lambda Invoke API, which the SDK's Lambda
//! client reaches through its endpoint override (moto's own Lambda cannot run our functions);
//! a driver per test over its own DynamoDB tables and queues; a player of the SQS event source
//! mapping ([`Mapping`]) that receives with a visibility timeout, invokes the step handler with
//! an SQS event, deletes what succeeded, and can inject duplicates and lost deletes; and
//! helpers that call the API router in process.

#![allow(dead_code, unreachable_pub)]

use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName};
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use statecraft_aws::{create_tables, DynamoStore, Tables};
use statecraft_serverless::{ActivityRoute, Config, Metrics, ServerlessDriver, SqsSns};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tower::ServiceExt;

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";
pub const WORKER: &str = "arn:aws:lambda:us-east-1:123456789012:function:worker";

/// The services shared by every test of the binary.
pub struct Services {
    pub moto: String,
    pub lambda: String,
}

static SERVICES: OnceLock<Option<Services>> = OnceLock::new();

/// The shared services, or `None` (after a loud notice on stderr) when Python, venv or pip is
/// missing so moto cannot be installed. Any other failure to start them panics.
pub fn services() -> Option<&'static Services> {
    SERVICES
        .get_or_init(|| {
            let moto = match std::env::var("STATECRAFT_MOTO_ENDPOINT") {
                Ok(e) if !e.is_empty() => e,
                _ => start_moto()?,
            };
            Some(Services { moto, lambda: serve_lambda() })
        })
        .as_ref()
}

fn start_moto() -> Option<String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/moto/start.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env("MOTO_PARENT_PID", std::process::id().to_string())
        // One request at a time: moto's DynamoDB transactions are neither thread-safe nor
        // atomic against each other, and the step handlers commit concurrently.
        .env("MOTO_THREADED", "0")
        .stderr(Stdio::inherit())
        .output()
        .expect("run infra/moto/start.sh");
    match out.status.code() {
        Some(0) => {}
        Some(2) if std::env::var("STATECRAFT_E2E_REQUIRED").is_ok_and(|v| v == "1") => {
            panic!(
                "moto cannot be installed here and STATECRAFT_E2E_REQUIRED=1; see infra/moto/start.sh above"
            )
        }
        Some(2) => {
            // Straight to stderr: the test harness captures eprintln! of passing tests.
            let _ = std::io::stderr().write_all(
                b"\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                  !! SKIPPING the serverless integration tests: Python 3 with venv and\n\
                  !! pip is needed to install moto (see infra/moto/start.sh above).\n\
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
macro_rules! env_or_skip {
    ($name:expr, $opts:expr) => {
        match common::env($name, $opts).await {
            Some(env) => env,
            None => return,
        }
    };
}

/// The target function `worker`, as its input asks: `{"double": n}` gives `{"value": 2n}`;
/// `{"fail": "ErrorType", "message": "..."}` a function error of that type (the Invoke API's
/// `X-Amz-Function-Error: Unhandled` with `errorType` and `errorMessage`, as the Lambda runtime
/// reports a handler error); `{"big": n}` a string of `n` bytes; `{"sleep_ms": n}` answers
/// after `n` ms; anything else is echoed. Other function names are `ResourceNotFoundException`.
async fn invoke(
    axum::extract::Path(name): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let name = name.rsplit(':').next().unwrap_or_default().to_string();
    if name != "worker" {
        let body = json!({"Type": "User", "message": format!("Function not found: {name}")});
        return (
            axum::http::StatusCode::NOT_FOUND,
            [("x-amzn-errortype", "ResourceNotFoundException")],
            body.to_string(),
        )
            .into_response();
    }
    let input: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(ms) = input.get("sleep_ms").and_then(Value::as_u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let out = if let Some(n) = input.get("double").and_then(Value::as_i64) {
        json!({"value": n * 2})
    } else if let Some(kind) = input.get("fail").and_then(Value::as_str) {
        let message = input.get("message").and_then(Value::as_str).unwrap_or("failed on purpose");
        let body = json!({"errorType": kind, "errorMessage": message});
        return (
            [("x-amz-function-error", "Unhandled"), ("x-amz-executed-version", "$LATEST")],
            body.to_string(),
        )
            .into_response();
    } else if let Some(n) = input.get("big").and_then(Value::as_u64) {
        Value::String("x".repeat(n as usize))
    } else {
        input
    };
    ([("x-amz-executed-version", "$LATEST")], out.to_string()).into_response()
}

/// Serves [`invoke`] on a free loopback port from a thread of its own (each test has its own
/// runtime, so the server cannot live in one of theirs); returns its endpoint.
fn serve_lambda() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the Lambda server");
    listener.set_nonblocking(true).expect("nonblocking");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let app = axum::Router::new()
                .route("/2015-03-31/functions/{name}/invocations", axum::routing::post(invoke));
            axum::serve(listener, app).await.expect("Lambda server");
        });
    });
    endpoint
}

fn credentials() -> aws_sdk_sqs::config::Credentials {
    aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "tests")
}

pub fn sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let conf = aws_sdk_sqs::config::Builder::new()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .http_client(statecraft_serverless::aws::http_client())
        .build();
    aws_sdk_sqs::Client::from_conf(conf)
}

pub fn sns_client(endpoint: &str) -> aws_sdk_sns::Client {
    let conf = aws_sdk_sns::config::Builder::new()
        .behavior_version(aws_sdk_sns::config::BehaviorVersion::latest())
        .region(aws_sdk_sns::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .http_client(statecraft_serverless::aws::http_client())
        .build();
    aws_sdk_sns::Client::from_conf(conf)
}

pub fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::new()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .http_client(statecraft_serverless::aws::http_client())
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

pub fn lambda_client(endpoint: &str) -> aws_sdk_lambda::Client {
    let conf = aws_sdk_lambda::config::Builder::new()
        .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
        .region(aws_sdk_lambda::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .http_client(statecraft_serverless::aws::http_client())
        .build();
    aws_sdk_lambda::Client::from_conf(conf)
}

/// What a test wants of its environment.
#[derive(Debug, Clone, Default)]
pub struct Opts {
    pub max_delay_seconds: Option<u32>,
    /// Every message is delivered twice (a copy sent back to its queue).
    pub duplicates: bool,
    /// Activity names to create a topic and queue for.
    pub activities: Vec<String>,
    /// A start queue for this state machine name.
    pub start_queue_for: Option<String>,
    /// The first delete of each start-queue message is "lost": it is delivered again.
    pub lose_first_delete: bool,
    /// Visibility timeout of the step queue (how soon a crashed message comes back).
    pub step_visibility: Option<u32>,
}

/// One test's environment: its queues, its driver, the API router, the mapping.
pub struct Env {
    pub name: String,
    pub driver: ServerlessDriver,
    pub router: axum::Router,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub step_queue: String,
    pub task_queue: String,
    pub start_queue: Option<String>,
    pub mapping: Arc<MappingStats>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Env {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

static NEXT: AtomicU64 = AtomicU64::new(0);

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str, visibility: u32) -> String {
    sqs.create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::VisibilityTimeout, visibility.to_string())
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("queue url")
}

pub fn queue_arn(name: &str) -> String {
    format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")
}

pub fn machine_arn(name: &str) -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}")
}

pub fn activity_arn(name: &str) -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT}:activity:{name}")
}

/// A fresh environment for one test (its own tables, queues and topics on the shared moto), or
/// `None` when moto cannot run here (see [`services`]).
pub async fn env(test: &str, opts: Opts) -> Option<Env> {
    let s = services()?;
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let name = format!("{test}-{}-{n}", std::process::id());
    let sqs = sqs_client(&s.moto);
    let sns = sns_client(&s.moto);
    let step_queue = queue(&sqs, &format!("{name}-step"), opts.step_visibility.unwrap_or(5)).await;
    let task_queue = queue(&sqs, &format!("{name}-task"), 30).await;
    let mut config = Config::default();
    config.engine.region = REGION.into();
    config.engine.account = ACCOUNT.into();
    config.engine.activity_poll = Duration::from_secs(2);
    config.step_queue_url = step_queue.clone();
    config.task_queue_url = task_queue.clone();
    config.max_delay_seconds = opts.max_delay_seconds.unwrap_or(900);
    for a in &opts.activities {
        let topic = sns.create_topic().name(format!("{name}-{a}")).send().await.expect("CreateTopic");
        let topic = topic.topic_arn.expect("topic arn");
        let qname = format!("{name}-{a}-tasks");
        let q = queue(&sqs, &qname, 30).await;
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(queue_arn(&qname))
            .send()
            .await
            .expect("Subscribe");
        config.activities.insert(activity_arn(a), ActivityRoute { topic: Some(topic), queue: Some(q) });
    }
    let mut start_queue = None;
    if let Some(sm) = &opts.start_queue_for {
        let qname = format!("{name}-starts");
        start_queue = Some(queue(&sqs, &qname, 2).await);
        config.start_sources.insert(queue_arn(&qname), machine_arn(sm));
    }
    let metrics = Arc::new(Metrics::new());
    let bus = Arc::new(SqsSns::new(sqs.clone(), sns.clone(), metrics.clone()));
    let invoker =
        Arc::new(statecraft_serverless::invoker::SdkLambda::new(lambda_client(&s.lambda), REGION, ACCOUNT));
    let tables = Tables::with_prefix(&name);
    let dynamodb = dynamodb_client(&s.moto);
    create_tables(&dynamodb, &tables).await.expect("create the DynamoDB tables");
    let store = Arc::new(DynamoStore::new(dynamodb, tables));
    let driver = ServerlessDriver::new(store.clone(), store, bus, invoker, config, metrics);
    let router = statecraft_serverless::api::router(driver.clone(), None);
    let mapping = Arc::new(MappingStats::default());
    let mut env = Env {
        name,
        driver,
        router,
        sqs,
        sns,
        step_queue,
        task_queue,
        start_queue,
        mapping,
        tasks: Vec::new(),
    };
    let mut queues = vec![env.step_queue.clone(), env.task_queue.clone()];
    queues.extend(env.start_queue.clone());
    for q in queues {
        let m = Mapping {
            driver: env.driver.clone(),
            sqs: env.sqs.clone(),
            queue_url: q.clone(),
            arn: queue_arn(q.rsplit('/').next().unwrap_or_default()),
            duplicates: opts.duplicates,
            lose_first_delete: opts.lose_first_delete && Some(&q) == env.start_queue.as_ref(),
            per_message: q == env.task_queue,
            stats: env.mapping.clone(),
            deleted_once: Mutex::new(HashSet::new()),
        };
        env.tasks.push(tokio::spawn(async move { m.run().await }));
    }
    Some(env)
}

/// Counts of the mapping's own SQS requests and of what it delivered.
#[derive(Debug, Default)]
pub struct MappingStats {
    pub receives: AtomicU64,
    pub deletes: AtomicU64,
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub duplicated: AtomicU64,
}

/// Plays the SQS event source mapping of one queue.
struct Mapping {
    driver: ServerlessDriver,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    arn: String,
    duplicates: bool,
    lose_first_delete: bool,
    /// One invocation per message, not awaited by the receive loop (the task queue's mapping).
    per_message: bool,
    stats: Arc<MappingStats>,
    deleted_once: Mutex<HashSet<String>>,
}

impl Mapping {
    async fn run(self) {
        loop {
            self.stats.receives.fetch_add(1, Ordering::Relaxed);
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                // No long polling: moto serves one request at a time, and a long poll would
                // hold up every other queue's player.
                .wait_time_seconds(0)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .message_attribute_names("All")
                .send()
                .await;
            let Ok(out) = out else {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            };
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            let mut records = Vec::new();
            let mut receipts = HashMap::new();
            for m in &messages {
                let id = m.message_id.clone().unwrap_or_default();
                let body = m.body.clone().unwrap_or_default();
                let count = m
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .cloned()
                    .unwrap_or_else(|| "1".into());
                let is_copy = m.message_attributes.as_ref().is_some_and(|a| a.contains_key("dup"));
                if self.duplicates && !is_copy {
                    self.stats.duplicated.fetch_add(1, Ordering::Relaxed);
                    let _ = self
                        .sqs
                        .send_message()
                        .queue_url(&self.queue_url)
                        .message_body(&body)
                        .message_attributes(
                            "dup",
                            MessageAttributeValue::builder()
                                .data_type("String")
                                .string_value("1")
                                .build()
                                .expect("attr"),
                        )
                        .send()
                        .await;
                }
                receipts.insert(id.clone(), m.receipt_handle.clone().unwrap_or_default());
                records.push(json!({
                    "messageId": id, "receiptHandle": m.receipt_handle, "body": body,
                    "attributes": {"ApproximateReceiveCount": count},
                    "messageAttributes": {}, "eventSource": "aws:sqs", "eventSourceARN": self.arn,
                    "awsRegion": REGION,
                }));
            }
            self.stats.delivered.fetch_add(records.len() as u64, Ordering::Relaxed);
            if self.per_message {
                // The task runner's mapping: batch size 1, one invocation per message, as many
                // at once as there are messages (Lambda scales out), so a long task holds up
                // no other. Each invocation deletes its own message when it succeeds.
                for record in records {
                    let id = record["messageId"].as_str().unwrap_or_default().to_string();
                    let receipt = receipts.remove(&id).unwrap_or_default();
                    let (driver, sqs, queue, stats) =
                        (self.driver.clone(), self.sqs.clone(), self.queue_url.clone(), self.stats.clone());
                    tokio::spawn(async move {
                        let event =
                            serde_json::from_value(json!({ "Records": [record] })).expect("SQS event");
                        if driver.handle_sqs(event).await.batch_item_failures.is_empty() {
                            stats.deletes.fetch_add(1, Ordering::Relaxed);
                            let _ =
                                sqs.delete_message().queue_url(queue).receipt_handle(receipt).send().await;
                        } else {
                            stats.failed.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                }
                continue;
            }
            let event = serde_json::from_value(json!({ "Records": records })).expect("SQS event");
            let response = self.driver.handle_sqs(event).await;
            let failed: HashSet<String> =
                response.batch_item_failures.iter().map(|f| f.item_identifier.clone()).collect();
            self.stats.failed.fetch_add(failed.len() as u64, Ordering::Relaxed);
            for (id, receipt) in receipts {
                if failed.contains(&id) {
                    continue;
                }
                if self.lose_first_delete && self.deleted_once.lock().expect("lock").insert(id.clone()) {
                    continue; // the delete is "lost": SQS delivers it again
                }
                self.stats.deletes.fetch_add(1, Ordering::Relaxed);
                let _ =
                    self.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(receipt).send().await;
            }
        }
    }
}

/// Calls an API action on the router; `(status, body)`.
pub async fn call(router: &axum::Router, action: &str, body: Value) -> (u16, Value) {
    let req = Request::post("/")
        .header("x-amz-target", format!("AWSStepFunctions.{action}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(Body::from(body.to_string()))
        .expect("request");
    let resp = router.clone().oneshot(req).await.expect("router");
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Calls an action that must succeed.
pub async fn ok(router: &axum::Router, action: &str, body: Value) -> Value {
    let (status, v) = call(router, action, body).await;
    assert_eq!(status, 200, "{action} failed: {v}");
    v
}

pub async fn create_machine(env: &Env, name: &str, definition: &Value) -> String {
    let v = ok(
        &env.router,
        "CreateStateMachine",
        json!({"name": name, "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await;
    v["stateMachineArn"].as_str().expect("arn").to_string()
}

pub async fn start(env: &Env, machine: &str, input: &Value) -> String {
    let v =
        ok(&env.router, "StartExecution", json!({"stateMachineArn": machine, "input": input.to_string()}))
            .await;
    v["executionArn"].as_str().expect("arn").to_string()
}

/// Polls DescribeExecution until the execution is no longer running.
pub async fn finished(env: &Env, arn: &str, limit: Duration) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let v = ok(&env.router, "DescribeExecution", json!({"executionArn": arn})).await;
        if v["status"] != "RUNNING" {
            return v;
        }
        assert!(Instant::now() < deadline, "{arn} still running after {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The whole history.
pub async fn history(env: &Env, arn: &str) -> Vec<Value> {
    history_on(&env.router, arn).await
}

/// The whole history, through any API router.
pub async fn history_on(router: &axum::Router, arn: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = json!({"executionArn": arn, "maxResults": 1000});
        if let Some(t) = &token {
            req["nextToken"] = json!(t);
        }
        let v = ok(router, "GetExecutionHistory", req).await;
        events.extend(v["events"].as_array().cloned().unwrap_or_default());
        match v["nextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return events,
        }
    }
}

/// Event types with their counts.
pub fn type_counts(events: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in events {
        *m.entry(e["type"].as_str().unwrap_or("?").to_string()).or_insert(0) += 1;
    }
    m
}

/// Checks that history ids are unique and increasing, and that every event is there once.
pub fn check_ids(events: &[Value]) {
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap_or(0)).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "duplicate history ids: {ids:?}");
    assert_eq!(sorted, ids, "history out of order");
}
