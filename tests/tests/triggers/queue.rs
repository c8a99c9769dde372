//! An SQS queue (moto in server mode) starting executions through serve. Between the server
//! and moto sits a proxy that delivers the first received message a second time, after the
//! server was killed and restarted: the redelivered message starts nothing new.

use crate::common::{create_machine, eventually, executions, moto, Serve};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use statecraft_runtime::triggers::aws::{Credentials, JsonClient};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Replay {
    /// The first ReceiveMessage answer that carried a message.
    stored: Option<String>,
    /// Whether the second delivery may go out, and whether it went.
    armed: bool,
    replayed: bool,
    /// The actions the server called after the second delivery.
    after: Vec<String>,
}

type ProxyState = (String, reqwest::Client, Arc<Mutex<Replay>>);

async fn proxy(
    State((moto, client, replay)): State<ProxyState>,
    headers: HeaderMap,
    body: Bytes,
) -> (axum::http::StatusCode, String) {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    if target == "AmazonSQS.ReceiveMessage" {
        let mut r = replay.lock().unwrap();
        if r.armed && !r.replayed {
            if let Some(answer) = r.stored.clone() {
                r.replayed = true;
                return (axum::http::StatusCode::OK, answer);
            }
        }
    }
    {
        let mut r = replay.lock().unwrap();
        if r.replayed {
            r.after.push(target.clone());
        }
    }
    let mut req = client.post(format!("{moto}/")).body(body);
    for name in ["content-type", "x-amz-target", "x-amz-date", "authorization", "x-amz-security-token"] {
        if let Some(v) = headers.get(name) {
            req = req.header(name, v.as_bytes());
        }
    }
    let resp = req.send().await.unwrap();
    let status = axum::http::StatusCode::from_u16(resp.status().as_u16()).unwrap();
    let text = resp.text().await.unwrap();
    if target == "AmazonSQS.ReceiveMessage" {
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let mut r = replay.lock().unwrap();
        if r.stored.is_none() && v["Messages"].as_array().is_some_and(|m| !m.is_empty()) {
            r.stored = Some(text.clone());
        }
    }
    (status, text)
}

fn credentials() -> Credentials {
    Credentials { access_key_id: "test".into(), secret_access_key: "test".into(), session_token: None }
}

#[tokio::test]
async fn a_message_delivered_twice_starts_one_execution() {
    let Some((_moto, moto_url)) = moto() else { return };
    let sqs = JsonClient::new(
        reqwest::Client::new(),
        &moto_url,
        "us-east-1",
        "sqs",
        "AmazonSQS",
        "1.0",
        Some(credentials()),
    );
    let call = |action: &'static str, input: Value| {
        let sqs = sqs.clone();
        async move {
            sqs.call(action, &input, Duration::from_secs(30))
                .await
                .unwrap_or_else(|e| panic!("{action}: {e}"))
        }
    };
    let queue_url =
        call("CreateQueue", json!({"QueueName": "inbox"})).await["QueueUrl"].as_str().unwrap().to_string();

    let replay = Arc::new(Mutex::new(Replay::default()));
    let app = Router::new().route("/", post(proxy)).with_state((
        moto_url.clone(),
        reqwest::Client::new(),
        replay.clone(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    let proxy_task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let config = format!(
        r#"
[[triggers]]
name = "inbox"
state_machine = "Orders"
sqs = {{ queue_url = "{queue_url}", endpoint = "{proxy_url}", wait_time_seconds = 1 }}
"#
    );
    let env = [("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"), ("AWS_REGION", "us-east-1")];
    let mut serve = Serve::start_env(&config, &[], &env);
    let definition =
        json!({"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let machine = create_machine(&serve.endpoint, None, "Orders", "STANDARD", definition).await;

    let sent = call("SendMessage", json!({"QueueUrl": queue_url, "MessageBody": r#"{"order":7}"#})).await;
    let message_id = sent["MessageId"].as_str().unwrap().to_string();
    let first = eventually("the message's execution", || async {
        executions(&serve.endpoint, None, &machine).await.into_iter().next()
    })
    .await;
    assert_eq!(first["name"], json!(message_id), "the message id names the execution");
    // The server deleted the message once the start was durable.
    let attributes = json!({"QueueUrl": queue_url, "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]});
    eventually("the message to be deleted", || async {
        let a = call("GetQueueAttributes", attributes.clone()).await;
        (a["Attributes"]["ApproximateNumberOfMessages"] == json!("0")
            && a["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == json!("0"))
        .then_some(())
    })
    .await;

    // Deliver it again, to a restarted server (nothing remembered in memory).
    serve.restart();
    replay.lock().unwrap().armed = true;
    eventually("the second delivery", || async { replay.lock().unwrap().replayed.then_some(()) }).await;
    // The server deletes a message only once its start is durable (or was already done):
    // the delete of the redelivered message is the sign it was handled.
    eventually("the redelivered message to be deleted", || async {
        replay.lock().unwrap().after.iter().any(|t| t == "AmazonSQS.DeleteMessage").then_some(())
    })
    .await;
    let all = executions(&serve.endpoint, None, &machine).await;
    assert_eq!(all.len(), 1, "{all:?}\n{}", serve.log());
    let described = crate::common::ok(
        &serve.endpoint,
        None,
        "DescribeExecution",
        json!({"executionArn": first["executionArn"]}),
    )
    .await;
    assert_eq!(described["input"], json!(r#"{"order":7}"#));
    proxy_task.abort();
}
