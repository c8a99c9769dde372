//! The writer thread and its group commit.
//!
//! Every write is a [`Job`] sent over a channel to one thread that owns the writing connection.
//! The thread blocks for the first job, then takes whatever else is already queued (up to
//! `max_batch`) and runs them all in one `BEGIN IMMEDIATE ... COMMIT`: one fsync for the batch.
//! No timer delays a batch: requests that arrive while a commit is being fsynced simply form the
//! next one, so batches grow with the load by themselves. Each job runs inside its own
//! savepoint: a job that fails (a conflict, a duplicate) is rolled back to it and fails alone.
//! Replies are sent only after `COMMIT` returns; if the commit itself fails, every job of the
//! batch fails with it, and none was acknowledged.

use rusqlite::Connection;
use statecraft_runtime::ports::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// One write: runs against the writer connection, inside a transaction and a savepoint.
pub(crate) trait Job: Send {
    /// Runs the write; `false` when it failed and its savepoint must be rolled back.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Sends the result, or `failure` when the transaction did not commit.
    fn reply(self: Box<Self>, failure: Option<Error>);
}

struct Op<T, F> {
    f: Option<F>,
    result: Option<Result<T>>,
    tx: oneshot::Sender<Result<T>>,
}

impl<T: Send, F: FnOnce(&Connection) -> Result<T> + Send> Job for Op<T, F> {
    fn run(&mut self, conn: &Connection) -> bool {
        let result = match self.f.take() {
            Some(f) => f(conn),
            None => Err(Error::Backend("write job run twice".to_string())),
        };
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn reply(self: Box<Self>, failure: Option<Error>) {
        let result = match (self.result, failure) {
            (Some(Err(e)), _) => Err(e),
            (_, Some(e)) => Err(e),
            (Some(ok), None) => ok,
            (None, None) => Err(Error::Backend("write job never ran".to_string())),
        };
        // The caller may have gone away (its future dropped); the write stands regardless.
        let _ = self.tx.send(result);
    }
}

/// Counters of the writer thread, for benchmarks and diagnostics.
#[derive(Debug, Default)]
pub struct Stats {
    transactions: AtomicU64,
    jobs: AtomicU64,
    failed_jobs: AtomicU64,
    max_batch: AtomicU64,
    run_nanos: AtomicU64,
    commit_nanos: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Transactions committed (or attempted), i.e. fsyncs of the WAL.
    pub transactions: u64,
    /// Write requests run.
    pub jobs: u64,
    /// Requests that failed alone (conflicts, duplicates), their batch committing.
    pub failed_jobs: u64,
    /// The largest batch seen.
    pub max_batch: u64,
    /// Time the writer spent running requests' statements.
    pub run_nanos: u64,
    /// Time the writer spent in `COMMIT` (the WAL write and fsync, and any checkpoint).
    pub commit_nanos: u64,
}

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            transactions: self.transactions.load(Ordering::Relaxed),
            jobs: self.jobs.load(Ordering::Relaxed),
            failed_jobs: self.failed_jobs.load(Ordering::Relaxed),
            max_batch: self.max_batch.load(Ordering::Relaxed),
            run_nanos: self.run_nanos.load(Ordering::Relaxed),
            commit_nanos: self.commit_nanos.load(Ordering::Relaxed),
        }
    }
}

/// The handle the store keeps: a queue to the thread. Dropping it lets the thread finish the
/// queued jobs and close the connection; `Drop` waits for that.
pub(crate) struct Writer {
    tx: Option<mpsc::Sender<Box<dyn Job>>>,
    thread: Option<JoinHandle<()>>,
    checkpointer: Option<JoinHandle<()>>,
    pub(crate) stats: Arc<Stats>,
}

impl Writer {
    /// Starts the writer thread on `conn`, and the checkpointer thread on `checkpoint` (a
    /// second connection to the same database).
    pub(crate) fn spawn(
        conn: Connection,
        checkpoint: Connection,
        max_batch: usize,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel::<Box<dyn Job>>();
        let (committed, wake) = mpsc::sync_channel::<()>(1);
        let stats = Arc::new(Stats::default());
        let checkpointer = std::thread::Builder::new()
            .name("statecraft-sqlite-checkpoint".to_string())
            .spawn(move || checkpoints(checkpoint, wake))?;
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("statecraft-sqlite-writer".to_string())
            .spawn(move || run(conn, rx, max_batch.max(1), &thread_stats, committed))?;
        Ok(Writer { tx: Some(tx), thread: Some(thread), checkpointer: Some(checkpointer), stats })
    }

    /// Queues a write and waits for its durable result.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply, wait) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Op { f: Some(f), result: None, tx: reply });
        let queue = self.tx.as_ref().ok_or_else(stopped)?;
        queue.send(job).map_err(|_| stopped())?;
        wait.await.map_err(|_| stopped())?
    }
}

fn stopped() -> Error {
    Error::Backend("the SQLite writer thread has stopped".to_string())
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // The writer thread held the checkpointer's wake-up channel: it stops now too.
        if let Some(thread) = self.checkpointer.take() {
            let _ = thread.join();
        }
    }
}

/// The least time between two checkpoints.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copies committed WAL frames into the database file off the writer thread, so that the
/// writer's commits pay for the WAL fsync only. PASSIVE checkpoints neither wait for nor block
/// the writer or readers. At most one runs per [`CHECKPOINT_EVERY`], and only after commits
/// (woken by the writer); the writer's own auto-checkpoint stays as a backstop at a higher
/// threshold.
fn checkpoints(conn: Connection, wake: mpsc::Receiver<()>) {
    let mut last = Instant::now();
    while wake.recv().is_ok() {
        let since = last.elapsed();
        if since < CHECKPOINT_EVERY {
            // Commits arriving meanwhile are covered by this checkpoint; a closed channel
            // still gets a last checkpoint.
            std::thread::sleep(CHECKPOINT_EVERY - since);
            let _ = wake.try_recv();
        }
        // A failed checkpoint is retried after the next commit; the data is safe in the WAL.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        last = Instant::now();
    }
}

fn run(
    conn: Connection,
    rx: mpsc::Receiver<Box<dyn Job>>,
    max_batch: usize,
    stats: &Stats,
    committed: mpsc::SyncSender<()>,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let failure = run_batch(&conn, &mut batch, stats).err();
        // Full means a wake-up is already pending.
        let _ = committed.try_send(());
        stats.transactions.fetch_add(1, Ordering::Relaxed);
        stats.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
        stats.max_batch.fetch_max(batch.len() as u64, Ordering::Relaxed);
        for job in batch {
            job.reply(failure.clone());
        }
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn backend(e: rusqlite::Error) -> Error {
    Error::Backend(e.to_string())
}

/// Runs a batch in one transaction; `Err` when the transaction did not commit.
fn run_batch(conn: &Connection, batch: &mut [Box<dyn Job>], stats: &Stats) -> Result<()> {
    let started = Instant::now();
    conn.execute_batch("BEGIN IMMEDIATE").map_err(backend)?;
    let body = (|| -> rusqlite::Result<()> {
        for job in batch.iter_mut() {
            conn.prepare_cached("SAVEPOINT job")?.execute([])?;
            if !job.run(conn) {
                stats.failed_jobs.fetch_add(1, Ordering::Relaxed);
                conn.prepare_cached("ROLLBACK TO job")?.execute([])?;
            }
            conn.prepare_cached("RELEASE job")?.execute([])?;
        }
        let committing = Instant::now();
        stats.run_nanos.fetch_add(nanos(committing - started), Ordering::Relaxed);
        conn.prepare_cached("COMMIT")?.execute([])?;
        stats.commit_nanos.fetch_add(nanos(committing.elapsed()), Ordering::Relaxed);
        Ok(())
    })();
    if let Err(e) = body {
        // Nothing of the batch is kept; the connection is left outside any transaction.
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        return Err(backend(e));
    }
    Ok(())
}
