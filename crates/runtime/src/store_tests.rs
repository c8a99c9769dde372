//! The behavioural suite every [`Store`] must pass: the executable form of the contract in
//! [`crate::ports`]. Each case is a public async function over a fresh, empty store; the
//! [`store_conformance!`](crate::store_conformance) macro turns them all into `#[tokio::test]`s
//! for one adapter (the in-memory store runs it here, `statecraft-local` runs it on SQLite).
//!
//! This is test support, compiled into the library so that adapter crates can use it: its
//! functions panic (by `assert!`) on the first behaviour that differs. It is never called by
//! the engine.
//!
//! Semantics the ports leave open, fixed here for every store:
//! - `Page::limit == 0` means no limit. `next_token` is `Some` only when at least one more item
//!   follows, so a page that ends exactly at the end carries no token. A token a store did not
//!   issue fails with `Error::InvalidToken`.
//! - Tokens name the last item returned (keyset pagination), never an offset: items inserted
//!   while a client pages are neither duplicated nor skipped before the cursor.
//! - State machines, aliases and activities list by name (ties by ARN), ascending; versions by
//!   number, newest first; executions by start time, newest first (ties: the later created
//!   first); history by id.
//! - Deletes of what is absent fail with `NotFound`; so do `update_state_machine` and `commit`
//!   on an absent record, `history` and `outbox` of an absent execution, and `put_version` /
//!   `put_alias` for an absent state machine. Deleting a state machine deletes its versions,
//!   aliases and their tags, keeps its revisions and executions.
//! - A revision is immutable: storing one whose (state machine, id) exists is `AlreadyExists`.
//! - `create_execution` stores the record with the first commit applied: the state is the
//!   commit's, the summary the commit's when it has one. It is `AlreadyExists` when the ARN is
//!   taken, else `Conflict` unless both `record.version` and `first.expected_version` are 0.
//! - A commit adds before it removes (outbox keys and token hashes): a key both added and
//!   removed by one commit is not stored, so a final commit can clear everything, including
//!   what its own step asked for. Adding a stored key replaces the entry; removing an absent
//!   key is not an error. Tokens a commit
//!   adds belong to its execution whatever their `execution_arn` says; `tokens_remove` only
//!   removes tokens of the committing execution. A history id already stored (or repeated in
//!   one commit) fails the whole commit with `Backend`, writing nothing.
//! - ListExecutions: `state_machine_arn` matches executions of that state machine through any
//!   of its versions and aliases when unqualified, or those started through that version or
//!   alias when qualified; `version_arn`/`alias_arn` match exactly; `redrive_filter` is
//!   `REDRIVEN` (redrive count > 0) or `NOT_REDRIVEN`; `map_run_arn` matches `parent_arn`.
//! - `executions_with_outbox` is sorted by ARN; `tags` by key; `create_activity` of an existing
//!   ARN returns the stored record unchanged.

use crate::ports::{
    ActivityRecord, AliasRecord, Commit, Error, ExecutionFilter, ExecutionRecord, ExecutionStatus,
    ExecutionSummary, HistoryRow, MachineKind, OutboxEntry, Page, RevisionRecord, StateMachineRecord, Store,
    TokenRecord, VersionRecord, RECORD_VERSION,
};
use std::future::Future;

mod definitions;
mod executions;

pub use definitions::*;
pub use executions::*;
use std::pin::Pin;
use std::task::Poll;

/// Generates one `#[tokio::test]` per conformance case. `$make` is an expression evaluated
/// afresh in each test that yields a value dereferencing to a [`Store`] (e.g.
/// `Box::new(MemoryStore::new())`, or a fixture that owns a temporary directory). The calling
/// crate needs `tokio` with the `macros` and `rt` features.
#[macro_export]
macro_rules! store_conformance {
    ($make:expr) => {
        $crate::store_conformance!(@cases $make;
            state_machine_lifecycle, list_state_machines_by_name, versions, aliases,
            create_execution_and_get, commit_conflict_exactly_one_wins, failed_commit_writes_nothing,
            outbox_add_remove, tokens, history_paging, history_paging_is_stable_under_appends,
            list_executions_filters, list_executions_paging, list_executions_other_filters,
            activities, tags, concurrent_commits_with_retry, invalid_tokens);
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let fixture = $make;
                $crate::store_tests::$case(&*fixture).await;
            }
        )*
    };
}

const ACCOUNT: &str = "arn:aws:states:us-east-1:123456789012";

fn sm_arn(name: &str) -> String {
    format!("{ACCOUNT}:stateMachine:{name}")
}

fn exec_arn(sm: &str, name: &str) -> String {
    format!("{ACCOUNT}:execution:{sm}:{name}")
}

fn page(limit: usize, token: Option<String>) -> Page {
    Page { token, limit }
}

fn all() -> Page {
    Page::default()
}

/// A state machine record and its first revision.
pub fn machine(name: &str, created: i64) -> (StateMachineRecord, RevisionRecord) {
    let arn = sm_arn(name);
    let sm = StateMachineRecord {
        record_version: RECORD_VERSION,
        arn: arn.clone(),
        name: name.to_string(),
        kind: MachineKind::Standard,
        revision_id: format!("{name}-rev-1"),
        role_arn: "arn:aws:iam::123456789012:role/sfn".to_string(),
        description: None,
        logging_configuration: None,
        tracing_configuration: None,
        created,
        updated: created,
        last_version: 0,
    };
    let rev = RevisionRecord {
        record_version: RECORD_VERSION,
        state_machine_arn: arn,
        revision_id: format!("{name}-rev-1"),
        definition: r#"{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#.to_string(),
        role_arn: sm.role_arn.clone(),
        created,
    };
    (sm, rev)
}

fn version(sm: &str, n: u64) -> VersionRecord {
    VersionRecord {
        record_version: RECORD_VERSION,
        arn: format!("{}:{n}", sm_arn(sm)),
        state_machine_arn: sm_arn(sm),
        version: n,
        revision_id: format!("{sm}-rev-1"),
        description: Some(format!("v{n}")),
        created: 1000 + n as i64,
    }
}

fn alias(sm: &str, name: &str, to: u64) -> AliasRecord {
    AliasRecord {
        record_version: RECORD_VERSION,
        arn: format!("{}:{name}", sm_arn(sm)),
        name: name.to_string(),
        state_machine_arn: sm_arn(sm),
        description: None,
        routing: vec![(format!("{}:{to}", sm_arn(sm)), 100)],
        created: 5,
        updated: 5,
    }
}

/// An execution summary (RUNNING) of state machine `sm`.
pub fn summary(sm: &str, name: &str, start: i64) -> ExecutionSummary {
    ExecutionSummary {
        arn: exec_arn(sm, name),
        name: name.to_string(),
        state_machine_arn: sm_arn(sm),
        version_arn: None,
        alias_arn: None,
        kind: MachineKind::Standard,
        status: ExecutionStatus::Running,
        start,
        stop: None,
        input: r#"{"order":42}"#.to_string(),
        output: None,
        error: None,
        cause: None,
        redrive_count: 0,
        redrive_date: None,
        trace_header: None,
        parent_arn: None,
    }
}

/// A version-0 execution record for `summary`.
pub fn record(summary: ExecutionSummary) -> ExecutionRecord {
    ExecutionRecord {
        record_version: RECORD_VERSION,
        summary,
        revision_id: "rev-1".to_string(),
        state: b"initial".to_vec(),
        version: 0,
    }
}

fn row(id: u64) -> HistoryRow {
    HistoryRow { id, json: format!(r#"{{"id":{id},"type":"PassStateEntered"}}"#) }
}

fn entry(key: &str, due: Option<i64>) -> OutboxEntry {
    OutboxEntry { key: key.to_string(), due, effect: format!("effect {key}").into_bytes() }
}

fn token(hash: &str, exec: &str) -> TokenRecord {
    TokenRecord {
        hash: hash.to_string(),
        execution_arn: exec.to_string(),
        task: hash.as_bytes().to_vec(),
        expires: Some(99),
        activity_arn: None,
    }
}

/// The first commit of an execution: version 0 to 1, history 1..=2, one outbox entry.
fn first_commit() -> Commit {
    Commit {
        expected_version: 0,
        summary: None,
        state: b"state-1".to_vec(),
        history: vec![row(1), row(2)],
        outbox_add: vec![entry("start", None)],
        ..Commit::default()
    }
}

async fn create(store: &dyn Store, sm: &str, name: &str, start: i64) -> String {
    let s = summary(sm, name, start);
    let arn = s.arn.clone();
    store.create_execution(&record(s), &first_commit()).await.expect("create_execution");
    arn
}

/// Polls every future to completion, concurrently within the calling task.
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}
