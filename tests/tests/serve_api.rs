//! `statecraft serve` driven by the AWS SDK for Rust, for what users rely on in the control
//! plane: weighted aliases, updates under running executions, redrive, TestState, listing and
//! paging, idempotent starts, AWS's error codes and shapes, and bearer-token auth.
//!
//! Every test starts its own server (own port, own data directory) and waits on conditions
//! with deadlines.

mod common;

use aws_sdk_sfn::types::{
    ExecutionStatus, HistoryEventType, MockErrorOutput, MockInput, RoutingConfigurationListItem,
    TestExecutionStatus,
};
use common::*;
use serde_json::{json, Value};
use statecraft_tests::serve::{ServeOptions, Server};
use std::collections::HashSet;
use std::time::Duration;

const SOON: Duration = Duration::from_secs(30);

/// A machine whose executions wait on an activity until a worker answers (so they stay
/// RUNNING as long as a test needs), then pass `tag` on.
fn activity_then_pass(activity_arn: &str, tag: &str) -> String {
    json!({
        "StartAt": "Work",
        "States": {
            "Work": {"Type": "Task", "Resource": activity_arn, "ResultPath": "$.work", "Next": "Tag"},
            "Tag": {"Type": "Pass", "Result": tag, "ResultPath": "$.tag", "End": true}
        }
    })
    .to_string()
}

fn pass_machine(result: &str) -> String {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": true}}}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weighted_alias_routes_starts_by_weight_and_records_alias_and_version() {
    let server = Server::start();
    let sfn = sfn(&server);
    let machine = create_machine(&sfn, "Routed", &pass_machine("v1")).await;
    let v1 = sfn.publish_state_machine_version().state_machine_arn(&machine).send().await.unwrap();
    sfn.update_state_machine()
        .state_machine_arn(&machine)
        .definition(pass_machine("v2"))
        .send()
        .await
        .unwrap();
    let v2 = sfn.publish_state_machine_version().state_machine_arn(&machine).send().await.unwrap();
    let (v1, v2) = (v1.state_machine_version_arn, v2.state_machine_version_arn);
    assert_eq!(v1, format!("{machine}:1"));
    assert_eq!(v2, format!("{machine}:2"));
    let route = |arn: &str, weight| {
        RoutingConfigurationListItem::builder().state_machine_version_arn(arn).weight(weight).build().unwrap()
    };
    let alias = sfn
        .create_state_machine_alias()
        .name("live")
        .routing_configuration(route(&v1, 80))
        .routing_configuration(route(&v2, 20))
        .send()
        .await
        .unwrap()
        .state_machine_alias_arn;
    assert_eq!(alias, format!("{machine}:live"));

    const N: usize = 300;
    let mut arns = Vec::with_capacity(N);
    for _ in 0..N {
        arns.push(start(&sfn, &alias, "{}").await);
    }
    let (mut on_v1, mut on_v2) = (0, 0);
    for arn in &arns {
        let d = wait_status(&sfn, arn, ExecutionStatus::Succeeded, SOON).await;
        assert_eq!(d.state_machine_alias_arn.as_deref(), Some(alias.as_str()), "{arn}");
        // The version recorded is the one that ran: its definition's output.
        match (d.state_machine_version_arn.as_deref(), d.output.as_deref()) {
            (Some(v), Some("\"v1\"")) if v == v1 => on_v1 += 1,
            (Some(v), Some("\"v2\"")) if v == v2 => on_v2 += 1,
            other => panic!("{arn}: version and output disagree: {other:?}"),
        }
    }
    // 20% of 300 is 60, standard deviation ~6.9: 30..=95 is beyond 4 deviations either way.
    assert_eq!(on_v1 + on_v2, N);
    assert!((30..=95).contains(&on_v2), "version 2 got {on_v2} of {N} starts (expected ~60)");
    eprintln!("weighted alias 80/20 over {N} starts: v1 {on_v1}, v2 {on_v2}");

    // ListExecutions by alias and by version sees the same split.
    let by_alias = list_all(&sfn, &alias, None).await;
    assert_eq!(by_alias.len(), N);
    assert_eq!(list_all(&sfn, &v2, None).await.len(), on_v2);
}

/// Every execution listed for a machine, version or alias ARN, following nextToken in pages
/// of `page` (a small page exercises the token round trip).
async fn list_all(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
    status: Option<ExecutionStatus>,
) -> Vec<aws_sdk_sfn::types::ExecutionListItem> {
    list_paged(sfn, arn, status, 1000).await
}

async fn list_paged(
    sfn: &aws_sdk_sfn::Client,
    arn: &str,
    status: Option<ExecutionStatus>,
    page: i32,
) -> Vec<aws_sdk_sfn::types::ExecutionListItem> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let out = sfn
            .list_executions()
            .state_machine_arn(arn)
            .set_status_filter(status.clone())
            .max_results(page)
            .set_next_token(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListExecutions {arn}: {e:?}"));
        assert!(out.executions.len() <= page as usize);
        all.extend(out.executions);
        match out.next_token {
            Some(t) => token = Some(t),
            None => return all,
        }
    }
}

/// Answers one task of the activity with `output`, waiting for it to be queued.
async fn answer_one(sfn: &aws_sdk_sfn::Client, activity: &str, output: &str) -> String {
    let task = eventually("an activity task", SOON, || async {
        let t = sfn.get_activity_task().activity_arn(activity).send().await.unwrap();
        t.task_token.map(|token| (token, t.input.unwrap_or_default()))
    })
    .await;
    sfn.send_task_success().task_token(&task.0).output(output).send().await.unwrap();
    task.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_while_running_keeps_the_running_revision() {
    let server = ServeOptions::new().arg("--activity-poll-seconds").arg("1").start();
    let sfn = sfn(&server);
    let activity = sfn.create_activity().name("Hold").send().await.unwrap().activity_arn;
    let machine = create_machine(&sfn, "Evolving", &activity_then_pass(&activity, "old")).await;
    let before = sfn.describe_state_machine().state_machine_arn(&machine).send().await.unwrap();
    let old = start(&sfn, &machine, r#"{"who":"old"}"#).await;

    sfn.update_state_machine()
        .state_machine_arn(&machine)
        .definition(activity_then_pass(&activity, "new"))
        .send()
        .await
        .unwrap();
    let after = sfn.describe_state_machine().state_machine_arn(&machine).send().await.unwrap();
    assert_ne!(before.revision_id, after.revision_id, "an update makes a new revision");
    let new = start(&sfn, &machine, r#"{"who":"new"}"#).await;

    // Both wait on the activity; answer both.
    for _ in 0..2 {
        answer_one(&sfn, &activity, r#"{"done":true}"#).await;
    }
    let old_d = wait_status(&sfn, &old, ExecutionStatus::Succeeded, SOON).await;
    let new_d = wait_status(&sfn, &new, ExecutionStatus::Succeeded, SOON).await;
    let out = |d: &aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput| -> Value {
        serde_json::from_str(d.output.as_deref().unwrap()).unwrap()
    };
    assert_eq!(out(&old_d)["tag"], "old", "the running execution kept its revision");
    assert_eq!(out(&new_d)["tag"], "new", "a new execution uses the update");

    // DescribeStateMachineForExecution tells which revision each ran.
    let rev = |arn: String| {
        let sfn = sfn.clone();
        async move {
            sfn.describe_state_machine_for_execution().execution_arn(arn).send().await.unwrap().revision_id
        }
    };
    assert_eq!(rev(old.clone()).await, before.revision_id);
    assert_eq!(rev(new.clone()).await, after.revision_id);
}

/// A `statecraft.toml` in a fresh directory mapping Lambda function names to commands.
fn project(resources: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut toml = String::from("version = 1\n");
    for (name, script) in resources {
        toml.push_str(&format!("\n[resources.{name}]\ncommand = [\"sh\", \"-c\", {}]\n", toml_str(script)));
    }
    let file = dir.path().join("statecraft.toml");
    std::fs::write(&file, toml).unwrap();
    (dir, file)
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn lambda(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_resumes_from_the_failed_state() {
    // Fails the first time it runs (no marker yet), succeeds afterwards.
    let (dir, config) = project(&[(
        "Flaky",
        r#"cat >/dev/null; if [ -e ran-once ]; then echo '{"ok":true}'; else touch ran-once; echo '{"errorType":"Flaky.NotYet","errorMessage":"first run fails"}'; exit 1; fi"#,
    )]);
    let server = ServeOptions::new().config(&config).start();
    let sfn = sfn(&server);
    let def = json!({
        "StartAt": "Before",
        "States": {
            "Before": {"Type": "Pass", "Result": 1, "ResultPath": "$.before", "Next": "Flaky"},
            "Flaky": {"Type": "Task", "Resource": lambda("Flaky"), "ResultPath": "$.flaky", "Next": "After"},
            "After": {"Type": "Pass", "Result": 2, "ResultPath": "$.after", "End": true}
        }
    });
    let machine = create_machine(&sfn, "Redrivable", &def.to_string()).await;
    let arn = start(&sfn, &machine, "{}").await;
    let failed = wait_status(&sfn, &arn, ExecutionStatus::Failed, SOON).await;
    assert_eq!(failed.error.as_deref(), Some("Flaky.NotYet"));
    assert!(dir.path().join("ran-once").exists());

    sfn.redrive_execution().execution_arn(&arn).send().await.unwrap();
    let done = wait_status(&sfn, &arn, ExecutionStatus::Succeeded, SOON).await;
    assert_eq!(done.redrive_count, Some(1));
    let output: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    assert_eq!(output, json!({"before": 1, "flaky": {"ok": true}, "after": 2}));

    let events = history(&sfn, &arn).await;
    let entered = |name: &str| {
        events
            .iter()
            .filter(|e| e.state_entered_event_details.as_ref().is_some_and(|d| d.name == name))
            .count()
    };
    assert_eq!(entered("Before"), 1, "redrive does not re-run states that succeeded");
    assert_eq!(entered("Flaky"), 2, "the failed state runs again");
    assert_eq!(entered("After"), 1);
    let t = types(&events);
    let redriven = t.iter().position(|t| t == "ExecutionRedriven").expect("an ExecutionRedriven event");
    let failed_at = t.iter().position(|t| t == "ExecutionFailed").unwrap();
    assert!(failed_at < redriven && t.last().map(String::as_str) == Some("ExecutionSucceeded"), "{t:?}");
    assert_contiguous(&events);

    // A succeeded execution cannot be redriven.
    let again = sfn.redrive_execution().execution_arn(&arn).send().await;
    assert_eq!(code(again), "ExecutionNotRedrivable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redrive_reruns_only_the_failed_map_iteration() {
    // Item 3 fails once; the other items succeed and must not run again on redrive. Each run
    // appends the item to runs.log, so the log shows what ran.
    let (dir, config) = project(&[(
        "Item",
        r#"read -r input; n=$(echo "$input" | tr -dc 0-9); echo "$n" >> runs.log; if [ "$n" = 3 ] && [ ! -e failed-once ]; then touch failed-once; echo '{"errorType":"Item.Failed","errorMessage":"item 3"}'; exit 1; fi; echo "$n""#,
    )]);
    let server = ServeOptions::new().config(&config).start();
    let sfn = sfn(&server);
    let def = json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Item",
                    "States": {"Item": {"Type": "Task", "Resource": lambda("Item"), "End": true}}
                },
                "End": true
            }
        }
    });
    let machine = create_machine(&sfn, "MapRedrive", &def.to_string()).await;
    let arn = start(&sfn, &machine, r#"{"items":[1,2,3,4]}"#).await;
    wait_status(&sfn, &arn, ExecutionStatus::Failed, SOON).await;
    let ran_before = std::fs::read_to_string(dir.path().join("runs.log")).unwrap();
    sfn.redrive_execution().execution_arn(&arn).send().await.unwrap();
    let done = wait_status(&sfn, &arn, ExecutionStatus::Succeeded, SOON).await;
    assert_eq!(done.output.as_deref(), Some("[1,2,3,4]"));
    let runs = std::fs::read_to_string(dir.path().join("runs.log")).unwrap();
    let rerun: Vec<&str> = runs.lines().skip(ran_before.lines().count()).collect();
    // MaxConcurrency 1 stops at the failure, so 4 may not have run before; what ran and
    // succeeded (1, 2) is not run again.
    assert!(
        !rerun.contains(&"1") && !rerun.contains(&"2"),
        "before: {ran_before:?}, after redrive: {rerun:?}"
    );
    assert!(rerun.contains(&"3"), "{rerun:?}");
    assert_contiguous(&history(&sfn, &arn).await);
}

/// History ids run 1, 2, 3, ... with no gap or repeat.
fn assert_contiguous(events: &[aws_sdk_sfn::types::HistoryEvent]) {
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let want: Vec<i64> = (1..=events.len() as i64).collect();
    assert_eq!(ids, want, "history ids are not contiguous");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_state_with_mocked_results_and_errors() {
    let server = Server::start();
    let sfn = sfn(&server);
    let task = |extra: Value| {
        let mut state = json!({"Type": "Task", "Resource": lambda("Anything"), "Next": "Done"});
        state.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        state.to_string()
    };
    let error = |e: &str| {
        MockInput::builder().error_output(MockErrorOutput::builder().error(e).cause("mocked").build()).build()
    };

    // A mocked result: SUCCEEDED, the result through ResultPath, the next state named.
    let ok = sfn
        .test_state()
        .definition(task(json!({"ResultPath": "$.r"})))
        .role_arn(ROLE)
        .input(r#"{"a":1}"#)
        .mock(MockInput::builder().result(r#"{"size":42}"#).build())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status, Some(TestExecutionStatus::Succeeded));
    assert_eq!(
        serde_json::from_str::<Value>(ok.output.as_deref().unwrap()).unwrap(),
        json!({"a":1,"r":{"size":42}})
    );
    assert_eq!(ok.next_state.as_deref(), Some("Done"));

    // A mocked error caught by the state's Catch: CAUGHT_ERROR, going to the handler.
    let caught = sfn
        .test_state()
        .definition(task(
            json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.err"}]}),
        ))
        .role_arn(ROLE)
        .mock(error("Boom"))
        .send()
        .await
        .unwrap();
    assert_eq!(caught.status, Some(TestExecutionStatus::CaughtError), "{caught:?}");
    assert_eq!(caught.error.as_deref(), Some("Boom"));
    assert_eq!(caught.next_state.as_deref(), Some("Handler"));

    // A mocked error the state would retry: RETRIABLE.
    let retriable = sfn
        .test_state()
        .definition(task(json!({"Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}]})))
        .role_arn(ROLE)
        .mock(error("Boom"))
        .send()
        .await
        .unwrap();
    assert_eq!(retriable.status, Some(TestExecutionStatus::Retriable), "{retriable:?}");
    assert_eq!(retriable.error.as_deref(), Some("Boom"));

    // A mocked error nothing handles: FAILED.
    let failed =
        sfn.test_state().definition(task(json!({}))).role_arn(ROLE).mock(error("Boom")).send().await.unwrap();
    assert_eq!(failed.status, Some(TestExecutionStatus::Failed), "{failed:?}");
    assert_eq!(failed.error.as_deref(), Some("Boom"));
    assert_eq!(failed.cause.as_deref(), Some("mocked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_executions_filters_by_status_and_pages_with_next_token() {
    let server = ServeOptions::new().arg("--activity-poll-seconds").arg("1").start();
    let sfn = sfn(&server);
    let activity = sfn.create_activity().name("Never").send().await.unwrap().activity_arn;
    let def = json!({
        "StartAt": "Route",
        "States": {
            "Route": {"Type": "Choice", "Choices": [
                {"Variable": "$.outcome", "StringEquals": "fail", "Next": "Fail"},
                {"Variable": "$.outcome", "StringEquals": "hold", "Next": "Hold"}
            ], "Default": "Ok"},
            "Fail": {"Type": "Fail", "Error": "Asked", "Cause": "the input asked for it"},
            "Hold": {"Type": "Task", "Resource": activity, "End": true},
            "Ok": {"Type": "Succeed"}
        }
    });
    let machine = create_machine(&sfn, "Mixed", &def.to_string()).await;
    let mut want: Vec<(String, ExecutionStatus)> = Vec::new();
    for (outcome, n, status) in [
        ("ok", 7, ExecutionStatus::Succeeded),
        ("fail", 5, ExecutionStatus::Failed),
        ("hold", 4, ExecutionStatus::Running),
    ] {
        for _ in 0..n {
            let arn = start(&sfn, &machine, &json!({"outcome": outcome}).to_string()).await;
            want.push((arn, status.clone()));
        }
    }
    let stop_me = want.iter().find(|(_, s)| *s == ExecutionStatus::Running).unwrap().0.clone();
    sfn.stop_execution().execution_arn(&stop_me).error("Stopped.ByTest").send().await.unwrap();
    for (arn, status) in &mut want {
        if *arn == stop_me {
            *status = ExecutionStatus::Aborted;
        }
        if *status != ExecutionStatus::Running {
            wait_status(&sfn, arn, status.clone(), SOON).await;
        }
    }

    for status in [
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::Running,
        ExecutionStatus::Aborted,
        ExecutionStatus::TimedOut,
    ] {
        let expected: HashSet<&str> =
            want.iter().filter(|(_, s)| *s == status).map(|(a, _)| a.as_str()).collect();
        for page in [1, 3, 100] {
            let got = list_paged(&sfn, &machine, Some(status.clone()), page).await;
            assert!(got.iter().all(|e| e.status == status));
            let arns: HashSet<&str> = got.iter().map(|e| e.execution_arn.as_str()).collect();
            assert_eq!(arns.len(), got.len(), "{status:?}, page {page}: an execution listed twice");
            assert_eq!(arns, expected, "{status:?}, page {page}");
        }
    }
    // All of them, in pages of 2: each once, newest first as AWS lists them.
    let all = list_paged(&sfn, &machine, None, 2).await;
    assert_eq!(all.len(), want.len());
    assert_eq!(all.iter().map(|e| e.execution_arn.as_str()).collect::<HashSet<_>>().len(), want.len());
    assert!(all.windows(2).all(|w| w[0].start_date.secs() >= w[1].start_date.secs()), "newest first");

    // A token that this server did not issue.
    let bad = sfn.list_executions().state_machine_arn(&machine).next_token("bm90IGEgdG9rZW4=").send().await;
    assert_eq!(code(bad), "InvalidToken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execution_history_pages_forward_and_in_reverse() {
    let server = Server::start();
    let sfn = sfn(&server);
    // Ten Pass states: started, 10 × (entered, exited), succeeded = 22 events.
    let mut states = serde_json::Map::new();
    for i in 0..10 {
        let mut s = json!({"Type": "Pass", "Result": i, "ResultPath": format!("$.s{i}")});
        if i < 9 {
            s["Next"] = json!(format!("S{}", i + 1));
        } else {
            s["End"] = json!(true);
        }
        states.insert(format!("S{i}"), s);
    }
    let machine = create_machine(&sfn, "Long", &json!({"StartAt": "S0", "States": states}).to_string()).await;
    let arn = start(&sfn, &machine, "{}").await;
    wait_status(&sfn, &arn, ExecutionStatus::Succeeded, SOON).await;

    let full = history(&sfn, &arn).await;
    assert_eq!(full.len(), 22);
    assert_contiguous(&full);
    assert_eq!(full[0].r#type, HistoryEventType::ExecutionStarted);
    assert_eq!(full[21].r#type, HistoryEventType::ExecutionSucceeded);

    for reverse in [false, true] {
        for page in [1, 5, 21, 22, 100] {
            let mut got = Vec::new();
            let mut token = None;
            let mut pages = 0;
            loop {
                let out = sfn
                    .get_execution_history()
                    .execution_arn(&arn)
                    .reverse_order(reverse)
                    .max_results(page)
                    .set_next_token(token)
                    .send()
                    .await
                    .unwrap();
                pages += 1;
                assert!(out.events.len() <= page as usize);
                got.extend(out.events.into_iter().map(|e| e.id));
                match out.next_token {
                    Some(t) => token = Some(t),
                    None => break,
                }
            }
            let mut want: Vec<i64> = (1..=22).collect();
            if reverse {
                want.reverse();
            }
            assert_eq!(got, want, "reverse {reverse}, page {page}");
            assert!(
                pages >= 22usize.div_ceil(page as usize),
                "reverse {reverse}, page {page}: {pages} pages"
            );
        }
    }
    // previousEventId links each event to an earlier one.
    for e in &full[1..] {
        assert!(e.previous_event_id < e.id, "{e:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_execution_is_idempotent_on_name_and_input() {
    let server = Server::start();
    let sfn = sfn(&server);
    let def = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let machine = create_machine(&sfn, "Idem", &def.to_string()).await;
    let first = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .name("order-1")
        .input(r#"{"n":1}"#)
        .send()
        .await
        .unwrap();
    let again = sfn
        .start_execution()
        .state_machine_arn(&machine)
        .name("order-1")
        .input(r#"{"n":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(first.execution_arn, again.execution_arn);
    assert_eq!(first.start_date, again.start_date, "the same execution, not a new one");
    let other =
        sfn.start_execution().state_machine_arn(&machine).name("order-1").input(r#"{"n":2}"#).send().await;
    assert_eq!(code(other), "ExecutionAlreadyExists");
    assert_eq!(list_all(&sfn, &machine, None).await.len(), 1);

    // Once it is no longer running, the name stays taken, even with the same input.
    sfn.stop_execution().execution_arn(&first.execution_arn).send().await.unwrap();
    let after_stop =
        sfn.start_execution().state_machine_arn(&machine).name("order-1").input(r#"{"n":1}"#).send().await;
    assert_eq!(code(after_stop), "ExecutionAlreadyExists");
}

/// A raw API call, for what the SDK hides: HTTP status and the JSON error body.
async fn raw(server: &Server, target: &str, body: Value, auth: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(server.endpoint())
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("X-Amz-Target", format!("AWSStepFunctions.{target}"))
        .body(body.to_string());
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_aws_codes_and_shapes() {
    let server = Server::start();
    let sfn = sfn(&server);
    let acct = "us-east-1:123456789012";
    let missing_machine = format!("arn:aws:states:{acct}:stateMachine:Nope");
    let missing_exec = format!("arn:aws:states:{acct}:execution:Nope:run-1");

    let (c, m) = code_message(sfn.describe_state_machine().state_machine_arn(&missing_machine).send().await);
    assert_eq!(c, "StateMachineDoesNotExist");
    assert!(m.contains(&missing_machine), "{m}");
    assert_eq!(
        code(sfn.start_execution().state_machine_arn(&missing_machine).send().await),
        "StateMachineDoesNotExist"
    );
    let (c, m) = code_message(sfn.describe_execution().execution_arn(&missing_exec).send().await);
    assert_eq!(c, "ExecutionDoesNotExist");
    assert!(m.contains(&missing_exec), "{m}");
    assert_eq!(
        code(sfn.get_execution_history().execution_arn(&missing_exec).send().await),
        "ExecutionDoesNotExist"
    );
    assert_eq!(code(sfn.stop_execution().execution_arn(&missing_exec).send().await), "ExecutionDoesNotExist");
    assert_eq!(
        code(
            sfn.describe_activity().activity_arn(format!("arn:aws:states:{acct}:activity:Nope")).send().await
        ),
        "ActivityDoesNotExist"
    );
    assert_eq!(
        code(
            sfn.describe_state_machine_alias()
                .state_machine_alias_arn(format!("{missing_machine}:live"))
                .send()
                .await
        ),
        "ResourceNotFound"
    );

    // Malformed ARNs.
    for bad in ["not-an-arn", "arn:aws:states:us-east-1:123456789012:activity:Wrong", "arn:aws:s3:::bucket"] {
        assert_eq!(
            code(sfn.describe_state_machine().state_machine_arn(bad).send().await),
            "InvalidArn",
            "{bad}"
        );
        assert_eq!(code(sfn.describe_execution().execution_arn(bad).send().await), "InvalidArn", "{bad}");
    }

    // Invalid definitions name the problem and where it is (a JSON pointer).
    let (c, m) = code_message(
        sfn.create_state_machine()
            .name("Broken")
            .role_arn(ROLE)
            .definition(r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}"#)
            .send()
            .await,
    );
    assert_eq!(c, "InvalidDefinition");
    assert!(m.starts_with("Invalid State Machine Definition: '"), "{m}");
    assert!(m.contains("MISSING_TRANSITION_TARGET") && m.contains("/States/A/Next"), "{m}");
    let (c, m) =
        code_message(sfn.create_state_machine().name("NotJson").role_arn(ROLE).definition("{").send().await);
    assert_eq!(c, "InvalidDefinition");
    assert!(m.contains("Invalid State Machine Definition"), "{m}");

    // Names, inputs and tokens.
    let machine = create_machine(&sfn, "Fine", &pass_machine("x")).await;
    assert_eq!(
        code(
            sfn.create_state_machine().name("Fine").role_arn(ROLE).definition(pass_machine("y")).send().await
        ),
        "StateMachineAlreadyExists"
    );
    assert_eq!(
        code(sfn.start_execution().state_machine_arn(&machine).input("{nope").send().await),
        "InvalidExecutionInput"
    );
    assert_eq!(
        code(sfn.start_execution().state_machine_arn(&machine).name("a b").send().await),
        "InvalidName"
    );
    assert_eq!(
        code(sfn.send_task_success().task_token("no-such-token").output("{}").send().await),
        "InvalidToken"
    );

    // The wire shape: HTTP 400, {"__type": code, "message": ...}.
    let (status, body) = raw(&server, "DescribeExecution", json!({"executionArn": missing_exec}), None).await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "ExecutionDoesNotExist", "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("Nope")), "{body}");
    let (status, body) = raw(&server, "NoSuchAction", json!({}), None).await;
    assert_eq!((status, body["__type"].as_str()), (400, Some("UnknownOperationException")), "{body}");
    let (status, body) = raw(&server, "StartExecution", json!({"stateMachineArn": 5}), None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["__type"] == "SerializationException" || body["__type"] == "ValidationException", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_token_auth() {
    // Not loopback and no token: refuses to start. (It never listens, so nothing is exposed.)
    let refused = ServeOptions::new().bind("0.0.0.0:0").try_start();
    let Err(log) = refused else { panic!("serve started on 0.0.0.0 without a token") };
    assert!(log.contains("refusing to listen"), "{log}");
    assert!(log.contains("exited with exit status: 2"), "{log}");

    let token = "t0ken-for-tests";
    let server = ServeOptions::new().token(token).start();
    // Without the token: 401 in AWS's shape.
    let (status, body) = raw(&server, "ListStateMachines", json!({}), None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["__type"], "UnrecognizedClientException");
    let (status, _) = raw(&server, "ListStateMachines", json!({}), Some("Bearer wrong")).await;
    assert_eq!(status, 401);
    let (status, body) = raw(&server, "ListStateMachines", json!({}), Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["stateMachines"].is_array());

    // AWS clients sign instead: the token is their access key id.
    let good = sfn_with_key(&server, token);
    good.list_state_machines().send().await.expect("the token as access key id is accepted");
    create_machine(&good, "Authed", &pass_machine("x")).await;
    let wrong = sfn_with_key(&server, "AKIAWRONG");
    assert_eq!(code(wrong.list_state_machines().send().await), "UnrecognizedClientException");

    // /health and callback URLs (the task token is their credential) stay open.
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{}/health", server.endpoint())).send().await.unwrap().status(), 200);
    let cb = http
        .post(format!("{}/callback/not-a-token/success", server.endpoint()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_ne!(cb.status(), 401, "callback routes do not need the bearer token");
}
