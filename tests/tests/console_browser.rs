//! The web console in a real headless Chromium, driven over the W3C WebDriver protocol
//! (Debian's `chromium` and `chromium-driver`; plain HTTP to `chromedriver`, no client crate):
//! create a state machine in the form, start an execution, see its states turn succeeded in
//! the graph, approve a pending callback with a click, and redrive a failed execution.
//!
//! Without `chromedriver` on the PATH (or `CHROMEDRIVER`) the test prints a notice and
//! passes, unless `STATECRAFT_E2E_REQUIRED=1`: CI installs both packages and sets it.
//! `STATECRAFT_SCREENSHOT=FILE` saves a PNG of the execution page (the README's picture).

use base64::Engine as _;
use serde_json::{json, Value};
use statecraft_tests::serve::{ServeOptions, Server};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SOON: Duration = Duration::from_secs(30);
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn chromedriver() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("chromedriver")).find(|p| p.is_file())
}

/// A chromedriver child process and one headless session, both ended on drop.
struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start(driver: &PathBuf) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", driver.display()));
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + SOON;
        loop {
            let ready = http.get(format!("{base}/status")).send().await.ok();
            if let Some(r) = ready {
                let v: Value = r.json().await.unwrap_or_default();
                if v["value"]["ready"] == true {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut options = json!({"args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display())
        ]});
        if let Some(bin) = std::env::var_os("CHROME_BIN") {
            options["binary"] = Value::from(bin.to_string_lossy().into_owned());
        }
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}});
        let resp: Value =
            http.post(format!("{base}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let session =
            resp["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {resp}")).to_string();
        Browser { http, base, session, driver: child, _profile: profile }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method.clone(), url);
        if method == reqwest::Method::POST {
            req = req.json(&body);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    async fn go(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({"url": url})).await;
    }

    /// Runs `script` (a function body; `arguments` as in WebDriver) and returns its value.
    async fn js(&self, script: &str, args: Value) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", json!({"script": script, "args": args})).await
    }

    /// Waits until `script` returns something truthy, and returns it.
    async fn until(&self, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + SOON;
        loop {
            let v = self.js(script, json!([])).await;
            if !(v.is_null() || v == false || v == "" || v.get("error").is_some()) {
                return v;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; page: {}", self.text().await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self) -> String {
        self.js("return document.body ? document.body.innerText : ''", json!([])).await.to_string()
    }

    /// Clicks the first element matching `css` once it exists (a real WebDriver click).
    async fn click(&self, css: &str) {
        self.until(css, &format!("return document.querySelector({})", json!(css))).await;
        let found =
            self.cmd(reqwest::Method::POST, "/element", json!({"using": "css selector", "value": css})).await;
        let id = found[ELEMENT].as_str().unwrap_or_else(|| panic!("{css}: {found}")).to_string();
        let clicked = self.cmd(reqwest::Method::POST, &format!("/element/{id}/click"), json!({})).await;
        assert!(clicked.is_null(), "click {css}: {clicked}");
    }

    /// Sets a field's value as typing would (an `input` event follows).
    async fn fill(&self, css: &str, value: &str) {
        self.until(css, &format!("return document.querySelector({})", json!(css))).await;
        self.js(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input')); return true",
            json!([css, value]),
        )
        .await;
    }

    /// The `data-status` of each state node of the graph on the page.
    async fn node_statuses(&self) -> Value {
        self.js(
            "const o = {}; document.querySelectorAll('g.sc-node[data-state]').forEach(n => { o[n.getAttribute('data-state')] = n.getAttribute('data-status') }); return o",
            json!([]),
        )
        .await
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn execution_status_is(status: &str) -> String {
    format!(
        "const e = document.getElementById('exec-status'); return e && e.getAttribute('data-status') === {}",
        json!(status)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_headless_chromium_creates_starts_approves_and_redrives() {
    let Some(driver) = chromedriver() else {
        statecraft_tests::python::skip_or_fail(
            "the console browser test",
            "chromedriver not found (apt-get install chromium chromium-driver)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("statecraft.toml");
    // `flaky` fails until its marker file exists, so a redrive of its failure succeeds.
    std::fs::write(
        &config,
        "[resources.\"arn:aws:states:::sqs:sendMessage.waitForTaskToken\"]\ncommand = [\"sh\", \"-c\", \"cat > /dev/null\"]\n\
         [resources.\"arn:aws:lambda:us-east-1:123456789012:function:flaky\"]\n\
         command = [\"sh\", \"-c\", \"cat > /dev/null; test -f flaky-ok || { touch flaky-ok; exit 1; }; echo '{}'\"]\n",
    )
    .unwrap();
    let server: Server = ServeOptions::new().config(&config).start();
    let browser = Browser::start(&driver).await;
    let root = format!("{}/", server.endpoint());

    // Create a state machine in the form.
    browser.go(&format!("{root}#/create")).await;
    let definition = json!({
        "StartAt": "Prepare",
        "States": {
            "Prepare": {"Type": "Pass", "Result": {"order": 7}, "Next": "Approve"},
            "Approve": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                        "TimeoutSeconds": 300, "Next": "Done"},
            "Done": {"Type": "Succeed"}
        }
    });
    browser.fill("#create-name", "Approval").await;
    browser.fill("#definition-input", &serde_json::to_string_pretty(&definition).unwrap()).await;
    browser.click("#create-submit").await;
    browser
        .until(
            "the state machine page",
            "return location.hash.startsWith('#/machine/') && document.querySelector('#start-form')",
        )
        .await;

    // Bad JSON input is caught before anything is sent.
    browser.fill("#start-input", "{not json").await;
    browser.until("the input error", "return !document.getElementById('start-error').hidden && document.getElementById('start-button').disabled").await;
    browser.fill("#start-input", "{\"from\": \"browser\"}").await;
    browser.click("#start-button").await;
    browser
        .until(
            "the execution page",
            "return location.hash.startsWith('#/execution/') && document.querySelector('g.sc-node')",
        )
        .await;

    // The callback waits: shown as waiting, approved with a click.
    browser
        .until(
            "Approve to wait",
            "return document.querySelector('g.sc-node[data-state=\"Approve\"][data-status=\"waiting\"]')",
        )
        .await;
    browser.click("button.approve").await;
    browser.until("the execution to succeed", &execution_status_is("SUCCEEDED")).await;
    let statuses = browser.node_statuses().await;
    assert_eq!(statuses, json!({"Prepare": "succeeded", "Approve": "succeeded", "Done": "succeeded"}));
    // Nothing absent is printed as "null", and there is no token to forget on loopback.
    let stray = browser
        .js("return document.getElementById('main').innerText.split('\\n').some(l => l.trim() === 'null' || l.trim() === 'undefined')", json!([]))
        .await;
    assert_eq!(stray, false, "{}", browser.text().await);
    let forget =
        browser.js("return document.getElementById('forget-token').offsetParent === null", json!([])).await;
    assert_eq!(forget, true, "the Forget token button shows without a token");
    let rows = browser.js("return [...document.querySelectorAll('#timeline tr[data-type]')].map(r => r.getAttribute('data-type'))", json!([])).await;
    let rows: Vec<&str> = rows.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(rows.first(), Some(&"ExecutionStarted"), "{rows:?}");
    assert_eq!(rows.last(), Some(&"ExecutionSucceeded"), "{rows:?}");
    assert!(rows.contains(&"TaskSubmitted") && rows.contains(&"TaskSucceeded"), "{rows:?}");
    if let Some(file) = std::env::var_os("STATECRAFT_SCREENSHOT") {
        let png = browser.cmd(reqwest::Method::GET, "/screenshot", json!(null)).await;
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap_or_default()).unwrap();
        std::fs::write(&file, bytes).unwrap();
    }

    // A failed execution, redriven from its page.
    let http = reqwest::Client::new();
    let call = |action: &str, body: Value| {
        http.post(&root)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("AWSStepFunctions.{action}"))
            .body(body.to_string())
            .send()
    };
    let flaky = json!({"StartAt": "Flaky", "States": {"Flaky": {"Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky", "End": true}}});
    let created: Value = call(
        "CreateStateMachine",
        json!({"name": "Flaky", "definition": flaky.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let started: Value = call("StartExecution", json!({"stateMachineArn": created["stateMachineArn"]}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let arn = started["executionArn"].as_str().unwrap();
    browser.go(&format!("{root}#/execution/{}", arn.replace(':', "%3A"))).await;
    browser.until("the failure", &execution_status_is("FAILED")).await;
    assert_eq!(browser.node_statuses().await, json!({"Flaky": "failed"}));
    browser.click("#redrive-button").await;
    browser.until("the redriven execution to succeed", &execution_status_is("SUCCEEDED")).await;
    assert_eq!(browser.node_statuses().await, json!({"Flaky": "succeeded"}));

    // The executions list pages by 20 and filters by status.
    let quick = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let created: Value = call(
        "CreateStateMachine",
        json!({"name": "Quick", "definition": quick.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let quick_arn = created["stateMachineArn"].as_str().unwrap().to_string();
    for _ in 0..21 {
        let r = call("StartExecution", json!({"stateMachineArn": quick_arn})).await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let rows = "return document.querySelectorAll('#executions tr[data-execution]').length";
    browser.go(&format!("{root}#/machine/{}", quick_arn.replace(':', "%3A"))).await;
    browser.until("a first page of 20", &format!("{rows} === 20")).await;
    browser.click("#executions-more").await;
    browser.until("the 21st execution", &format!("{rows} === 21")).await;
    browser.go(&format!("{root}#/machine/{}?status=FAILED", quick_arn.replace(':', "%3A"))).await;
    browser.until("no failed execution", "return document.querySelector('#executions td.muted') && document.querySelectorAll('#executions tr[data-execution]').length === 0").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_token_the_console_asks_for_it_and_refuses_a_wrong_one() {
    let Some(driver) = chromedriver() else {
        statecraft_tests::python::skip_or_fail(
            "the console browser test",
            "chromedriver not found (apt-get install chromium chromium-driver)",
        );
        return;
    };
    let server = ServeOptions::new().token("s3cret").start();
    let browser = Browser::start(&driver).await;
    browser.go(&format!("{}/", server.endpoint())).await;
    browser.fill("#token-input", "guess").await;
    browser.click("#token-submit").await;
    browser
        .until(
            "the refusal",
            "return document.querySelector('#token-form .error') && document.querySelector('#token-input')",
        )
        .await;
    browser.fill("#token-input", "s3cret").await;
    browser.click("#token-submit").await;
    browser.until("the (empty) list of state machines", "return document.querySelector('#main h1') && document.querySelector('#main h1').textContent === 'State machines'").await;
    let forget =
        browser.js("return document.getElementById('forget-token').offsetParent !== null", json!([])).await;
    assert_eq!(forget, true, "Forget token shows once a token is kept");
}
