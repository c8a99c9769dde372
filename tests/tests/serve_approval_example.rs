//! `examples/manual-approval` through `statecraft serve`, as its README runs it locally: the
//! example's `statecraft.toml` runs the notifier as a command, which appends the callback URL
//! to `approvals.log`; a person's clicks are the page's GET and the buttons' form posts.
//! One request is approved with a comment, one rejected with a reason, and a used link is
//! refused. Needs `python3` (standard library only); skips loudly without it.

mod common;

use aws_sdk_sfn::types::ExecutionStatus;
use common::*;
use serde_json::{json, Value};
use statecraft_tests::python::skip_or_fail;
use statecraft_tests::serve::ServeOptions;
use statecraft_tests::{copy_example, workspace};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The URL the notifier logged for this order, once it has.
async fn approval_url(log: &Path, order: &str) -> String {
    eventually(&format!("the approval link for {order}"), Duration::from_secs(30), || async move {
        let text = std::fs::read_to_string(log).ok()?;
        text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).find_map(|v| {
            let url = v["url"].as_str()?;
            v["subject"].as_str().is_none_or(|s| s.contains(order)).then(|| url.to_string())
        })
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_approval_through_serve_and_its_callback_url() {
    if Command::new("python3").arg("--version").output().is_err() {
        skip_or_fail("examples/manual-approval", "python3 is not on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let example = tmp.path().join("manual-approval");
    copy_example(&workspace().join("examples/manual-approval"), &example);
    let server =
        ServeOptions::new().config(example.join("statecraft.toml")).data_dir(tmp.path().join("data")).start();
    let sfn = sfn(&server);
    let definition = std::fs::read_to_string(example.join("definition.asl.json")).unwrap();
    let machine = create_machine(&sfn, "manual-approval", &definition).await;
    let http = reqwest::Client::new();
    let input = |order: &str, amount: u32| {
        json!({"apiUrl": format!("{}/", server.endpoint()), "approver": "finance@example.com",
               "request": {"order": order, "amount": amount}})
        .to_string()
    };
    let log = example.join("approvals.log");

    // Approved, with a comment.
    let arn = start(&sfn, &machine, &input("o-1042", 1250)).await;
    let url = approval_url(&log, "o-1042").await;
    assert!(url.starts_with(&format!("{}/callback/", server.endpoint())), "{url}");
    let page = http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Approve") && page.contains("Reject"), "{page}");
    let d = sfn.describe_execution().execution_arn(&arn).send().await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Running, "opening the page decides nothing");
    let answer = http
        .post(format!("{url}/approve"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("comment=ok%2C+within+budget")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap_or_default());
    let d = wait_status(&sfn, &arn, ExecutionStatus::Succeeded, Duration::from_secs(30)).await;
    let output: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"order": "o-1042", "decision": "approved", "by": "finance@example.com", "comment": "ok, within budget"})
    );
    // The link worked once.
    let again = http.post(format!("{url}/approve")).body("").send().await.unwrap();
    assert!(again.status().is_client_error(), "a used link still answers {}", again.status());

    // Rejected, with a reason.
    std::fs::remove_file(&log).unwrap();
    let arn = start(&sfn, &machine, &input("o-2001", 5000)).await;
    let url = approval_url(&log, "o-2001").await;
    let answer = http
        .post(format!("{url}/reject"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("comment=not+this+quarter")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let d = wait_status(&sfn, &arn, ExecutionStatus::Failed, Duration::from_secs(30)).await;
    assert_eq!(d.error.as_deref(), Some("PurchaseRejected"));
    assert_eq!(d.cause.as_deref(), Some("not this quarter"));

    // Small orders need nobody.
    let arn = start(&sfn, &machine, &input("o-7", 80)).await;
    let d = wait_status(&sfn, &arn, ExecutionStatus::Succeeded, Duration::from_secs(30)).await;
    let output: Value = serde_json::from_str(d.output.as_deref().unwrap()).unwrap();
    assert_eq!(output["by"], "policy");
}
