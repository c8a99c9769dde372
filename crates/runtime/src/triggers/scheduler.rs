//! Runs one schedule: waits on the [`Clock`] for each slot, starts its execution through the
//! [`Starter`] and records the slot in the [`Ledger`]. See the module above for the
//! restart rules (the latest missed slot fires once; a new trigger starts from now).

use super::{warn, Clock, Ledger, Schedule, StartError, StartRequest, Starter};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// One scheduled trigger.
#[derive(Debug, Clone)]
pub struct Job {
    pub trigger: String,
    pub state_machine: String,
    pub schedule: Schedule,
    pub timezone: chrono_tz::Tz,
    /// The input of every execution, as JSON text.
    pub input: String,
}

impl Job {
    /// The execution name of a slot: `TRIGGER-YYYYMMDDTHHMMSSZ`.
    pub fn execution_name(&self, slot: DateTime<Utc>) -> String {
        format!("{}-{}", self.trigger, slot.format("%Y%m%dT%H%M%SZ"))
    }
}

/// Attempts for one slot when the start fails in a way that may pass (storage).
const ATTEMPTS: u32 = 5;

/// Runs until the schedule has no more slots (an `at()` that fired) or the task is aborted.
pub async fn run(job: Job, clock: Arc<dyn Clock>, ledger: Arc<dyn Ledger>, starter: Arc<dyn Starter>) {
    let now = clock.now();
    let mut cursor = match ledger.cursor(&job.trigger) {
        Some(c) => c,
        None => {
            record(ledger.as_ref(), &job, now);
            now
        }
    };
    if let Some(missed) = job.schedule.last_between(cursor, now, &job.timezone) {
        fire(&job, missed, clock.as_ref(), starter.as_ref()).await;
    }
    if now > cursor {
        cursor = now;
        record(ledger.as_ref(), &job, cursor);
    }
    while let Some(slot) = job.schedule.next_after(cursor, &job.timezone) {
        clock.sleep_until(slot).await;
        fire(&job, slot, clock.as_ref(), starter.as_ref()).await;
        cursor = slot;
        record(ledger.as_ref(), &job, cursor);
    }
}

fn record(ledger: &dyn Ledger, job: &Job, at: DateTime<Utc>) {
    if let Err(e) = ledger.set_cursor(&job.trigger, at) {
        warn(&format!(
            "trigger {}: {e} (a restart may fire this slot again; its execution name stays the same)",
            job.trigger
        ));
    }
}

async fn fire(job: &Job, slot: DateTime<Utc>, clock: &dyn Clock, starter: &dyn Starter) {
    let request = StartRequest {
        trigger: job.trigger.clone(),
        state_machine: job.state_machine.clone(),
        name: Some(job.execution_name(slot)),
        input: job.input.clone(),
    };
    for attempt in 1..=ATTEMPTS {
        match starter.start(request.clone()).await {
            Ok(_) => return,
            Err(StartError::Rejected { code, message }) => {
                warn(&format!("trigger {}: slot {slot} not started: {code}: {message}", job.trigger));
                return;
            }
            Err(e) if attempt == ATTEMPTS => {
                warn(&format!(
                    "trigger {}: slot {slot} not started after {ATTEMPTS} attempts: {e}",
                    job.trigger
                ));
            }
            Err(_) => {
                let wait = chrono::Duration::seconds(1 << attempt);
                clock.sleep_until(clock.now() + wait).await;
            }
        }
    }
}
