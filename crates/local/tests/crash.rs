//! Crash safety: a child process (this test binary, re-run with `STATECRAFT_CRASH_DIR` set)
//! writes through the store from many tasks and prints `ACK <arn> <version>` after each
//! acknowledged write; the parent kills it with SIGKILL mid-stream, reopens the database and
//! checks that every acknowledged write is there and that no partial commit is visible: for
//! every execution, its state, history, outbox and tokens all agree with its version. Three
//! rounds run on the same database, each killed while writing.
//!
//! Commit `v` of an execution (version `v - 1` to `v`; the create is commit 1) sets the state to
//! `<arn>@<v>`, appends history ids `2v - 1` and `2v`, replaces outbox key `k<v-1>` by `k<v>`
//! and token `<arn>#<v-1>` by `<arn>#<v>`.

use statecraft_local::{SqliteStore, DB_FILE};
use statecraft_runtime::ports::{Commit, ExecutionStore, HistoryRow, OutboxEntry, TokenRecord};
use statecraft_runtime::store_tests::{record, summary};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "STATECRAFT_CRASH_DIR";
const ROUND_ENV: &str = "STATECRAFT_CRASH_ROUND";
const WRITERS: usize = 32;
const COMMITS_PER_EXECUTION: u64 = 6;

fn commit(arn: &str, v: u64) -> Commit {
    Commit {
        expected_version: v - 1,
        summary: None,
        state: format!("{arn}@{v}").into_bytes(),
        history: vec![
            HistoryRow { id: 2 * v - 1, json: format!(r#"{{"id":{},"commit":{v}}}"#, 2 * v - 1) },
            HistoryRow { id: 2 * v, json: format!(r#"{{"id":{},"commit":{v}}}"#, 2 * v) },
        ],
        outbox_add: vec![OutboxEntry { key: format!("k{v}"), due: Some(v as i64), effect: vec![7; 64] }],
        outbox_remove: vec![format!("k{}", v - 1)],
        tokens_add: vec![TokenRecord {
            hash: format!("{arn}#{v}"),
            execution_arn: arn.to_string(),
            task: vec![1; 32],
            expires: None,
            activity_arn: None,
        }],
        tokens_remove: vec![format!("{arn}#{}", v - 1)],
    }
}

/// The child: writes until killed (or, as a safety net, for at most 60 seconds).
#[test]
fn crash_child() {
    let (Some(dir), Ok(round)) = (std::env::var_os(CHILD_ENV), std::env::var(ROUND_ENV)) else { return };
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async move {
        let store = std::sync::Arc::new(SqliteStore::open(&dir).expect("open"));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let store = store.clone();
            let round = round.clone();
            tasks.push(tokio::spawn(async move {
                let mut k = 0;
                while Instant::now() < deadline {
                    let s = summary("Crash", &format!("r{round}-w{w}-{k}"), k);
                    let arn = s.arn.clone();
                    let first = Commit {
                        expected_version: 0,
                        outbox_remove: vec![],
                        tokens_remove: vec![],
                        ..commit(&arn, 1)
                    };
                    store.create_execution(&record(s), &first).await.expect("create");
                    ack(&arn, 1);
                    for v in 2..=COMMITS_PER_EXECUTION {
                        store.commit(&arn, &commit(&arn, v)).await.expect("commit");
                        ack(&arn, v);
                    }
                    k += 1;
                }
            }));
        }
        for t in tasks {
            t.await.expect("writer task");
        }
    });
}

/// Written straight to the process's stdout (not the test harness's capture), one line per
/// `write` call, only after the store acknowledged the write.
fn ack(arn: &str, v: u64) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ACK {arn} {v}");
    let _ = out.flush();
}

#[test]
fn acknowledged_commits_survive_sigkill() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os(CHILD_ENV).is_some() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let mut acked: HashMap<String, u64> = HashMap::new();
    for (round, kill_after) in [(0, 1500), (1, 4000), (2, 2500)] {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .env(ROUND_ENV, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        let mut killed = false;
        for line in lines.by_ref() {
            let line = line?;
            if let Some((arn, v)) = parse_ack(&line) {
                let e = acked.entry(arn).or_default();
                *e = (*e).max(v);
                seen += 1;
            }
            if seen == kill_after {
                child.kill()?; // SIGKILL
                killed = true;
                break;
            }
        }
        // Acks already in the pipe when the child died were acknowledged too.
        let mut late = 0;
        for line in lines {
            let Ok(line) = line else { break };
            if let Some((arn, v)) = parse_ack(&line) {
                let e = acked.entry(arn).or_default();
                *e = (*e).max(v);
                late += 1;
            }
        }
        let status = child.wait()?;
        assert!(killed, "the child ended before it was killed: {status:?}");
        let report = verify(dir.path(), &acked)?;
        eprintln!(
            "round {round}: killed after {} acks ({late} read after the kill); {} executions on disk, \
             {} commits durable but never acknowledged (all rounds so far), child status {status:?}",
            seen + late,
            report.executions,
            report.unacknowledged
        );
    }
    Ok(())
}

fn parse_ack(line: &str) -> Option<(String, u64)> {
    let mut parts = line.strip_prefix("ACK ")?.split(' ');
    let arn = parts.next()?.to_string();
    let v = parts.next()?.parse().ok()?;
    Some((arn, v))
}

struct Report {
    executions: usize,
    unacknowledged: u64,
}

fn verify(dir: &std::path::Path, acked: &HashMap<String, u64>) -> Result<Report, Box<dyn std::error::Error>> {
    // Reopening through the store runs WAL recovery and the migrations check.
    drop(SqliteStore::open(dir)?);
    let conn = rusqlite::Connection::open(dir.join(DB_FILE))?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    assert_eq!(integrity, "ok");
    let mut versions: HashMap<String, u64> = HashMap::new();
    let mut stmt = conn.prepare("SELECT id, arn, version, state FROM executions")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, u64>(2)?, r.get::<_, Vec<u8>>(3)?))
    })?;
    for row in rows {
        let (id, arn, v, state) = row?;
        assert_eq!(state, format!("{arn}@{v}").into_bytes(), "state of {arn}");
        let ids: Vec<u64> = conn
            .prepare_cached("SELECT id FROM history WHERE execution = ?1 ORDER BY id")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        assert_eq!(ids, (1..=2 * v).collect::<Vec<u64>>(), "history of {arn} at version {v}");
        let keys: Vec<String> = conn
            .prepare_cached("SELECT key FROM outbox WHERE execution = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        assert_eq!(keys, vec![format!("k{v}")], "outbox of {arn} at version {v}");
        let tokens: Vec<String> = conn
            .prepare_cached("SELECT hash FROM tokens WHERE execution = ?1")?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        assert_eq!(tokens, vec![format!("{arn}#{v}")], "tokens of {arn} at version {v}");
        versions.insert(arn, v);
    }
    let orphans: i64 = conn.query_row(
        "SELECT (SELECT count(*) FROM history WHERE execution NOT IN (SELECT id FROM executions))
              + (SELECT count(*) FROM outbox WHERE execution NOT IN (SELECT id FROM executions))
              + (SELECT count(*) FROM tokens WHERE execution NOT IN (SELECT id FROM executions))",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(orphans, 0, "rows of executions that were never created");
    let mut unacknowledged = 0;
    for (arn, v) in acked {
        let stored = versions.get(arn).copied();
        assert!(stored.is_some_and(|s| s >= *v), "{arn}: acknowledged version {v}, stored {stored:?}");
    }
    for (arn, v) in &versions {
        unacknowledged += v - acked.get(arn).copied().unwrap_or(0);
    }
    Ok(Report { executions: versions.len(), unacknowledged })
}
