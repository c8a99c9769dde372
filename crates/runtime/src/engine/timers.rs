//! In-process timers for the embedded engine: a heap of wake-ups slept on by one task. They
//! are durable because each one is also an outbox entry: a restarted engine re-arms them at
//! their original time ([`super::Engine::recover`]), firing overdue ones at once.

use super::Inner;
use statecraft_core::{Event, TimerId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::mpsc;

pub(crate) struct Timers {
    tx: mpsc::UnboundedSender<(String, TimerId, i64)>,
    /// Timers scheduled and still awaited, by (execution ARN, outbox key): a gauge for
    /// metrics. The heap keeps entries whose wait has ended (a stopped execution, a task that
    /// finished before its timeout); those fire as no-ops and are not counted here.
    armed: Arc<Mutex<HashSet<(String, String)>>>,
}

/// A heap entry: due time, then insertion order.
struct Due {
    at: i64,
    n: u64,
    arn: String,
    timer: TimerId,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.n) == (other.at, other.n)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.n).cmp(&(other.at, other.n))
    }
}

impl Timers {
    pub(crate) fn start(engine: Weak<Inner>) -> Timers {
        let (tx, mut rx) = mpsc::unbounded_channel::<(String, TimerId, i64)>();
        let armed: Arc<Mutex<HashSet<(String, String)>>> = Arc::default();
        let count = armed.clone();
        tokio::spawn(async move {
            let mut heap: BinaryHeap<Reverse<Due>> = BinaryHeap::new();
            let mut n = 0u64;
            loop {
                let now = crate::env::now_millis();
                while heap.peek().is_some_and(|Reverse(d)| d.at <= now) {
                    let Some(Reverse(d)) = heap.pop() else { break };
                    count
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .remove(&(d.arn.clone(), super::transition::timer_key(&d.timer)));
                    let Some(inner) = engine.upgrade() else { return };
                    tokio::spawn(async move {
                        if let Err(e) =
                            Inner::deliver(&inner, &d.arn, Event::TimerFired { timer: d.timer }).await
                        {
                            eprintln!("statecraft: warning: timer of {}: {e}", d.arn);
                        }
                    });
                }
                let sleep = match heap.peek() {
                    Some(Reverse(d)) => std::time::Duration::from_millis((d.at - now).max(0) as u64),
                    None => std::time::Duration::from_secs(3600),
                };
                tokio::select! {
                    msg = rx.recv() => match msg {
                        Some((arn, timer, at)) => {
                            n += 1;
                            heap.push(Reverse(Due { at, n, arn, timer }));
                        }
                        None => return,
                    },
                    _ = tokio::time::sleep(sleep) => {}
                }
            }
        });
        Timers { tx, armed }
    }

    pub(crate) fn schedule(&self, arn: &str, timer: TimerId, at: i64) {
        // Counted before it is sent, so the loop never takes away what was not added.
        let key = (arn.to_string(), super::transition::timer_key(&timer));
        self.lock().insert(key.clone());
        if self.tx.send((arn.to_string(), timer, at)).is_err() {
            self.lock().remove(&key);
        }
    }

    /// A commit removed these outbox keys of `arn`: the timers among them are no longer
    /// awaited.
    pub(crate) fn settled(&self, arn: &str, keys: &[String]) {
        if keys.is_empty() {
            return;
        }
        let mut armed = self.lock();
        for key in keys {
            armed.remove(&(arn.to_string(), key.clone()));
        }
    }

    pub(crate) fn armed(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }
}
