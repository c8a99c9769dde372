//! The scheduler's clock: [`SystemClock`] in production, [`ManualClock`] in tests, which
//! only moves when the test moves it, so a schedule's firing is checked without sleeping.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use tokio::sync::watch;

/// What the scheduler reads the time from and waits on.
#[async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// Returns once [`Clock::now`] has reached `at`.
    async fn sleep_until(&self, at: DateTime<Utc>);
}

/// The system clock. Waits in steps of at most a minute, so a wall-clock jump (NTP, a
/// suspended laptop) delays a slot by a minute at most.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        system_now()
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        loop {
            let left = at - system_now();
            let Ok(left) = left.to_std() else { return };
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left.min(std::time::Duration::from_secs(60))).await;
        }
    }
}

/// The system time, to the millisecond.
pub fn system_now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(crate::env::now_millis()).unwrap_or_default()
}

/// A clock that stands still until [`ManualClock::set`] or [`ManualClock::advance`] moves it.
/// [`ManualClock::sleeping_until`] tells a test what the scheduler is waiting for.
#[derive(Debug)]
pub struct ManualClock {
    now: watch::Sender<DateTime<Utc>>,
    sleeping: watch::Sender<Vec<DateTime<Utc>>>,
    lock: Mutex<()>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: watch::channel(start).0,
            sleeping: watch::channel(Vec::new()).0,
            lock: Mutex::new(()),
        }
    }

    /// Moves the clock to `to` (never backwards) and wakes the sleepers it reaches.
    pub fn set(&self, to: DateTime<Utc>) {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.now.send_if_modified(|now| {
            let moved = to > *now;
            if moved {
                *now = to;
            }
            moved
        });
    }

    pub fn advance(&self, by: chrono::Duration) {
        let to = *self.now.borrow() + by;
        self.set(to);
    }

    /// Waits until someone sleeps until exactly `at` (the scheduler has reached its next
    /// slot and nothing else is pending), or until `deadline` of real time passes.
    pub async fn sleeping_until(&self, at: DateTime<Utc>, deadline: std::time::Duration) -> bool {
        let mut rx = self.sleeping.subscribe();
        let found =
            tokio::time::timeout(deadline, async { rx.wait_for(|s| s.contains(&at)).await.is_ok() }).await;
        found.unwrap_or(false)
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        let mut rx = self.now.subscribe();
        self.sleeping.send_modify(|s| s.push(at));
        let _ = rx.wait_for(|now| *now >= at).await;
        self.sleeping.send_modify(|s| {
            if let Some(i) = s.iter().position(|t| *t == at) {
                s.remove(i);
            }
        });
    }
}
