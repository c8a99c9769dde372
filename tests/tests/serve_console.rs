//! The operator's surface of `statecraft serve`, driven through the real binary: the web
//! console's page, assets and read-only endpoints, Statecraft's pending-callback actions,
//! auth refusals when the server is bound off loopback with a token, `/metrics` counters
//! after a known workload (parsed from the exposition text), JSON logs, and `statecraft
//! watch` following an execution to its end with an exit code that says how it ended.
//!
//! The console's status colouring is computed server-side (`statecraft_console::status`, unit
//! tested there) and only painted by the page's script, so checking `execution-status` and
//! the coloured SVG here checks the rules the browser shows.

use serde_json::{json, Value};
use statecraft_tests::serve::{ServeOptions, Server};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

const SOON: Duration = Duration::from_secs(30);
const ROLE: &str = "arn:aws:iam::123456789012:role/statecraft-tests";

/// The Step Functions JSON API and the console's endpoints, as the page's script calls them.
struct Api {
    http: reqwest::Client,
    endpoint: String,
    token: Option<String>,
}

impl Api {
    fn new(server: &Server, token: Option<&str>) -> Api {
        Api { http: reqwest::Client::new(), endpoint: server.endpoint(), token: token.map(str::to_owned) }
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// `POST /` with `X-Amz-Target: target`: status and JSON body.
    async fn target(&self, target: &str, body: Value) -> (u16, Value) {
        let req = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", target)
            .body(body.to_string());
        let resp = self.auth(req).send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// An AWS action that must succeed.
    async fn ok(&self, action: &str, body: Value) -> Value {
        let (status, out) = self.target(&format!("AWSStepFunctions.{action}"), body).await;
        assert_eq!(status, 200, "{action}: {out}");
        out
    }

    /// `GET path`: status, content type and body.
    async fn get(&self, path: &str) -> (u16, String, String) {
        let resp = self.auth(self.http.get(format!("{}{path}", self.endpoint))).send().await.unwrap();
        let status = resp.status().as_u16();
        let ctype =
            resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        (status, ctype, resp.text().await.unwrap())
    }

    async fn create(&self, name: &str, definition: &Value) -> String {
        let out = self
            .ok(
                "CreateStateMachine",
                json!({"name": name, "definition": definition.to_string(), "roleArn": ROLE}),
            )
            .await;
        out["stateMachineArn"].as_str().unwrap().to_string()
    }

    async fn start(&self, machine: &str, input: Value) -> String {
        let out =
            self.ok("StartExecution", json!({"stateMachineArn": machine, "input": input.to_string()})).await;
        out["executionArn"].as_str().unwrap().to_string()
    }

    async fn status(&self, execution: &str) -> String {
        let out = self.ok("DescribeExecution", json!({"executionArn": execution})).await;
        out["status"].as_str().unwrap_or_default().to_string()
    }

    async fn wait_status(&self, execution: &str, expected: &str) {
        let got = eventually("the execution to end", || async {
            let s = self.status(execution).await;
            (s != "RUNNING").then_some(s)
        })
        .await;
        assert_eq!(got, expected, "{execution}");
    }

    async fn metrics(&self) -> BTreeMap<String, f64> {
        let (status, ctype, text) = self.get("/metrics").await;
        assert_eq!(status, 200, "{text}");
        assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
        parse_exposition(&text)
    }
}

/// Polls `probe` until it returns `Some`, or panics after [`SOON`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + SOON;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The samples of a Prometheus text exposition, by `name{labels}` as written. Panics on a
/// line that is neither a comment nor `series value`.
fn parse_exposition(text: &str) -> BTreeMap<String, f64> {
    let mut samples = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(comment) = line.strip_prefix("# ") {
            assert!(comment.starts_with("HELP ") || comment.starts_with("TYPE "), "{line}");
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("no value: {line}"));
        let value = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse::<f64>().unwrap_or_else(|e| panic!("{line}: {e}")),
        };
        assert!(series.starts_with("statecraft_"), "{line}");
        samples.insert(series.to_string(), value);
    }
    samples
}

fn sample(m: &BTreeMap<String, f64>, series: &str) -> f64 {
    m.get(series).copied().unwrap_or(0.0)
}

/// Pass, then a Choice on `$.ok`: Succeed or Fail.
fn choice_machine() -> Value {
    json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Done"}],
                      "Default": "Broken"},
            "Done": {"Type": "Succeed"},
            "Broken": {"Type": "Fail", "Error": "Broken", "Cause": "asked to fail"}
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_and_assets_are_public_and_everything_else_needs_the_token_off_loopback() {
    let server = ServeOptions::new().bind("0.0.0.0:0").token("s3cret").start();
    let anonymous = Api::new(&server, None);
    let api = Api::new(&server, Some("s3cret"));

    let (status, ctype, html) = anonymous.get("/").await;
    assert_eq!((status, ctype.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains("/console/assets/app.js") && html.contains("/console/assets/app.css"), "{html}");
    let mut weight = html.len();
    for (path, ctype) in [
        ("/console/assets/app.js", "text/javascript; charset=utf-8"),
        ("/console/assets/app.css", "text/css; charset=utf-8"),
        ("/console/assets/favicon.svg", "image/svg+xml"),
    ] {
        let (status, got, body) = anonymous.get(path).await;
        assert_eq!((status, got.as_str()), (200, ctype), "{path}");
        assert!(!body.is_empty(), "{path}");
        weight += body.len();
    }
    // The console is small enough to embed (hand-written, no framework).
    assert!(weight < 100_000, "console page weight {weight} bytes");
    eprintln!("console page weight: {weight} bytes");

    let machine = api.create("Guarded", &choice_machine()).await;
    let q = |k: &str, v: &str| format!("?{k}={}", v.replace(':', "%3A"));
    for path in [
        "/metrics".to_string(),
        format!("/console/api/graph{}", q("stateMachineArn", &machine)),
        format!("/console/api/execution-status{}", q("executionArn", &machine)),
    ] {
        let (status, _, body) = anonymous.get(&path).await;
        assert_eq!(status, 401, "{path}: {body}");
    }
    for target in
        ["AWSStepFunctions.ListStateMachines", "Statecraft.ListPendingTasks", "Statecraft.ResolvePendingTask"]
    {
        let (status, body) = anonymous.target(target, json!({"executionArn": "x"})).await;
        assert_eq!(status, 401, "{target}: {body}");
    }
    let (status, _, _) = {
        let req = anonymous.http.post(format!("{}/console/api/validate", server.endpoint()));
        let resp = req.body(json!({"definition": "{}"}).to_string()).send().await.unwrap();
        (resp.status().as_u16(), (), ())
    };
    assert_eq!(status, 401);
    // A wrong token is refused the same way.
    let wrong = Api::new(&server, Some("guess"));
    assert_eq!(wrong.get("/metrics").await.0, 401);

    // With the token, the same calls work.
    let (status, ctype, svg) =
        api.get(&format!("/console/api/graph{}", q("stateMachineArn", &machine))).await;
    assert_eq!((status, ctype.as_str()), (200, "image/svg+xml"), "{svg}");
    assert_eq!(api.get("/metrics").await.0, 200);
    let listed = api.ok("ListStateMachines", json!({})).await;
    assert_eq!(listed["stateMachines"][0]["name"], "Guarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_endpoints_pending_callbacks_and_metrics_follow_a_known_workload() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("statecraft.toml");
    std::fs::write(
        &config,
        "[resources.\"arn:aws:states:::sqs:sendMessage.waitForTaskToken\"]\ncommand = [\"sh\", \"-c\", \"cat > /dev/null\"]\n\
         [resources.\"arn:aws:lambda:us-east-1:123456789012:function:echo\"]\ncommand = [\"cat\"]\n",
    )
    .unwrap();
    let server = ServeOptions::new().config(&config).arg("--log-format").arg("json").start();
    let api = Api::new(&server, None);
    let before = api.metrics().await;
    assert_eq!(sample(&before, "statecraft_open_executions"), 0.0);

    // Validation diagnostics are located on the line their JSON pointer names.
    let bad = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Type\": \"Pass\",\n      \"Next\": \"Nowhere\"\n    }\n  }\n}";
    let resp = api
        .http
        .post(format!("{}/console/api/validate", server.endpoint()))
        .body(json!({"definition": bad}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["result"], "FAIL", "{v}");
    let diag = v["diagnostics"].as_array().unwrap().iter().find(|d| d["location"] == "/States/A/Next");
    let diag = diag.unwrap_or_else(|| panic!("no diagnostic at /States/A/Next: {v}"));
    assert_eq!(diag["line"], 6, "{v}");
    assert_eq!(v["states"]["/States/A"], 4, "{v}");
    // Not JSON at all: an error in AWS's shape, not a crash.
    let resp =
        api.http.post(format!("{}/console/api/validate", server.endpoint())).body("{").send().await.unwrap();
    assert_eq!(resp.status(), 400);

    // The graph of a state machine names every state.
    let guarded = api.create("Guarded", &choice_machine()).await;
    let enc = |arn: &str| arn.replace(':', "%3A");
    let (status, _, svg) = api.get(&format!("/console/api/graph?stateMachineArn={}", enc(&guarded))).await;
    assert_eq!(status, 200, "{svg}");
    for state in ["Prepare", "Check", "Done", "Broken"] {
        assert!(svg.contains(state), "{state} missing from the graph");
    }
    let (status, _, body) = api.get("/console/api/graph").await;
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = api.get("/console/api/graph?stateMachineArn=nope").await;
    assert!((400..500).contains(&status), "{status} {body}");

    // Known workload: two successes, one failure of Guarded.
    let ok1 = api.start(&guarded, json!({"ok": true})).await;
    let ok2 = api.start(&guarded, json!({"ok": true})).await;
    let failed = api.start(&guarded, json!({"ok": false})).await;
    api.wait_status(&ok1, "SUCCEEDED").await;
    api.wait_status(&ok2, "SUCCEEDED").await;
    api.wait_status(&failed, "FAILED").await;

    // The statuses the console paints, and the coloured graph.
    let (status, _, text) =
        api.get(&format!("/console/api/execution-status?executionArn={}", enc(&failed))).await;
    assert_eq!(status, 200, "{text}");
    let st: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(st["status"], "FAILED");
    assert_eq!(
        st["states"],
        json!({"Prepare": "succeeded", "Check": "succeeded", "Broken": "failed"}),
        "{st}"
    );
    let (_, _, svg) = api.get(&format!("/console/api/graph?executionArn={}", enc(&ok1))).await;
    assert!(svg.contains("succeeded"), "{svg}");

    // A task that waits on a token: shown as waiting, listed, approved once.
    let approval = api
        .create(
            "Approval",
            &json!({
                "StartAt": "Work",
                "States": {
                    "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
                             "Next": "Ask"},
                    "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                            "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                            "TimeoutSeconds": 300, "End": true}
                }
            }),
        )
        .await;
    let waiting = api.start(&approval, json!({"order": 1})).await;
    let tasks = eventually("a pending task", || async {
        let (status, out) = api.target("Statecraft.ListPendingTasks", json!({"executionArn": waiting})).await;
        assert_eq!(status, 200, "{out}");
        let tasks = out["pendingTasks"].as_array().cloned().unwrap_or_default();
        (!tasks.is_empty()).then_some(tasks)
    })
    .await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0]["stateName"], "Ask");
    assert_eq!(tasks[0]["kind"], "CALLBACK");
    let task_id = tasks[0]["taskId"].as_str().unwrap().to_string();
    assert_eq!(task_id.len(), 64, "a SHA-256 in hex, never the token");
    let (_, _, text) =
        api.get(&format!("/console/api/execution-status?executionArn={}", enc(&waiting))).await;
    let st: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(st["states"], json!({"Work": "succeeded", "Ask": "waiting"}), "{st}");

    // Metrics mid-flight: one open execution.
    let during = api.metrics().await;
    assert_eq!(sample(&during, "statecraft_open_executions"), 1.0);

    let resolve = json!({"executionArn": waiting, "taskId": task_id, "outcome": "SUCCESS", "output": "{\"approved\":true}"});
    let (status, out) = api.target("Statecraft.ResolvePendingTask", resolve.clone()).await;
    assert_eq!(status, 200, "{out}");
    api.wait_status(&waiting, "SUCCEEDED").await;
    let out = api.ok("DescribeExecution", json!({"executionArn": waiting})).await;
    assert_eq!(out["output"], "{\"approved\":true}");
    // Single use, as the token itself is.
    let (status, out) = api.target("Statecraft.ResolvePendingTask", resolve).await;
    assert_eq!(status, 400, "{out}");
    assert!(out["__type"].as_str().unwrap_or_default().ends_with("InvalidToken"), "{out}");
    let (status, out) = api
        .target(
            "Statecraft.ResolvePendingTask",
            json!({"executionArn": waiting, "taskId": "x", "outcome": "MAYBE"}),
        )
        .await;
    assert_eq!(status, 400, "{out}");

    // A long Wait: a timer is armed while it runs, and Stop ends it as ABORTED.
    let sleeper = api
        .create(
            "Sleeper",
            &json!({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
        )
        .await;
    let napping = api.start(&sleeper, json!({})).await;
    let m = eventually("the Wait's timer", || async {
        let m = api.metrics().await;
        (sample(&m, "statecraft_waiting_timers") >= 1.0).then_some(m)
    })
    .await;
    assert_eq!(sample(&m, "statecraft_open_executions"), 1.0);
    api.ok("StopExecution", json!({"executionArn": napping})).await;
    api.wait_status(&napping, "ABORTED").await;

    let after = eventually("the counters to settle", || async {
        let m = api.metrics().await;
        (sample(&m, "statecraft_open_executions") == 0.0).then_some(m)
    })
    .await;
    let count = |series: &str| sample(&after, series) - sample(&before, series);
    assert_eq!(count("statecraft_executions_started_total{state_machine=\"Guarded\"}"), 3.0);
    assert_eq!(count("statecraft_executions_started_total{state_machine=\"Approval\"}"), 1.0);
    assert_eq!(count("statecraft_executions_started_total{state_machine=\"Sleeper\"}"), 1.0);
    assert_eq!(
        count("statecraft_executions_finished_total{state_machine=\"Guarded\",status=\"SUCCEEDED\"}"),
        2.0
    );
    assert_eq!(
        count("statecraft_executions_finished_total{state_machine=\"Guarded\",status=\"FAILED\"}"),
        1.0
    );
    assert_eq!(
        count("statecraft_executions_finished_total{state_machine=\"Approval\",status=\"SUCCEEDED\"}"),
        1.0
    );
    assert_eq!(
        count("statecraft_executions_finished_total{state_machine=\"Sleeper\",status=\"ABORTED\"}"),
        1.0
    );
    // States entered: 3 per Guarded run (Prepare, Check, Done|Broken), 2 for Approval, 1 for Sleeper.
    assert_eq!(count("statecraft_transitions_total{state_machine=\"Guarded\"}"), 9.0);
    assert_eq!(count("statecraft_transitions_total{state_machine=\"Approval\"}"), 2.0);
    assert_eq!(count("statecraft_transitions_total{state_machine=\"Sleeper\"}"), 1.0);
    // Two tasks ran here: the echo command, and the callback's hand-over.
    assert_eq!(count("statecraft_task_duration_seconds_count{outcome=\"succeeded\"}"), 1.0);
    assert_eq!(count("statecraft_task_duration_seconds_count{outcome=\"submitted\"}"), 1.0);
    assert_eq!(count("statecraft_task_duration_seconds_bucket{outcome=\"succeeded\",le=\"+Inf\"}"), 1.0);
    assert_eq!(sample(&after, "statecraft_waiting_timers"), 0.0);
    assert!(
        after.keys().any(|k| k.starts_with("statecraft_activity_backlog"))
            || after.contains_key("statecraft_waiting_timers")
    );

    // Scrape time, for the record.
    let began = Instant::now();
    api.metrics().await;
    eprintln!("/metrics scrape: {:?}", began.elapsed());

    // JSON logs: one object a line, with the execution's fields.
    let log = server.log();
    let events: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let ended = events
        .iter()
        .find(|e| e["message"] == "execution finished" && e["execution_arn"] == failed.as_str())
        .unwrap_or_else(|| panic!("no JSON log of the failed execution's end in\n{log}"));
    assert_eq!(ended["status"], "FAILED");
    assert_eq!(ended["error"], "Broken");
    assert_eq!(ended["level"], "WARN");
    assert!(events.iter().any(|e| e["message"] == "request" && e["action"] == "StartExecution"), "{log}");
}

/// `statecraft watch` against `server`: exit code and stdout.
async fn watch(server: &Server, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = tokio::process::Command::new(statecraft_tests::statecraft_bin());
    cmd.arg("watch").args(args).arg("--endpoint").arg(server.endpoint()).arg("--poll-ms").arg("100");
    cmd.env_remove("STATECRAFT_TOKEN").env_remove("STATECRAFT_ENDPOINT");
    let out = tokio::time::timeout(SOON, cmd.output()).await.expect("watch ends with the execution").unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_follows_an_execution_to_its_end_and_exits_with_its_status() {
    let server = Server::start();
    let api = Api::new(&server, None);
    let machine = api
        .create(
            "Slow",
            &json!({
                "StartAt": "Nap",
                "States": {
                    "Nap": {"Type": "Wait", "Seconds": 1, "Next": "Check"},
                    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Done"}],
                              "Default": "Broken"},
                    "Done": {"Type": "Succeed"},
                    "Broken": {"Type": "Fail", "Error": "Broken", "Cause": "asked to fail"}
                }
            }),
        )
        .await;

    // Started before watch, still running when it attaches: it follows it live.
    let ok = api.start(&machine, json!({"ok": true})).await;
    let (code, stdout, stderr) = watch(&server, &[&ok]).await;
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("watching "), "{stdout}");
    let kinds: Vec<&str> =
        lines[1..lines.len() - 1].iter().filter_map(|l| l.split_whitespace().nth(2)).collect();
    assert_eq!(
        kinds,
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ],
        "{stdout}"
    );
    assert!(stdout.contains("WaitStateEntered [Nap]"), "{stdout}");
    assert_eq!(lines.last(), Some(&"execution SUCCEEDED"));

    let failed = api.start(&machine, json!({"ok": false})).await;
    let (code, stdout, _) = watch(&server, &[&failed, "--json"]).await;
    assert_eq!(code, Some(1), "{stdout}");
    let events: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>(), "every event once, in order");
    assert_eq!(events.last().unwrap()["type"], "ExecutionFailed");
    assert_eq!(events.last().unwrap()["executionFailedEventDetails"]["error"], "Broken");

    // Already over: prints the history and exits at once.
    let (code, stdout, _) = watch(&server, &[&failed]).await;
    assert_eq!(code, Some(1));
    assert!(stdout.ends_with("execution FAILED\n"), "{stdout}");

    let missing = ok.replace(":Slow:", ":Nope:");
    let (code, _, stderr) = watch(&server, &[&missing]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("ExecutionDoesNotExist"), "{stderr}");

    let mut gone = Server::start();
    let endpoint = gone.endpoint();
    gone.kill();
    let out = std::process::Command::new(statecraft_tests::statecraft_bin())
        .args(["watch", &ok, "--endpoint", &endpoint])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
}
