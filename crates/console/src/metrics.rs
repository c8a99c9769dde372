//! Prometheus metrics for `statecraft serve`: a small registry fed by the engine's
//! [`Observer`] hook, rendered in the Prometheus text exposition format (0.0.4) at
//! `GET /metrics`.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `statecraft_executions_started_total` | counter | `state_machine` |
//! | `statecraft_executions_finished_total` | counter | `state_machine`, `status` |
//! | `statecraft_executions_redriven_total` | counter | `state_machine` |
//! | `statecraft_transitions_total` | counter | `state_machine` (states entered) |
//! | `statecraft_task_duration_seconds` | histogram | `outcome` (tasks run by this server) |
//! | `statecraft_open_executions` | gauge | (running now) |
//! | `statecraft_waiting_timers` | gauge | (Wait states, backoffs, timeouts armed) |
//! | `statecraft_activity_backlog` | gauge | `activity` (tasks no worker has taken) |
//!
//! Counters count since the process started, as Prometheus expects; the open-executions
//! gauge is seeded from the store at start ([`Metrics::seed_open_executions`]). Hand-rolled
//! (a mutex over a few maps) rather than a metrics crate: the set is small and fixed.

use statecraft_core::TaskRequest;
use statecraft_runtime::engine::Engine;
use statecraft_runtime::observe::{state_machine_name, Observer, TaskOutcome};
use statecraft_runtime::ports::{ExecutionFilter, ExecutionStatus, ExecutionSummary, Page, Store};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the task duration buckets, in seconds.
pub const TASK_BUCKETS: [f64; 14] =
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// The Content-Type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Default, Clone)]
struct Histogram {
    /// Per bucket (not cumulative); the last one is `+Inf`.
    counts: [u64; TASK_BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        let i = TASK_BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(TASK_BUCKETS.len());
        self.counts[i] += 1;
        self.sum += seconds;
        self.count += 1;
    }
}

#[derive(Debug, Default)]
struct Registry {
    started: BTreeMap<String, u64>,
    finished: BTreeMap<(String, &'static str), u64>,
    redriven: BTreeMap<String, u64>,
    transitions: BTreeMap<String, u64>,
    tasks: BTreeMap<&'static str, Histogram>,
    open: i64,
}

/// The registry. Share it as an `Arc`: the engine reports into it, `/metrics` reads it.
#[derive(Debug, Default)]
pub struct Metrics {
    registry: Mutex<Registry>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Counts the executions already running in `store` (those a restarted server resumes)
    /// into the open-executions gauge. Call once, after recovery and before serving.
    pub async fn seed_open_executions(&self, store: &dyn Store) -> Result<u64, String> {
        let filter = ExecutionFilter { status: Some(ExecutionStatus::Running), ..ExecutionFilter::default() };
        let mut page = Page { token: None, limit: 1000 };
        let mut n = 0u64;
        loop {
            let p = store.list_executions(&filter, &page).await.map_err(|e| e.to_string())?;
            n += p.items.len() as u64;
            match p.next_token {
                Some(t) => page.token = Some(t),
                None => break,
            }
        }
        self.lock().open += n as i64;
        Ok(n)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The text exposition, with the engine's gauges (timers, activity backlog) read now.
    pub fn render(&self, engine: Option<&Engine>) -> String {
        let r = self.lock();
        let mut out = String::with_capacity(2048);
        family(
            &mut out,
            "statecraft_executions_started_total",
            "counter",
            "Executions started, by state machine.",
        );
        for (sm, n) in &r.started {
            sample(&mut out, "statecraft_executions_started_total", &[("state_machine", sm)], *n as f64);
        }
        family(
            &mut out,
            "statecraft_executions_finished_total",
            "counter",
            "Executions that ended, by state machine and status (SUCCEEDED, FAILED, TIMED_OUT, ABORTED).",
        );
        for ((sm, status), n) in &r.finished {
            let labels = [("state_machine", sm.as_str()), ("status", status)];
            sample(&mut out, "statecraft_executions_finished_total", &labels, *n as f64);
        }
        family(
            &mut out,
            "statecraft_executions_redriven_total",
            "counter",
            "Executions redriven, by state machine.",
        );
        for (sm, n) in &r.redriven {
            sample(&mut out, "statecraft_executions_redriven_total", &[("state_machine", sm)], *n as f64);
        }
        family(
            &mut out,
            "statecraft_transitions_total",
            "counter",
            "States entered (AWS's state transitions), by state machine.",
        );
        for (sm, n) in &r.transitions {
            sample(&mut out, "statecraft_transitions_total", &[("state_machine", sm)], *n as f64);
        }
        family(
            &mut out,
            "statecraft_task_duration_seconds",
            "histogram",
            "How long the tasks this server ran took, by outcome (callbacks and activities are timed until their token is handed over).",
        );
        for (outcome, h) in &r.tasks {
            let mut cumulative = 0;
            for (i, n) in h.counts.iter().enumerate() {
                cumulative += n;
                let le = TASK_BUCKETS.get(i).map_or_else(|| "+Inf".to_string(), |b| b.to_string());
                let labels = [("outcome", *outcome), ("le", le.as_str())];
                sample(&mut out, "statecraft_task_duration_seconds_bucket", &labels, cumulative as f64);
            }
            sample(&mut out, "statecraft_task_duration_seconds_sum", &[("outcome", outcome)], h.sum);
            sample(
                &mut out,
                "statecraft_task_duration_seconds_count",
                &[("outcome", outcome)],
                h.count as f64,
            );
        }
        family(&mut out, "statecraft_open_executions", "gauge", "Executions running now.");
        sample(&mut out, "statecraft_open_executions", &[], r.open.max(0) as f64);
        drop(r);
        if let Some(engine) = engine {
            family(
                &mut out,
                "statecraft_waiting_timers",
                "gauge",
                "Timers armed and not yet fired (Wait states, retry backoffs, timeouts).",
            );
            sample(&mut out, "statecraft_waiting_timers", &[], engine.waiting_timers() as f64);
            family(
                &mut out,
                "statecraft_activity_backlog",
                "gauge",
                "Activity tasks waiting for a worker, by activity name.",
            );
            let backlog: BTreeMap<String, usize> = engine
                .activity_backlog()
                .into_iter()
                .map(|(arn, n)| (arn.rsplit(':').next().unwrap_or_default().to_string(), n))
                .collect();
            for (activity, n) in backlog {
                sample(&mut out, "statecraft_activity_backlog", &[("activity", &activity)], n as f64);
            }
        }
        out
    }
}

impl Observer for Metrics {
    fn started(&self, execution: &ExecutionSummary) {
        let sm = state_machine_name(execution).to_string();
        let mut r = self.lock();
        let counter = if execution.redrive_count == 0 { &mut r.started } else { &mut r.redriven };
        *counter.entry(sm).or_default() += 1;
        r.open += 1;
    }

    fn finished(&self, execution: &ExecutionSummary) {
        let sm = state_machine_name(execution).to_string();
        let mut r = self.lock();
        *r.finished.entry((sm, execution.status.as_str())).or_default() += 1;
        r.open -= 1;
    }

    fn states_entered(&self, execution: &ExecutionSummary, count: u64) {
        *self.lock().transitions.entry(state_machine_name(execution).to_string()).or_default() += count;
    }

    fn task_finished(
        &self,
        _execution_arn: &str,
        _request: &TaskRequest,
        outcome: TaskOutcome,
        elapsed: Duration,
    ) {
        self.lock().tasks.entry(outcome.as_str()).or_default().observe(elapsed.as_secs_f64());
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// Label values escape backslash, double quote and newline.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use statecraft_runtime::ports::MachineKind;

    fn summary(sm: &str, status: ExecutionStatus) -> ExecutionSummary {
        ExecutionSummary {
            arn: format!("arn:aws:states:us-east-1:123456789012:execution:{sm}:e"),
            name: "e".into(),
            state_machine_arn: format!("arn:aws:states:us-east-1:123456789012:stateMachine:{sm}"),
            version_arn: None,
            alias_arn: None,
            kind: MachineKind::Standard,
            status,
            start: 0,
            stop: None,
            input: "{}".into(),
            output: None,
            error: None,
            cause: None,
            redrive_count: 0,
            redrive_date: None,
            trace_header: None,
            parent_arn: None,
        }
    }

    #[test]
    fn counts_and_renders_the_exposition_format() {
        let m = Metrics::new();
        let running = summary("orders", ExecutionStatus::Running);
        m.started(&running);
        m.started(&running);
        m.states_entered(&running, 3);
        m.finished(&summary("orders", ExecutionStatus::Failed));
        let mut redriven = running.clone();
        redriven.redrive_count = 1;
        m.started(&redriven);
        m.finished(&summary("orders", ExecutionStatus::Succeeded));
        let q = summary("a\"b\\c", ExecutionStatus::Running);
        m.started(&q);
        let out = m.render(None);
        for line in [
            "# TYPE statecraft_executions_started_total counter",
            "statecraft_executions_started_total{state_machine=\"orders\"} 2",
            "statecraft_executions_started_total{state_machine=\"a\\\"b\\\\c\"} 1",
            "statecraft_executions_finished_total{state_machine=\"orders\",status=\"FAILED\"} 1",
            "statecraft_executions_finished_total{state_machine=\"orders\",status=\"SUCCEEDED\"} 1",
            "statecraft_executions_redriven_total{state_machine=\"orders\"} 1",
            "statecraft_transitions_total{state_machine=\"orders\"} 3",
            "statecraft_open_executions 2",
        ] {
            assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
        }
    }

    #[test]
    fn task_histogram_buckets_are_cumulative() {
        let m = Metrics::new();
        let mut h = Histogram::default();
        for s in [0.001, 0.2, 0.2, 100.0, 1000.0] {
            h.observe(s);
        }
        m.lock().tasks.insert("succeeded", h);
        let out = m.render(None);
        let line = |le: &str| {
            format!("statecraft_task_duration_seconds_bucket{{outcome=\"succeeded\",le=\"{le}\"}}")
        };
        assert!(out.contains(&format!("{} 1\n", line("0.005"))), "{out}");
        assert!(out.contains(&format!("{} 3\n", line("0.25"))), "{out}");
        assert!(out.contains(&format!("{} 4\n", line("300"))), "{out}");
        assert!(out.contains(&format!("{} 5\n", line("+Inf"))), "{out}");
        assert!(out.contains("statecraft_task_duration_seconds_count{outcome=\"succeeded\"} 5\n"), "{out}");
    }
}
