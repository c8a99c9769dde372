//! Status-change events through serve, to a signed webhook, for a state machine whose HTTP
//! Task calls a local API with a configured connection's credentials.

use crate::common::{create_machine, eventually, ok, Receiver, Serve};
use serde_json::{json, Value};
use statecraft_runtime::resolvers::webhook::verify;

#[tokio::test]
async fn a_webhook_receives_running_and_succeeded_for_an_http_task_execution() {
    let api = Receiver::start(|g| {
        if g.uri.starts_with("/missing") {
            (404, r#"{"message":"not found"}"#.to_string())
        } else {
            (200, r#"{"total": 42}"#.to_string())
        }
    })
    .await;
    let events = Receiver::start(|_| (204, String::new())).await;
    let config = format!(
        r#"
[notifications]
webhooks = [{{ url = "{}", secret = "whsec" }}]

[http_task.connections.billing]
api_key_header = "x-api-key"
api_key = "k-123"
"#,
        events.url("/events")
    );
    let serve = Serve::start(&config, &[]);
    let call = |path: &str| {
        json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::http:invoke",
            "Parameters": {
                "ApiEndpoint": api.url(path),
                "Method": "GET",
                "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/billing/0b1c"},
                "QueryParameters": {"month.$": "$.month"}
            },
        })
    };
    let mut ok_call = call("/totals");
    ok_call["ResultSelector"] = json!({"total.$": "$.ResponseBody.total", "status.$": "$.StatusCode"});
    ok_call["End"] = json!(true);
    let machine = create_machine(
        &serve.endpoint,
        None,
        "Billing",
        "STANDARD",
        json!({"StartAt": "Call", "States": {"Call": ok_call}}),
    )
    .await;
    let start = ok(
        &serve.endpoint,
        None,
        "StartExecution",
        json!({"stateMachineArn": machine, "input": r#"{"month":"2026-03"}"#}),
    )
    .await;
    let arn = start["executionArn"].as_str().unwrap().to_string();

    let got = eventually("two status-change events", || async {
        let got = events.got();
        (got.len() >= 2).then_some(got)
    })
    .await;
    let statuses: Vec<Value> = got
        .iter()
        .map(|g| serde_json::from_slice::<Value>(&g.body).unwrap()["detail"]["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("RUNNING"), json!("SUCCEEDED")], "{}", serve.log());
    for g in &got {
        verify(b"whsec", &g.headers, &g.body).unwrap();
        let e: Value = serde_json::from_slice(&g.body).unwrap();
        assert_eq!(e["detail-type"], json!("Step Functions Execution Status Change"));
        assert_eq!((e["source"].clone(), e["resources"].clone()), (json!("aws.states"), json!([arn])));
        assert_eq!(e["detail"]["executionArn"], json!(arn));
    }
    let done: Value = serde_json::from_slice(&got[1].body).unwrap();
    assert_eq!(done["detail"]["output"], json!(r#"{"total":42,"status":200}"#));

    // The HTTP Task called the API with the connection's key and the query parameter.
    let call = &api.got()[0];
    assert_eq!(call.uri, "/totals?month=2026-03");
    assert_eq!(call.headers.get("x-api-key").unwrap(), "k-123");

    // A 404 fails the execution with AWS's error name.
    let mut failing = call_404(&api);
    failing["End"] = json!(true);
    let m2 = create_machine(
        &serve.endpoint,
        None,
        "Missing",
        "STANDARD",
        json!({"StartAt": "Call", "States": {"Call": failing}}),
    )
    .await;
    let e2 = ok(&serve.endpoint, None, "StartExecution", json!({"stateMachineArn": m2})).await;
    let e2 = e2["executionArn"].as_str().unwrap().to_string();
    let failed = eventually("the 404 execution to fail", || async {
        let d = ok(&serve.endpoint, None, "DescribeExecution", json!({"executionArn": e2})).await;
        (d["status"] != json!("RUNNING")).then_some(d)
    })
    .await;
    assert_eq!(
        (failed["status"].clone(), failed["error"].clone()),
        (json!("FAILED"), json!("States.Http.StatusCode.404"))
    );
}

fn call_404(api: &Receiver) -> Value {
    json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::http:invoke",
        "Parameters": {
            "ApiEndpoint": api.url("/missing"),
            "Method": "GET",
            "Authentication": {"ConnectionArn": "billing"}
        },
    })
}
