//! The writer thread and its group commit.
//!
//! Every write is a [`Job`] sent over a channel to one thread that owns the writing connection.
//! The thread blocks for the first job, then takes whatever else is already queued (up to
//! `max_batch`) and runs them all in one `BEGIN IMMEDIATE ... COMMIT`: one fsync for the batch.
//! No timer delays a batch: requests that arrive while a commit is being fsynced simply form the
//! next one, so batches grow with the load by themselves. A job that fails (a conflict, a
//! duplicate) fails alone; see [`run_batch`] for how its writes, if any, are undone.
//! Replies are sent only after `COMMIT` returns; if the commit itself fails, every job of the
//! batch fails with it, and none was acknowledged.

use rusqlite::Connection;
use statecraft_runtime::ports::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// One write: runs against the writer connection, inside the batch's transaction.
pub(crate) trait Job: Send {
    /// Runs the write; `false` when it failed.
    /// May run more than once (the batch is replayed after a failure that wrote); the last
    /// run's result is the one sent.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Records a failure that did not come from `run` (it panicked).
    fn fail(&mut self, error: Error);
    /// Whether the last run failed.
    fn failed(&self) -> bool;
    /// Sends the result, or `failure` when the transaction did not commit.
    fn reply(self: Box<Self>, failure: Option<Error>);
}

struct Op<T, F> {
    f: F,
    result: Option<Result<T>>,
    tx: oneshot::Sender<Result<T>>,
}

impl<T: Send, F: Fn(&Connection) -> Result<T> + Send> Job for Op<T, F> {
    fn run(&mut self, conn: &Connection) -> bool {
        let result = (self.f)(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn fail(&mut self, error: Error) {
        self.result = Some(Err(error));
    }

    fn failed(&self) -> bool {
        matches!(self.result, Some(Err(_)))
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
    replays: AtomicU64,
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
    /// Batches run again because a request failed after writing.
    pub replays: u64,
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
            replays: self.replays.load(Ordering::Relaxed),
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
        F: Fn(&Connection) -> Result<T> + Send + 'static,
    {
        let (reply, wait) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Op { f, result: None, tx: reply });
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
            if job.failed() {
                stats.failed_jobs.fetch_add(1, Ordering::Relaxed);
            }
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
///
/// No savepoints on the hot path: a savepoint makes SQLite copy every page a request touches
/// into a sub-journal first, which cost more than the request itself. Almost every failure
/// happens before its request writes anything (the conditional `UPDATE ... WHERE version = ?`
/// and `INSERT ... ON CONFLICT DO NOTHING` are the first statements), and such a failure needs
/// no undo: the connection's change counter says whether the request wrote. A request that
/// fails after writing (e.g. a duplicate history id) rolls the whole transaction back; it is
/// set aside with its error and the rest of the batch runs again from the start (requests are
/// deterministic functions of the database, so they reach the same results).
fn run_batch(conn: &Connection, batch: &mut [Box<dyn Job>], stats: &Stats) -> Result<()> {
    let started = Instant::now();
    let mut excluded = vec![false; batch.len()];
    let body = (|| -> rusqlite::Result<()> {
        'attempt: loop {
            conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            for (job, excluded) in batch.iter_mut().zip(excluded.iter_mut()) {
                if *excluded {
                    continue;
                }
                let before = conn.total_changes();
                // A panicking request must not take the writer thread down with it; what it
                // may have written is undone like any failure after writing.
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(conn)));
                let panicked = outcome.is_err();
                if panicked {
                    job.fail(Error::Backend("the write panicked".to_string()));
                }
                if panicked || (matches!(outcome, Ok(false)) && conn.total_changes() != before) {
                    conn.prepare_cached("ROLLBACK")?.execute([])?;
                    *excluded = true;
                    stats.replays.fetch_add(1, Ordering::Relaxed);
                    continue 'attempt;
                }
            }
            break;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn open() -> std::result::Result<(tempfile::TempDir, Writer), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (k INTEGER PRIMARY KEY)")?;
        let writer = Writer::spawn(conn, Connection::open(&path)?, 64)?;
        Ok((dir, writer))
    }

    fn insert(k: i64) -> impl Fn(&Connection) -> Result<()> + Send + 'static {
        move |c| c.execute("INSERT INTO t (k) VALUES (?1)", [k]).map(drop).map_err(backend)
    }

    #[tokio::test]
    async fn a_panicking_write_fails_alone() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let (_dir, writer) = open()?;
        let panicked: Result<()> = writer
            .write(|c| {
                insert(7)(c)?;
                #[allow(clippy::panic)]
                {
                    panic!("a bug in a write");
                }
            })
            .await;
        assert_eq!(panicked, Err(Error::Backend("the write panicked".to_string())));
        writer.write(insert(8)).await?;
        let keys = writer
            .write(|c| {
                let mut s = c.prepare("SELECT k FROM t ORDER BY k").map_err(backend)?;
                let rows = s.query_map([], |r| r.get::<_, i64>(0)).map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<i64>>>().map_err(backend)
            })
            .await?;
        assert_eq!(keys, vec![8], "the panicking write was undone, the writer lives on");
        Ok(())
    }

    /// Jobs queued while the writer is busy form one batch; a job that fails after writing is
    /// undone (the batch replayed without it), one that fails before writing costs nothing, and
    /// the others commit.
    #[tokio::test]
    async fn failures_in_a_batch_fail_alone() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let (_dir, writer) = open()?;
        // Holds the writer thread until the other jobs are queued.
        let (running, wait_running) = mpsc::channel::<()>();
        let (release, gate) = mpsc::channel::<()>();
        let gate = Mutex::new(gate);
        let running = Mutex::new(running);
        let hold = writer.write(move |_| {
            let _ = running.lock().map(|r| r.send(()));
            let _ = gate.lock().map(|g| g.recv());
            Ok(())
        });
        let (held, results) = tokio::join!(hold, async {
            let _ = tokio::task::spawn_blocking(move || wait_running.recv()).await;
            let jobs = tokio::join!(
                writer.write(insert(1)),
                writer.write(|c| {
                    insert(2)(c)?;
                    Err::<(), _>(Error::Backend("fails after writing".to_string()))
                }),
                writer.write(|_| Err::<(), _>(Error::Conflict)),
                writer.write(insert(3)),
                async {
                    // Everything above is queued by the time this runs (join! polls in order).
                    let _ = release.send(());
                }
            );
            jobs
        });
        held?;
        let (one, dirty, clean, three, ()) = results;
        assert_eq!(one, Ok(()));
        assert_eq!(dirty, Err(Error::Backend("fails after writing".to_string())));
        assert_eq!(clean, Err(Error::Conflict));
        assert_eq!(three, Ok(()));
        let keys = writer
            .write(|c| {
                let mut s = c.prepare("SELECT k FROM t ORDER BY k").map_err(backend)?;
                let rows = s.query_map([], |r| r.get::<_, i64>(0)).map_err(backend)?;
                rows.collect::<rusqlite::Result<Vec<i64>>>().map_err(backend)
            })
            .await?;
        assert_eq!(keys, vec![1, 3]);
        let stats = writer.stats.snapshot();
        assert_eq!((stats.transactions, stats.jobs, stats.replays, stats.failed_jobs), (3, 6, 1, 2));
        assert_eq!(stats.max_batch, 4);
        Ok(())
    }
}
