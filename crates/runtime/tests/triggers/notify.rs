//! Status-change notifications: the event's shape, the signed webhook delivery (RUNNING
//! before SUCCEEDED), the PutEvents request.

use crate::common::{eventually, Reply, Server};
use serde_json::{json, Value};
use statecraft_runtime::config::{NotificationsConfig, Secret, WebhookTarget};
use statecraft_runtime::engine::Observer;
use statecraft_runtime::notify::{event, put_events_input, Delivery, Notifier, Origin, Sink, WebhookSink};
use statecraft_runtime::ports::{ExecutionStatus, ExecutionSummary, MachineKind};
use statecraft_runtime::resolvers::webhook::verify;
use std::sync::Arc;
use std::time::Duration;

fn summary(status: ExecutionStatus) -> ExecutionSummary {
    let done = status != ExecutionStatus::Running;
    ExecutionSummary {
        arn: "arn:aws:states:us-east-1:123456789012:execution:Orders:e1".into(),
        name: "e1".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:Orders".into(),
        version_arn: None,
        alias_arn: None,
        kind: MachineKind::Standard,
        status,
        start: 1_700_000_000_000,
        stop: done.then_some(1_700_000_001_500),
        input: r#"{"id":1}"#.into(),
        output: done.then(|| r#"{"ok":true}"#.into()),
        error: None,
        cause: None,
        redrive_count: 0,
        redrive_date: None,
        trace_header: None,
        parent_arn: None,
    }
}

fn origin() -> Origin {
    Origin { region: "us-east-1".into(), account: "123456789012".into() }
}

#[test]
fn the_event_has_eventbridges_shape() {
    let e = event(
        &origin(),
        &summary(ExecutionStatus::Succeeded),
        ExecutionStatus::Succeeded,
        "id-1",
        1_700_000_001_500,
    );
    assert_eq!(e["version"], json!("0"));
    assert_eq!(e["detail-type"], json!("Step Functions Execution Status Change"));
    assert_eq!(e["source"], json!("aws.states"));
    assert_eq!(e["time"], json!("2023-11-14T22:13:21Z"));
    assert_eq!(e["resources"], json!([summary(ExecutionStatus::Running).arn]));
    let d = &e["detail"];
    assert_eq!(
        (d["status"].clone(), d["startDate"].clone(), d["stopDate"].clone()),
        (json!("SUCCEEDED"), json!(1_700_000_000_000i64), json!(1_700_000_001_500i64))
    );
    assert_eq!((d["input"].clone(), d["output"].clone()), (json!(r#"{"id":1}"#), json!(r#"{"ok":true}"#)));
    assert_eq!(d["outputDetails"], json!({"included": true}));
    assert_eq!(d["redriveStatus"], json!("NOT_REDRIVABLE"));
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "executionArn",
        "stateMachineArn",
        "name",
        "error",
        "cause",
        "inputDetails",
        "redriveCount",
        "stateMachineVersionArn",
    ] {
        assert!(keys.contains(&k), "{k}");
    }
    // A start: RUNNING, no stop, no output.
    let r = event(
        &origin(),
        &summary(ExecutionStatus::Running),
        ExecutionStatus::Running,
        "id-0",
        1_700_000_000_000,
    );
    assert_eq!((r["detail"]["stopDate"].clone(), r["detail"]["output"].clone()), (Value::Null, Value::Null));
    // PutEvents: the detail as a string, the configured source and bus.
    let p = put_events_input(&e, "orders-bus", "statecraft.states");
    let entry = &p["Entries"][0];
    assert_eq!(
        (entry["Source"].clone(), entry["EventBusName"].clone()),
        (json!("statecraft.states"), json!("orders-bus"))
    );
    assert_eq!(serde_json::from_str::<Value>(entry["Detail"].as_str().unwrap()).unwrap(), e["detail"]);
    assert_eq!(entry["DetailType"], json!("Step Functions Execution Status Change"));
}

#[tokio::test]
async fn a_webhook_receives_running_then_succeeded_signed() {
    // The first delivery fails: the event is retried, and order is kept.
    let server =
        Server::start(|_, n| if n == 0 { Reply::text(503, "busy") } else { Reply::text(204, "") }).await;
    let target = WebhookTarget { url: server.url("/events"), secret: Secret::new("whsec") };
    let config = NotificationsConfig {
        statuses: vec![ExecutionStatus::Running, ExecutionStatus::Succeeded],
        state_machines: vec!["Orders".into()],
        webhooks: vec![target.clone()],
        eventbridge: None,
        include_express: false,
    };
    let delivery = Delivery {
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        attempt_timeout: Duration::from_secs(5),
        deadline: Duration::from_secs(10),
    };
    let sink: Arc<dyn Sink> = Arc::new(WebhookSink::new(reqwest::Client::new(), target));
    let notifier = Notifier::with_sinks(origin(), config, vec![sink], delivery);
    notifier.started(&summary(ExecutionStatus::Running));
    notifier.finished(&summary(ExecutionStatus::Succeeded));
    let mut other = summary(ExecutionStatus::Succeeded);
    other.state_machine_arn = "arn:aws:states:us-east-1:123456789012:stateMachine:Other".into();
    notifier.finished(&other);
    assert!(eventually(Duration::from_secs(10), || server.received().len() >= 3).await);
    let got = server.received();
    let statuses: Vec<Value> = got.iter().map(|r| r.json()["detail"]["status"].clone()).collect();
    assert_eq!(statuses, [json!("RUNNING"), json!("RUNNING"), json!("SUCCEEDED")]);
    for r in &got {
        verify(b"whsec", &r.headers, &r.body).unwrap();
        assert_eq!(r.header("x-statecraft-delivery").unwrap(), r.json()["id"].as_str().unwrap());
    }
    assert!(verify(b"other", &got[2].headers, &got[2].body).is_err());
}
