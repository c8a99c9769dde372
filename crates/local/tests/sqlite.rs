//! Behaviour of the SQLite store beyond the shared conformance suite: query plans (every
//! listing is an index range, not a scan and sort), reopening, group commit, WAL readers.

use statecraft_local::{SqliteStore, DB_FILE};
use statecraft_runtime::ports::{
    Commit, ExecutionFilter, ExecutionRecord, ExecutionStatus, ExecutionStore, HistoryRow, OutboxEntry, Page,
    TokenStore,
};
use statecraft_runtime::store_tests::{join_all, record, summary};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:Orders";

fn first(n: u64) -> Commit {
    Commit {
        expected_version: 0,
        state: format!("state {n}").into_bytes(),
        history: vec![HistoryRow { id: 1, json: format!(r#"{{"id":1,"n":{n}}}"#) }],
        outbox_add: vec![OutboxEntry { key: "t".to_string(), due: Some(n as i64), effect: b"wake".to_vec() }],
        ..Commit::default()
    }
}

fn exec(n: u64) -> ExecutionRecord {
    record(summary("Orders", &format!("e{n}"), n as i64))
}

#[tokio::test]
async fn listings_use_indexes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(dir.path())?;
    let plan = store.explain_executions_with_outbox().await?.join(" | ");
    assert!(!plan.contains("SCAN executions"), "executions_with_outbox scans executions: {plan}");
    assert!(plan.contains("outbox"), "{plan}");

    let filters = [
        ExecutionFilter::default(),
        ExecutionFilter { state_machine_arn: Some(SM.to_string()), ..ExecutionFilter::default() },
        ExecutionFilter {
            state_machine_arn: Some(SM.to_string()),
            status: Some(ExecutionStatus::Running),
            ..ExecutionFilter::default()
        },
        ExecutionFilter { state_machine_arn: Some(format!("{SM}:1")), ..ExecutionFilter::default() },
        ExecutionFilter { version_arn: Some(format!("{SM}:1")), ..ExecutionFilter::default() },
        ExecutionFilter { alias_arn: Some(format!("{SM}:prod")), ..ExecutionFilter::default() },
        ExecutionFilter { status: Some(ExecutionStatus::Failed), ..ExecutionFilter::default() },
    ];
    for filter in filters {
        for token in [None, Some("e.100.7".to_string())] {
            let plan = store.explain_list_executions(&filter, &Page { token, limit: 10 }).await?.join(" | ");
            eprintln!("{filter:?}: {plan}");
            assert!(
                plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"),
                "{filter:?}: {plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{filter:?} sorts: {plan}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn survives_reopen() -> TestResult {
    let dir = tempfile::tempdir()?;
    {
        let store = SqliteStore::open(dir.path())?;
        store.create_execution(&exec(1), &first(1)).await?;
        let c = Commit {
            expected_version: 1,
            state: b"two".to_vec(),
            tokens_add: vec![statecraft_runtime::ports::TokenRecord {
                hash: "h".to_string(),
                execution_arn: String::new(),
                task: vec![1],
                expires: None,
                activity_arn: None,
            }],
            ..Commit::default()
        };
        store.commit(&exec(1).summary.arn, &c).await?;
    }
    assert!(dir.path().join(DB_FILE).exists());
    let store = SqliteStore::open(dir.path())?;
    let got = store.get_execution(&exec(1).summary.arn).await?.ok_or("lost")?;
    assert_eq!((got.version, got.state), (2, b"two".to_vec()));
    assert!(store.get_token("h").await?.is_some());
    assert_eq!(store.executions_with_outbox().await?, vec![exec(1).summary.arn]);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_share_transactions() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(dir.path())?;
    let n = 500;
    let store = &store;
    let creates = (0..n).map(|i| async move { store.create_execution(&exec(i), &first(i)).await });
    let results = join_all(creates.collect()).await;
    assert!(results.iter().all(Result::is_ok));
    let stats = store.stats().snapshot();
    eprintln!("{stats:?}");
    assert_eq!(stats.jobs, n);
    assert!(stats.transactions < n, "no batching: {stats:?}");
    assert!(stats.max_batch > 1);
    // Due timers come back soonest first through their index.
    let due = store.due(4, 0).await?;
    assert_eq!(
        due.iter().map(|(_, e)| e.due).collect::<Vec<_>>(),
        vec![Some(0), Some(1), Some(2), Some(3), Some(4)]
    );
    assert_eq!(due[2].0, exec(2).summary.arn);
    Ok(())
}

/// A reader holding a snapshot open neither blocks commits nor sees them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_do_not_block_writers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(dir.path())?;
    store.create_execution(&exec(1), &first(1)).await?;
    let reader = rusqlite::Connection::open(dir.path().join(DB_FILE))?;
    reader.execute_batch("BEGIN")?;
    let before: i64 = reader.query_row("SELECT count(*) FROM executions", [], |r| r.get(0))?;
    let writes = async {
        for i in 2..=50 {
            store.create_execution(&exec(i), &first(i)).await?;
        }
        Ok::<(), statecraft_runtime::ports::Error>(())
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), writes).await??;
    let during: i64 = reader.query_row("SELECT count(*) FROM executions", [], |r| r.get(0))?;
    assert_eq!((before, during), (1, 1), "the open read transaction keeps its snapshot");
    reader.execute_batch("COMMIT")?;
    let after: i64 = reader.query_row("SELECT count(*) FROM executions", [], |r| r.get(0))?;
    assert_eq!(after, 50);
    Ok(())
}
