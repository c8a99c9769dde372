//! Crash recovery of `statecraft serve`: executions sitting in Waits and in running tasks, the
//! server killed with SIGKILL, restarted on the same data directory. Every execution must
//! finish exactly once with a consistent history; Waits that came due while the server was
//! down fire promptly after the restart; tasks may run twice (at-least-once), which is
//! counted and reported.

mod common;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent, HistoryEventType};
use common::*;
use serde_json::json;
use statecraft_tests::serve::ServeOptions;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const TASKS: usize = 20;
/// Waits due while the server is down.
const DUE_IN_DOWNTIME: usize = 40;
/// Waits due after the restart.
const DUE_LATER: usize = 20;

fn unix(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

fn iso(t: f64) -> String {
    let secs = t.floor() as i64;
    let millis = ((t - t.floor()) * 1000.0).round() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Lets blocked tasks go when the test ends, however it ends (they also give up when their
/// directory disappears, and after a minute).
struct Release(PathBuf);

impl Release {
    fn now(&self) {
        std::fs::write(self.0.join("release"), "").unwrap();
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = std::fs::write(self.0.join("release"), "");
    }
}

fn run_counts(dir: &Path) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in std::fs::read_to_string(dir.join("runs.log")).unwrap_or_default().lines() {
        *counts.entry(line.trim().to_string()).or_default() += 1;
    }
    counts
}

fn ts(e: &HistoryEvent) -> f64 {
    e.timestamp.as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_survive_sigkill_and_finish_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let release = Release(work.clone());
    // The task: records that it ran, then blocks until the test releases it.
    let script = format!(
        r#"read -r input; id=$(echo "$input" | sed 's/.*"id":"\([^"]*\)".*/\1/'); echo "$id" >> '{w}/runs.log'; i=0; while [ ! -e '{w}/release' ]; do [ -d '{w}' ] || exit 1; i=$((i+1)); [ $i -lt 1200 ] || exit 1; sleep 0.05; done; echo "{{\"ran\":\"$id\"}}""#,
        w = work.display()
    );
    let config = work.join("statecraft.toml");
    std::fs::write(
        &config,
        format!(
            "[resources.Block]\ncommand = [\"sh\", \"-c\", {}]\n",
            serde_json::to_string(&script).unwrap()
        ),
    )
    .unwrap();
    let mut server = ServeOptions::new().config(&config).data_dir(work.join("data")).start();
    let sfn = sfn(&server);

    let tasks = json!({
        "StartAt": "Before",
        "States": {
            "Before": {"Type": "Pass", "Next": "Work"},
            "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Block", "ResultPath": "$.work", "Next": "Settle"},
            "Settle": {"Type": "Wait", "Seconds": 1, "Next": "After"},
            "After": {"Type": "Pass", "End": true}
        }
    });
    let waits = json!({
        "StartAt": "Until",
        "States": {
            "Until": {"Type": "Wait", "TimestampPath": "$.at", "Next": "Then"},
            "Then": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}
        }
    });
    let task_machine = create_machine(&sfn, "Tasks", &tasks.to_string()).await;
    let wait_machine = create_machine(&sfn, "Waits", &waits.to_string()).await;

    let mut task_execs = Vec::new();
    for i in 0..TASKS {
        task_execs.push(start(&sfn, &task_machine, &json!({"id": format!("t{i}")}).to_string()).await);
    }
    eventually("every task to be running", Duration::from_secs(60), || async {
        (run_counts(&work).len() == TASKS).then_some(())
    })
    .await;

    // Waits due 3 to 4 s from now (the server will be down then: starting them takes about a
    // second on a loaded debug build) and 6 to 7 s from now (after the restart).
    let now = unix(SystemTime::now());
    let mut wait_execs = Vec::new();
    for i in 0..DUE_IN_DOWNTIME + DUE_LATER {
        let at = if i < DUE_IN_DOWNTIME {
            now + 3.0 + i as f64 / DUE_IN_DOWNTIME as f64
        } else {
            now + 6.0 + (i - DUE_IN_DOWNTIME) as f64 / DUE_LATER as f64
        };
        let arn = start(&sfn, &wait_machine, &json!({"at": iso(at)}).to_string()).await;
        wait_execs.push((arn, at));
    }

    server.kill();
    let killed_at = unix(SystemTime::now());
    let down_until = now + 4.2;
    // The server stays down until every downtime Wait is due: a wait for the clock.
    eventually("the downtime Waits to come due", Duration::from_secs(10), || async {
        (unix(SystemTime::now()) >= down_until).then_some(())
    })
    .await;
    // Measured before the restart: recovery re-arms timers before the server listens.
    let restarted_at = unix(SystemTime::now());
    server.restart();
    assert!(
        server.log().contains(&format!("{} execution(s) resumed", TASKS + DUE_IN_DOWNTIME + DUE_LATER)),
        "{}",
        server.log()
    );
    let sfn = common::sfn(&server);
    release.now();

    let mut late_fires = Vec::new();
    for (arn, at) in &wait_execs {
        let done = wait_status(&sfn, arn, ExecutionStatus::Succeeded, Duration::from_secs(60)).await;
        assert!(done.stop_date.is_some());
        let events = history(&sfn, arn).await;
        check_history(arn, &events);
        let exited = events
            .iter()
            .find(|e| {
                e.r#type == HistoryEventType::WaitStateExited
                    && e.state_exited_event_details.as_ref().is_some_and(|d| d.name == "Until")
            })
            .map(ts)
            .unwrap();
        assert!(exited >= at - 0.001, "{arn}: the Wait fired at {exited}, before its time {at}");
        if *at > killed_at && *at < restarted_at {
            // Due during the downtime: fires promptly after the restart.
            late_fires.push(exited - restarted_at);
        } else if *at > restarted_at {
            assert!(exited - at < 3.0, "{arn}: due at {at}, fired at {exited}");
        }
    }
    let mut task_runs = Vec::new();
    let counts = run_counts(&work);
    for (i, arn) in task_execs.iter().enumerate() {
        let done = wait_status(&sfn, arn, ExecutionStatus::Succeeded, Duration::from_secs(60)).await;
        let out: serde_json::Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
        assert_eq!(out["work"]["ran"], format!("t{i}"));
        check_history(arn, &history(&sfn, arn).await);
        task_runs.push(counts.get(&format!("t{i}")).copied().unwrap_or(0));
    }
    assert!(task_runs.iter().all(|n| (1..=2).contains(n)), "runs per task: {task_runs:?}");
    let twice = task_runs.iter().filter(|n| **n == 2).count();
    late_fires.sort_by(f64::total_cmp);
    let worst = late_fires.last().copied().unwrap_or(0.0);
    eprintln!(
        "crash test: {} executions; {} Waits came due during {:.1} s of downtime and fired {:.2}..{:.2} s after the restart; \
         {twice} of {TASKS} tasks in flight at the kill ran twice (at-least-once)",
        TASKS + wait_execs.len(),
        late_fires.len(),
        restarted_at - killed_at,
        late_fires.first().copied().unwrap_or(0.0),
        worst,
    );
    assert!(!late_fires.is_empty(), "no Wait came due during the downtime: the test did not test that");
    assert!(worst < 3.0, "a Wait due during the downtime fired {worst:.2} s after the restart");
}

/// One execution's history is consistent: ids 1..n, exactly one terminal event and it is the
/// last, every state entered once and exited once (nothing here retries).
fn check_history(arn: &str, events: &[HistoryEvent]) {
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=events.len() as i64).collect::<Vec<_>>(), "{arn}: ids not contiguous");
    let terminal = [
        HistoryEventType::ExecutionSucceeded,
        HistoryEventType::ExecutionFailed,
        HistoryEventType::ExecutionAborted,
        HistoryEventType::ExecutionTimedOut,
    ];
    let ends: Vec<usize> =
        events.iter().enumerate().filter(|(_, e)| terminal.contains(&e.r#type)).map(|(i, _)| i).collect();
    assert_eq!(ends, vec![events.len() - 1], "{arn}: {:?}", types(events));
    let mut entered: HashMap<&str, usize> = HashMap::new();
    let mut exited: HashMap<&str, usize> = HashMap::new();
    for e in events {
        if let Some(d) = &e.state_entered_event_details {
            *entered.entry(d.name.as_str()).or_default() += 1;
        }
        if let Some(d) = &e.state_exited_event_details {
            *exited.entry(d.name.as_str()).or_default() += 1;
        }
    }
    assert!(entered.values().all(|n| *n == 1), "{arn}: a state entered twice: {entered:?}");
    assert_eq!(entered, exited, "{arn}: entered and exited differ");
    let scheduled = events.iter().filter(|e| e.r#type == HistoryEventType::LambdaFunctionScheduled).count();
    let succeeded = events.iter().filter(|e| e.r#type == HistoryEventType::LambdaFunctionSucceeded).count();
    assert!(scheduled <= 1 && succeeded == scheduled, "{arn}: {:?}", types(events));
}

#[test]
fn iso_timestamps() {
    assert_eq!(iso(0.0), "1970-01-01T00:00:00.000Z");
    assert_eq!(iso(1_767_225_600.25), "2026-01-01T00:00:00.250Z");
    assert_eq!(iso(951_782_400.0), "2000-02-29T00:00:00.000Z");
}
