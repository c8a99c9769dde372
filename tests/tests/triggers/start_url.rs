//! `POST /start/{trigger}` through serve: outside the API's bearer token, behind the
//! trigger's own secret.

use crate::common::{create_machine, executions, ok, sfn, Serve};
use serde_json::{json, Value};

const CONFIG: &str = r#"
[[triggers]]
name = "orders"
state_machine = "Orders"
http = { secret = "trigger-secret" }
"#;

async fn post(serve: &Serve, auth: Option<&str>, key: Option<&str>, body: &str) -> (u16, Value) {
    let mut req =
        reqwest::Client::new().post(format!("{}/start/orders", serve.endpoint)).body(body.to_string());
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_start_url_refuses_a_wrong_secret_and_starts_with_the_right_one() {
    let token = Some("api-token");
    let serve = Serve::start(CONFIG, &["--token", "api-token"]);
    let definition = json!({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}});
    let machine = create_machine(&serve.endpoint, token, "Orders", "STANDARD", definition).await;

    // The API's token is not the trigger's secret, and no secret is no secret.
    for auth in [None, Some("Bearer api-token"), Some("Bearer wrong")] {
        let (status, body) = post(&serve, auth, None, r#"{"order": 1}"#).await;
        assert_eq!(status, 401, "{auth:?}: {body}");
    }
    assert!(executions(&serve.endpoint, token, &machine).await.is_empty(), "nothing started");
    // The API itself still wants its token.
    assert_eq!(sfn(&serve.endpoint, None, "ListStateMachines", json!({})).await.0, 401);

    let (status, body) = post(&serve, Some("Bearer trigger-secret"), None, r#"{"order": 1}"#).await;
    assert_eq!(status, 200, "{body}");
    let arn = body["executionArn"].as_str().unwrap().to_string();
    let described = ok(&serve.endpoint, token, "DescribeExecution", json!({"executionArn": arn})).await;
    let input: Value = serde_json::from_str(described["input"].as_str().unwrap()).unwrap();
    assert_eq!(input, json!({"order": 1}));

    // Idempotency-Key names the execution: twice, one execution.
    let (s1, first) = post(&serve, Some("Bearer trigger-secret"), Some("order-2"), r#"{"order": 2}"#).await;
    let (s2, second) = post(&serve, Some("Bearer trigger-secret"), Some("order-2"), r#"{"order": 2}"#).await;
    assert_eq!((s1, s2), (200, 200), "{first} {second}");
    assert!(first["executionArn"].as_str().unwrap().ends_with(":execution:Orders:order-2"));
    assert_eq!(first["executionArn"], second["executionArn"]);
    assert_eq!((first["created"].clone(), second["created"].clone()), (json!(true), json!(false)));
    assert_eq!(executions(&serve.endpoint, token, &machine).await.len(), 2);
}
