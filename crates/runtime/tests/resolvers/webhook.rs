//! The activity webhook pusher against a receiver that checks signatures.

use crate::common::{dead_url, Reply, Server};
use serde_json::json;
use statecraft_runtime::config::{ActivityConfig, Secret};
use statecraft_runtime::resolvers::webhook::{
    self, verify, PushError, Pusher, RetryPolicy, Task, VerifyError, DELIVERY_HEADER, SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
};
use std::time::Duration;
use tokio::time::Instant;

const SECRET: &[u8] = b"receiver-secret";
const ACTIVITY: &str = "arn:aws:states:us-east-1:123456789012:activity:Approve";

fn policy(initial_ms: u64) -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(initial_ms),
        max_backoff: Duration::from_secs(1),
        attempt_timeout: Duration::from_secs(5),
    }
}

fn activity(url: String, secret: &[u8]) -> ActivityConfig {
    ActivityConfig { webhook: url, secret: Secret::new(secret) }
}

/// A receiver that answers 401 to pushes that do not verify, else `then(n)`.
async fn receiver(then: impl Fn(usize) -> u16 + Send + Sync + 'static) -> Server {
    Server::start(move |r, n| match verify(SECRET, &r.headers, &r.body) {
        Ok(()) => Reply::text(then(n), ""),
        Err(e) => Reply::text(401, &e.to_string()),
    })
    .await
}

#[tokio::test]
async fn pushes_a_signed_task() {
    let server = receiver(|_| 200).await;
    let input = json!({"order": 17});
    let task =
        Task { activity_arn: ACTIVITY, execution_arn: Some("arn:exec"), token: "tok-1", input: &input };
    let pusher = Pusher::new(policy(10)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let done = pusher.push(&activity(server.url("/tasks"), SECRET), &task, deadline).await.unwrap();
    assert_eq!((done.attempts, done.status), (1, 200));
    let got = &server.received()[0];
    assert_eq!(got.uri, "/tasks");
    assert_eq!(
        got.json(),
        json!({"taskToken": "tok-1", "input": {"order": 17}, "activityArn": ACTIVITY, "executionArn": "arn:exec"})
    );
    assert_eq!(got.body, webhook::body(&task));
    // The timestamp is part of the signed material: changing it breaks the signature.
    let mut replayed = got.headers.clone();
    replayed.insert(TIMESTAMP_HEADER, "1".parse().unwrap());
    assert_eq!(verify(SECRET, &replayed, &got.body), Err(VerifyError::Mismatch));
    let mut stripped = got.headers.clone();
    stripped.remove(SIGNATURE_HEADER);
    assert_eq!(verify(SECRET, &stripped, &got.body), Err(VerifyError::MissingHeader(SIGNATURE_HEADER)));
}

#[tokio::test]
async fn a_bad_signature_is_rejected_until_the_deadline() {
    let server = receiver(|_| 200).await;
    let input = json!({});
    let task = Task { activity_arn: ACTIVITY, execution_arn: None, token: "t", input: &input };
    let pusher = Pusher::new(policy(20)).unwrap();
    let deadline = Instant::now() + Duration::from_millis(400);
    let err = pusher.push(&activity(server.url("/"), b"wrong-secret"), &task, deadline).await.unwrap_err();
    let PushError::DeadlineExceeded { attempts, last, .. } = err else { panic!("{err}") };
    assert!(attempts >= 2, "{attempts}");
    assert_eq!(last, "HTTP 401 Unauthorized");
    assert_eq!(server.received().len() as u32, attempts);
    assert!(server.received()[0].json().get("executionArn").is_none());
}

#[tokio::test]
async fn retries_with_backoff_until_accepted() {
    let server = receiver(|n| if n < 2 { 503 } else { 204 }).await;
    let input = json!({"x": 1});
    let task = Task { activity_arn: ACTIVITY, execution_arn: None, token: "t", input: &input };
    let pusher = Pusher::new(policy(40)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let done = pusher.push(&activity(server.url("/"), SECRET), &task, deadline).await.unwrap();
    assert_eq!((done.attempts, done.status), (3, 204));
    let got = server.received();
    assert_eq!(got.len(), 3);
    // Waits are drawn from [d/2, d] with d = 40 ms, then 80 ms.
    let (gap1, gap2) = (got[1].at - got[0].at, got[2].at - got[1].at);
    assert!(gap1 >= Duration::from_millis(20), "{gap1:?}");
    assert!(gap2 >= Duration::from_millis(40), "{gap2:?}");
    // One delivery id across attempts; each attempt is signed afresh and verifies.
    let ids: Vec<_> = got.iter().map(|r| r.header(DELIVERY_HEADER).unwrap()).collect();
    assert!(ids.iter().all(|i| *i == ids[0]) && ids[0].len() == 32);
}

#[tokio::test]
async fn the_deadline_stops_retries() {
    let url = dead_url().await;
    let input = json!({});
    let task = Task { activity_arn: ACTIVITY, execution_arn: None, token: "t", input: &input };
    let pusher = Pusher::new(policy(10)).unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_millis(300);
    let err = pusher.push(&activity(url, SECRET), &task, deadline).await.unwrap_err();
    let PushError::DeadlineExceeded { attempts, .. } = err else { panic!("{err}") };
    assert!(attempts >= 2, "{attempts}");
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());

    // A deadline already past: no attempt at all.
    let err = pusher.push(&activity(dead_url().await, SECRET), &task, Instant::now()).await.unwrap_err();
    assert!(matches!(err, PushError::DeadlineExceeded { attempts: 0, .. }));
}
