//! Tasks answered from outside through `statecraft serve`: activity workers (long polling,
//! heartbeats, timeouts), task tokens (expiry, single use), activity tasks pushed to a webhook
//! with an HMAC signature, and callback URLs.

mod common;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use serde_json::{json, Value};
use statecraft_runtime::resolvers::webhook::{self, VerifyError};
use statecraft_tests::serve::{ServeOptions, Server};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const SOON: Duration = Duration::from_secs(30);

fn activity_task(activity: &str, extra: Value) -> String {
    let mut task = json!({"Type": "Task", "Resource": activity, "End": true});
    task.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    json!({"StartAt": "Work", "States": {"Work": task}}).to_string()
}

/// Polls until a task of the activity is handed out: (token, input).
async fn poll_task(sfn: &aws_sdk_sfn::Client, activity: &str) -> (String, String) {
    eventually("an activity task", SOON, || async {
        let t =
            sfn.get_activity_task().activity_arn(activity).worker_name("test-worker").send().await.unwrap();
        t.task_token.map(|token| (token, t.input.unwrap_or_default()))
    })
    .await
}

/// A token that no longer opens a task (answered, timed out) is refused as AWS refuses it:
/// `TaskTimedOut` ("Provided task does not exist anymore"); `InvalidToken` is for tokens that
/// were never issued.
fn assert_refused(code: &str, what: &str) {
    assert_eq!(code, "TaskTimedOut", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_heartbeats_and_timeouts_fail_the_task_and_void_its_token() {
    let server = ServeOptions::new().arg("--activity-poll-seconds").arg("1").start();
    let sfn = sfn(&server);
    let activity = sfn.create_activity().name("Slow").send().await.unwrap().activity_arn;

    // No heartbeat within HeartbeatSeconds: States.HeartbeatTimeout.
    let hb = create_machine(
        &sfn,
        "Heartbeat",
        &activity_task(&activity, json!({"HeartbeatSeconds": 1, "TimeoutSeconds": 60})),
    )
    .await;
    let exec = start(&sfn, &hb, r#"{"job":1}"#).await;
    let (token, input) = poll_task(&sfn, &activity).await;
    assert_eq!(serde_json::from_str::<Value>(&input).unwrap(), json!({"job": 1}));
    let failed = wait_status(&sfn, &exec, ExecutionStatus::Failed, SOON).await;
    assert_eq!(failed.error.as_deref(), Some("States.HeartbeatTimeout"));
    let events = history(&sfn, &exec).await;
    assert!(events.iter().any(|e| e.r#type == HistoryEventType::ActivityTimedOut), "{:?}", types(&events));
    // The worker answers late: refused, and nothing changes.
    assert_refused(
        &code(sfn.send_task_success().task_token(&token).output("{}").send().await),
        "SendTaskSuccess after the heartbeat timeout",
    );
    assert_refused(
        &code(sfn.send_task_heartbeat().task_token(&token).send().await),
        "SendTaskHeartbeat after the heartbeat timeout",
    );
    assert_eq!(history(&sfn, &exec).await.len(), events.len());

    // TimeoutSeconds passes: States.Timeout, and the token is void.
    let to = create_machine(&sfn, "Timeout", &activity_task(&activity, json!({"TimeoutSeconds": 1}))).await;
    let exec = start(&sfn, &to, "{}").await;
    let (token, _) = poll_task(&sfn, &activity).await;
    let failed = wait_status(&sfn, &exec, ExecutionStatus::Failed, SOON).await;
    assert_eq!(failed.error.as_deref(), Some("States.Timeout"));
    assert_refused(
        &code(sfn.send_task_success().task_token(&token).output("{}").send().await),
        "SendTaskSuccess after TimeoutSeconds",
    );

    // Heartbeats keep a task alive past HeartbeatSeconds.
    let kept = create_machine(
        &sfn,
        "KeptAlive",
        &activity_task(&activity, json!({"HeartbeatSeconds": 2, "TimeoutSeconds": 60})),
    )
    .await;
    let exec = start(&sfn, &kept, r#"{"job":2}"#).await;
    let (token, _) = poll_task(&sfn, &activity).await;
    let begun = Instant::now();
    // The worker's heartbeat cadence (part of the workload, not a wait for a condition):
    // every 300 ms for 4.5 s, more than twice HeartbeatSeconds.
    let mut beat = tokio::time::interval(Duration::from_millis(300));
    while begun.elapsed() < Duration::from_millis(4500) {
        beat.tick().await;
        sfn.send_task_heartbeat().task_token(&token).send().await.expect("heartbeat accepted");
    }
    sfn.send_task_success().task_token(&token).output(r#"{"done":2}"#).send().await.unwrap();
    let done = wait_status(&sfn, &exec, ExecutionStatus::Succeeded, SOON).await;
    assert_eq!(done.output.as_deref(), Some(r#"{"done":2}"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_token_is_single_use() {
    let server = ServeOptions::new().arg("--activity-poll-seconds").arg("1").start();
    let sfn = sfn(&server);
    let activity = sfn.create_activity().name("Twice").send().await.unwrap().activity_arn;
    // Two activity tasks in a row, so the execution is still running when the first token is
    // used again.
    let def = json!({
        "StartAt": "First",
        "States": {
            "First": {"Type": "Task", "Resource": activity, "ResultPath": "$.first", "Next": "Second"},
            "Second": {"Type": "Task", "Resource": activity, "ResultPath": "$.second", "End": true}
        }
    });
    let machine = create_machine(&sfn, "TwoSteps", &def.to_string()).await;
    let exec = start(&sfn, &machine, "{}").await;
    let (first, _) = poll_task(&sfn, &activity).await;
    sfn.send_task_success().task_token(&first).output("1").send().await.unwrap();
    let (second, _) = poll_task(&sfn, &activity).await;
    assert_ne!(first, second);
    assert_refused(
        &code(sfn.send_task_success().task_token(&first).output("99").send().await),
        "SendTaskSuccess with a used token",
    );
    assert_refused(
        &code(sfn.send_task_failure().task_token(&first).error("Late").send().await),
        "SendTaskFailure with a used token",
    );
    sfn.send_task_success().task_token(&second).output("2").send().await.unwrap();
    let done = wait_status(&sfn, &exec, ExecutionStatus::Succeeded, SOON).await;
    assert_eq!(
        serde_json::from_str::<Value>(done.output.as_deref().unwrap()).unwrap(),
        json!({"first": 1, "second": 2})
    );
    // Tokens are 256 random bits: at least 43 base64 or 64 hex characters.
    assert!(first.len() >= 43, "{first}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_activity_task_long_polls() {
    const HOLD: Duration = Duration::from_secs(2);
    let server = ServeOptions::new().arg("--activity-poll-seconds").arg(HOLD.as_secs().to_string()).start();
    let sfn = sfn(&server);
    let activity = sfn.create_activity().name("Polled").send().await.unwrap().activity_arn;

    // Nothing queued: the poll is held, then answered empty.
    let begun = Instant::now();
    let empty = sfn.get_activity_task().activity_arn(&activity).send().await.unwrap();
    let held = begun.elapsed();
    assert!(empty.task_token.is_none() && empty.input.is_none(), "{empty:?}");
    assert!(held >= HOLD - Duration::from_millis(100) && held < HOLD * 5, "held {held:?}");

    // A poll waiting when the task is scheduled gets it.
    let machine = create_machine(&sfn, "Polled", &activity_task(&activity, json!({}))).await;
    let poller = {
        let (sfn, activity) = (sfn.clone(), activity.clone());
        tokio::spawn(async move {
            let begun = Instant::now();
            let t = sfn.get_activity_task().activity_arn(activity).worker_name("early").send().await.unwrap();
            (t, begun.elapsed())
        })
    };
    let exec = start(&sfn, &machine, r#"{"n":7}"#).await;
    let (task, waited) = poller.await.unwrap();
    let token = task.task_token.unwrap_or_else(|| panic!("the waiting poll returned empty after {waited:?}"));
    assert_eq!(task.input.as_deref(), Some(r#"{"n":7}"#));
    sfn.send_task_success().task_token(&token).output(r#"{"n":8}"#).send().await.unwrap();
    wait_status(&sfn, &exec, ExecutionStatus::Succeeded, SOON).await;
    let events = history(&sfn, &exec).await;
    let started =
        events.iter().find_map(|e| e.activity_started_event_details.as_ref()).expect("ActivityStarted");
    assert_eq!(started.worker_name.as_deref(), Some("early"));
}

/// One push the test receiver got.
#[derive(Debug)]
struct Push {
    headers: HeaderMap,
    body: Bytes,
    verified: Result<(), VerifyError>,
}

/// A webhook receiver on a loopback port: checks each push with [`webhook::verify`] against
/// `secret`, answers 200 when it verifies and 401 otherwise, and hands every push to the
/// test.
async fn receiver(secret: &'static [u8]) -> (String, mpsc::UnboundedReceiver<Push>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/tasks",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let verified = webhook::verify(secret, &headers, &body);
                let status = if verified.is_ok() { StatusCode::OK } else { StatusCode::UNAUTHORIZED };
                let _ = tx.send(Push { headers, body, verified });
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tasks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

async fn next_push(rx: &mut mpsc::UnboundedReceiver<Push>) -> Push {
    tokio::time::timeout(SOON, rx.recv())
        .await
        .expect("a push within the deadline")
        .expect("receiver running")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_tasks_are_pushed_to_webhooks_with_a_verifiable_signature() {
    let (good_url, mut good) = receiver(b"shared-secret").await;
    // This receiver holds another key than the server signs with: it must refuse.
    let (bad_url, mut bad) = receiver(b"not-the-servers-key").await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("statecraft.toml");
    std::fs::write(
        &config,
        format!(
            "[activities.Approve]\nwebhook = \"{good_url}\"\nsecret = \"shared-secret\"\n\n\
             [activities.Mismatched]\nwebhook = \"{bad_url}\"\nsecret = \"server-key\"\n"
        ),
    )
    .unwrap();
    let server = ServeOptions::new().config(&config).start();
    let sfn = sfn(&server);
    let approve = sfn.create_activity().name("Approve").send().await.unwrap().activity_arn;
    let machine =
        create_machine(&sfn, "Pushed", &activity_task(&approve, json!({"TimeoutSeconds": 60}))).await;
    let exec = start(&sfn, &machine, r#"{"order":"A-1","amount":12.5}"#).await;

    let push = next_push(&mut good).await;
    assert_eq!(push.verified, Ok(()), "the server's signature verifies");
    let body: Value = serde_json::from_slice(&push.body).unwrap();
    assert_eq!(body["input"], json!({"order": "A-1", "amount": 12.5}), "input is JSON, not a string");
    assert_eq!(body["activityArn"], approve.as_str());
    assert_eq!(body["executionArn"], exec.as_str());
    let token = body["taskToken"].as_str().unwrap().to_string();

    // What a receiver must refuse: a changed body, another key, a missing or stale signature.
    let mut tampered = push.body.to_vec();
    let at = tampered.iter().position(|b| *b == b'1').unwrap();
    tampered[at] = b'9';
    assert_eq!(webhook::verify(b"shared-secret", &push.headers, &tampered), Err(VerifyError::Mismatch));
    assert_eq!(webhook::verify(b"other-secret", &push.headers, &push.body), Err(VerifyError::Mismatch));
    let mut unsigned = push.headers.clone();
    unsigned.remove(webhook::SIGNATURE_HEADER);
    assert!(matches!(
        webhook::verify(b"shared-secret", &unsigned, &push.body),
        Err(VerifyError::MissingHeader(_))
    ));
    let ts = push.headers[webhook::TIMESTAMP_HEADER].to_str().unwrap().parse::<u64>().unwrap();
    let sig = push.headers[webhook::SIGNATURE_HEADER].to_str().unwrap();
    let an_hour_later = ts + 3600;
    assert!(matches!(
        webhook::verify_at(
            b"shared-secret",
            sig,
            &ts.to_string(),
            &push.body,
            an_hour_later,
            webhook::DEFAULT_TOLERANCE
        ),
        Err(VerifyError::Stale { .. })
    ));

    // Accepted pushes are recorded as started by the webhook; the worker answers by token.
    let events = eventually("ActivityStarted", SOON, || async {
        let events = history(&sfn, &exec).await;
        events.iter().any(|e| e.r#type == HistoryEventType::ActivityStarted).then_some(events)
    })
    .await;
    let started = events.iter().find_map(|e| e.activity_started_event_details.as_ref()).unwrap();
    assert_eq!(started.worker_name.as_deref(), Some("webhook"));
    sfn.send_task_success().task_token(&token).output(r#"{"approved":true}"#).send().await.unwrap();
    let done = wait_status(&sfn, &exec, ExecutionStatus::Succeeded, SOON).await;
    assert_eq!(done.output.as_deref(), Some(r#"{"approved":true}"#));

    // A receiver that refuses (401) is retried, with the same delivery id, freshly signed.
    let mismatched = sfn.create_activity().name("Mismatched").send().await.unwrap().activity_arn;
    let m2 =
        create_machine(&sfn, "Refused", &activity_task(&mismatched, json!({"TimeoutSeconds": 60}))).await;
    let exec2 = start(&sfn, &m2, "{}").await;
    let first = next_push(&mut bad).await;
    let second = next_push(&mut bad).await;
    assert_eq!(first.verified, Err(VerifyError::Mismatch));
    assert_eq!(second.verified, Err(VerifyError::Mismatch));
    assert_eq!(first.headers[webhook::DELIVERY_HEADER], second.headers[webhook::DELIVERY_HEADER]);
    // Not accepted, so not started; a polling worker can still take it.
    let events = history(&sfn, &exec2).await;
    assert!(!events.iter().any(|e| e.r#type == HistoryEventType::ActivityStarted), "{:?}", types(&events));
    sfn.stop_execution().execution_arn(&exec2).send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_urls_approve_and_reject() {
    // The task hands its callback URL to a command that files it (as a mailer would).
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("statecraft.toml");
    std::fs::write(
        &config,
        "[resources.\"arn:aws:states:::sqs:sendMessage.waitForTaskToken\"]\n\
         command = [\"sh\", \"-c\", \"cat > \\\"request-$(date +%s%N).json\\\"\"]\n",
    )
    .unwrap();
    let server = ServeOptions::new().config(&config).start();
    let sfn = sfn(&server);
    let url = format!("States.Format('{}/callback/{{}}', $$.Task.Token)", server.endpoint());
    let def = json!({
        "StartAt": "AskForApproval",
        "States": {
            "AskForApproval": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "approvals", "MessageBody": {"order.$": "$.order", "url.$": url}},
                "ResultPath": "$.decision",
                "TimeoutSeconds": 300,
                "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection", "Next": "Declined"}],
                "End": true
            },
            "Declined": {"Type": "Pass", "End": true}
        }
    });
    let machine = create_machine(&sfn, "Approval", &def.to_string()).await;
    let http = reqwest::Client::new();

    for (order, decision) in [("A-1", "approve"), ("A-2", "reject")] {
        let exec = start(&sfn, &machine, &json!({"order": order}).to_string()).await;
        let request = eventually("the approval request", SOON, || async {
            std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok).find_map(|e| {
                let text = std::fs::read_to_string(e.path()).ok()?;
                let v: Value = serde_json::from_str(&text).ok()?;
                (v.pointer("/MessageBody/order")? == order).then_some(v)
            })
        })
        .await;
        let link = request.pointer("/MessageBody/url").and_then(Value::as_str).unwrap().to_string();
        assert!(link.starts_with(&format!("{}/callback/", server.endpoint())), "{link}");

        // Opening the link changes nothing (link previews and mail scanners fetch links).
        let page = http.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("/approve") && html.contains("/reject"), "{html}");
        assert_eq!(
            sfn.describe_execution().execution_arn(&exec).send().await.unwrap().status,
            ExecutionStatus::Running
        );

        let answer = http
            .post(format!("{link}/{decision}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("comment=checked+by+test")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{decision}");
        let done = wait_status(&sfn, &exec, ExecutionStatus::Succeeded, SOON).await;
        let out: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
        if decision == "approve" {
            assert_eq!(out["decision"], json!({"approved": true, "comment": "checked by test"}));
        } else {
            assert_eq!(out["rejection"]["Error"], "Rejected");
            assert_eq!(out["rejection"]["Cause"], "checked by test");
        }
        // The link is single use.
        let again = http.post(format!("{link}/approve")).send().await.unwrap();
        assert_eq!(again.status(), 410);
    }
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_sync_execution_runs_express_machines() {
    let server = Server::start();
    let sfn = sfn(&server);
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": true}}});
    let machine = sfn
        .create_state_machine()
        .name("Sync")
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .definition(def.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let out = sfn
        .start_sync_execution()
        .state_machine_arn(&machine)
        .input(r#"{"a":2,"b":3}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status, aws_sdk_sfn::types::SyncExecutionStatus::Succeeded);
    assert_eq!(out.output.as_deref(), Some(r#"{"sum":5}"#));
}
