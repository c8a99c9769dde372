//! Schedules fire on time under a manual clock, catch up once after downtime, never fire a
//! slot twice.

use crate::fake::{next_start, FakeStarter, DEADLINE};
use chrono::{DateTime, Utc};
use statecraft_runtime::triggers::scheduler::{run, Job};
use statecraft_runtime::triggers::{Ledger, ManualClock, MemoryLedger, Schedule};
use std::sync::Arc;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn job(name: &str, expr: &str, tz: chrono_tz::Tz) -> Job {
    Job {
        trigger: name.into(),
        state_machine: "Report".into(),
        schedule: Schedule::parse(expr).unwrap(),
        timezone: tz,
        input: r#"{"kind":"scheduled"}"#.into(),
    }
}

#[tokio::test]
async fn a_cron_schedule_fires_on_time_in_its_time_zone() {
    let clock = Arc::new(ManualClock::new(t("2026-03-01T10:00:00Z")));
    let ledger = Arc::new(MemoryLedger::default());
    let (starter, mut rx) = FakeStarter::standard();
    let task = tokio::spawn(run(
        job("noon", "cron(0 12 * * ? *)", chrono_tz::Europe::Paris),
        clock.clone(),
        ledger.clone(),
        starter.clone(),
    ));
    // Noon in Paris on 1 March is 11:00 UTC: the scheduler waits for exactly that.
    assert!(clock.sleeping_until(t("2026-03-01T11:00:00Z"), DEADLINE).await);
    clock.set(t("2026-03-01T10:59:59Z"));
    assert!(starter.created().is_empty(), "nothing fires before the slot");
    clock.set(t("2026-03-01T11:00:00Z"));
    let (first, created) = next_start(&mut rx).await;
    assert!(created);
    assert_eq!(first.name.as_deref(), Some("noon-20260301T110000Z"));
    assert_eq!((first.state_machine.as_str(), first.input.as_str()), ("Report", r#"{"kind":"scheduled"}"#));
    assert!(clock.sleeping_until(t("2026-03-02T11:00:00Z"), DEADLINE).await);
    assert_eq!(ledger.cursor("noon"), Some(t("2026-03-01T11:00:00Z")));
    // Two days later in one step: the next slot fires (then the one after), no more.
    clock.set(t("2026-03-02T11:00:00Z"));
    assert_eq!(next_start(&mut rx).await.0.name.as_deref(), Some("noon-20260302T110000Z"));
    assert!(clock.sleeping_until(t("2026-03-03T11:00:00Z"), DEADLINE).await);
    assert_eq!(starter.created().len(), 2);
    task.abort();
}

#[tokio::test]
async fn after_downtime_the_latest_missed_slot_fires_once() {
    let ledger = Arc::new(MemoryLedger::default());
    ledger.set_cursor("every5", t("2026-03-01T10:00:00Z")).unwrap();
    // Down from 10:00 to 10:17:30: 10:05, 10:10 and 10:15 were missed; 10:15 fires.
    let clock = Arc::new(ManualClock::new(t("2026-03-01T10:17:30Z")));
    let (starter, mut rx) = FakeStarter::standard();
    let every5 = job("every5", "rate(5 minutes)", chrono_tz::UTC);
    let task = tokio::spawn(run(every5.clone(), clock.clone(), ledger.clone(), starter.clone()));
    let (caught_up, created) = next_start(&mut rx).await;
    assert_eq!((caught_up.name.as_deref(), created), (Some("every5-20260301T101500Z"), true));
    assert!(clock.sleeping_until(t("2026-03-01T10:20:00Z"), DEADLINE).await);
    task.abort();

    // A restart right away finds nothing missed.
    let task = tokio::spawn(run(every5.clone(), clock.clone(), ledger.clone(), starter.clone()));
    assert!(clock.sleeping_until(t("2026-03-01T10:20:00Z"), DEADLINE).await);
    task.abort();
    assert_eq!(starter.requests.lock().unwrap().len(), 1);

    // A crash between the start and the ledger write: the slot is started again under the
    // same name, which the control plane refuses as a duplicate: still one execution.
    ledger.set_cursor("every5", t("2026-03-01T10:12:00Z")).unwrap();
    let task = tokio::spawn(run(every5, clock.clone(), ledger.clone(), starter.clone()));
    let (again, created) = next_start(&mut rx).await;
    assert_eq!((again.name.as_deref(), created), (Some("every5-20260301T101500Z"), false));
    assert!(clock.sleeping_until(t("2026-03-01T10:20:00Z"), DEADLINE).await);
    task.abort();
    assert_eq!(starter.created().len(), 1);
}

#[tokio::test]
async fn a_new_trigger_starts_from_now_and_at_fires_once() {
    let ledger = Arc::new(MemoryLedger::default());
    let clock = Arc::new(ManualClock::new(t("2026-11-30T12:00:00Z")));
    let (starter, mut rx) = FakeStarter::standard();
    let once = job("launch", "at(2026-12-01T10:00:00)", chrono_tz::Europe::Paris);
    let task = tokio::spawn(run(once, clock.clone(), ledger.clone(), starter.clone()));
    assert!(clock.sleeping_until(t("2026-12-01T09:00:00Z"), DEADLINE).await);
    assert_eq!(ledger.cursor("launch"), Some(t("2026-11-30T12:00:00Z")), "a new trigger starts from now");
    assert!(starter.created().is_empty());
    clock.set(t("2026-12-01T09:00:00Z"));
    assert_eq!(next_start(&mut rx).await.0.name.as_deref(), Some("launch-20261201T090000Z"));
    // No slot is left: the task ends by itself.
    assert!(tokio::time::timeout(DEADLINE, task).await.is_ok());
}
