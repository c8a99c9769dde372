//! Durable write throughput of the SQLite store: N `create_execution` calls, then N `commit`
//! calls, from C concurrent tokio tasks, with small realistic records (a 200-byte input, a
//! 1 KiB state, three history events, an outbox entry, a token). Reports durable writes per
//! second, p50/p99/max latency and the group-commit batch sizes. Every call returns only after
//! its transaction's fsync.
//!
//! `cargo bench -p statecraft-local --bench commit` (env: BENCH_N, BENCH_CONCURRENCY,
//! BENCH_DIR for the database's directory, default a temporary directory under the system's).

use statecraft_local::{SqliteStore, StatsSnapshot};
use statecraft_runtime::ports::{Commit, ExecutionStore, HistoryRow, OutboxEntry, TokenRecord};
use statecraft_runtime::store_tests::{record, summary};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn history(from: u64, n: u64) -> Vec<HistoryRow> {
    (from..from + n)
        .map(|id| HistoryRow {
            id,
            json: format!(
                r#"{{"timestamp":1732540800.{id:03},"type":"TaskStateEntered","id":{id},"previousEventId":{},"stateEnteredEventDetails":{{"name":"ChargeCard","input":"{{\"order\":42,\"amount\":1999}}","inputDetails":{{"truncated":false}}}}}}"#,
                id - 1
            ),
        })
        .collect()
}

fn commit(arn: &str, v: u64) -> Commit {
    Commit {
        expected_version: v - 1,
        summary: None,
        state: vec![0x5a; 1024],
        history: history(3 * v - 2, 3),
        outbox_add: vec![OutboxEntry { key: format!("task-{v}"), due: None, effect: vec![0x11; 200] }],
        outbox_remove: if v > 1 { vec![format!("task-{}", v - 1)] } else { vec![] },
        tokens_add: vec![TokenRecord {
            hash: format!("{:064x}", fxhash(arn) ^ v),
            execution_arn: arn.to_string(),
            task: vec![0x22; 48],
            expires: None,
            activity_arn: None,
        }],
        tokens_remove: vec![],
    }
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

struct Run {
    label: String,
    n: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    stats: StatsSnapshot,
}

impl Run {
    fn print(&mut self) {
        self.latencies.sort();
        let pct = |p: f64| {
            let i = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len().saturating_sub(1));
            self.latencies.get(i).copied().unwrap_or_default()
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<34} {:>7} ops in {:>6.2} s = {:>8.0} ops/s | latency p50 {:>6.2} ms p99 {:>6.2} ms max {:>6.2} ms | {:>5} transactions, mean batch {:>6.1}, max batch {:>4} | writer: statements {:>5.1} s, COMMIT {:>5.1} s",
            self.label,
            self.n,
            self.elapsed.as_secs_f64(),
            self.n as f64 / self.elapsed.as_secs_f64(),
            ms(pct(0.50)),
            ms(pct(0.99)),
            ms(pct(1.0)),
            self.stats.transactions,
            self.stats.jobs as f64 / self.stats.transactions.max(1) as f64,
            self.stats.max_batch,
            self.stats.run_nanos as f64 / 1e9,
            self.stats.commit_nanos as f64 / 1e9,
        );
    }
}

fn delta(a: StatsSnapshot, b: StatsSnapshot) -> StatsSnapshot {
    StatsSnapshot {
        transactions: b.transactions - a.transactions,
        jobs: b.jobs - a.jobs,
        failed_jobs: b.failed_jobs - a.failed_jobs,
        replays: b.replays - a.replays,
        max_batch: b.max_batch,
        run_nanos: b.run_nanos - a.run_nanos,
        commit_nanos: b.commit_nanos - a.commit_nanos,
    }
}

/// Runs `n` operations from `concurrency` tasks; `op(i)` is the i-th.
async fn run<F, Fut>(store: &Arc<SqliteStore>, label: &str, n: usize, concurrency: usize, op: F) -> Run
where
    F: Fn(Arc<SqliteStore>, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let before = store.stats().snapshot();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let (store, op) = (store.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = t;
            while i < n {
                let s = Instant::now();
                op(store.clone(), i).await;
                lat.push(s.elapsed());
                i += concurrency;
            }
            lat
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        latencies.extend(t.await.unwrap_or_default());
    }
    let elapsed = start.elapsed();
    let stats = delta(before, store.stats().snapshot());
    Run { label: label.to_string(), n, elapsed, latencies, stats }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = env("BENCH_N", 20_000);
    let concurrency = env("BENCH_CONCURRENCY", 256);
    let dir = match std::env::var_os("BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async {
        let store = Arc::new(SqliteStore::open(dir.path())?);
        println!("database: {} (synchronous=FULL, WAL)", store.path().display());
        let name = |prefix: &str, i: usize| format!("{prefix}-{i:08}");

        // One caller at a time: no batching possible, one fsync per write.
        let serial = n.min(1_000);
        let mut r = run(&store, "create_execution, 1 task", serial, 1, move |s, i| async move {
            let sm = summary("Bench", &name("serial", i), i as i64);
            let arn = sm.arn.clone();
            let _ = s.create_execution(&record(sm), &commit(&arn, 1)).await.map_err(|e| eprintln!("{e}"));
        })
        .await;
        r.print();

        for c in [16, concurrency] {
            let tag = format!("c{c}");
            let label = format!("create_execution, {c} tasks");
            let t = tag.clone();
            let mut r = run(&store, &label, n, c, move |s, i| {
                let t = t.clone();
                async move {
                    let sm = summary("Bench", &name(&t, i), i as i64);
                    let arn = sm.arn.clone();
                    if let Err(e) = s.create_execution(&record(sm), &commit(&arn, 1)).await {
                        eprintln!("create: {e}");
                    }
                }
            })
            .await;
            r.print();
            let label = format!("commit, {c} tasks");
            let t = tag.clone();
            let mut r = run(&store, &label, n, c, move |s, i| {
                let t = t.clone();
                async move {
                    let arn = summary("Bench", &name(&t, i), 0).arn;
                    if let Err(e) = s.commit(&arn, &commit(&arn, 2)).await {
                        eprintln!("commit: {e}");
                    }
                }
            })
            .await;
            r.print();
        }
        // Writes with readers alongside: 8 tasks reading executions and history pages while
        // `concurrency` tasks commit (reads run on WAL snapshots, apart from the writer).
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut readers = Vec::new();
        for r in 0..8 {
            let (store, stop) = (store.clone(), stop.clone());
            readers.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut i = r;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let arn = summary("Bench", &name(&format!("c{concurrency}"), i % n), 0).arn;
                    let s = Instant::now();
                    let a = store.get_execution(&arn).await;
                    let page = statecraft_runtime::ports::Page { token: None, limit: 100 };
                    let b = store.history(&arn, false, &page).await;
                    lat.push(s.elapsed());
                    if a.is_err() || b.is_err() {
                        eprintln!("read failed");
                    }
                    i += 8;
                }
                lat
            }));
        }
        let label = format!("commit, {concurrency} tasks + 8 readers");
        let t = format!("c{concurrency}");
        let mut r = run(&store, &label, n, concurrency, move |s, i| {
            let t = t.clone();
            async move {
                let arn = summary("Bench", &name(&t, i), 0).arn;
                if let Err(e) = s.commit(&arn, &commit(&arn, 3)).await {
                    eprintln!("commit: {e}");
                }
            }
        })
        .await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        r.print();
        let mut reads = Run {
            label: "  reads meanwhile (get + history)".to_string(),
            n: 0,
            elapsed: r.elapsed,
            latencies: Vec::new(),
            stats: StatsSnapshot::default(),
        };
        for t in readers {
            reads.latencies.extend(t.await.unwrap_or_default());
        }
        reads.n = reads.latencies.len();
        reads.print();

        let size = std::fs::metadata(store.path()).map(|m| m.len()).unwrap_or(0);
        println!("database file: {:.1} MiB (plus WAL)", size as f64 / (1024.0 * 1024.0));
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    Ok(())
}
