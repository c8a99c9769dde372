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
//! - A commit removes before it adds (outbox keys and token hashes), so removing and adding
//!   the same key replaces the entry; removing an absent key is not an error. Tokens a commit
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

pub async fn state_machine_lifecycle(store: &dyn Store) {
    let (sm, rev) = machine("Orders", 10);
    store.create_state_machine(&sm, &rev).await.expect("create");
    assert_eq!(store.get_state_machine(&sm.arn).await.expect("get"), Some(sm.clone()));
    assert_eq!(store.get_state_machine(&sm_arn("Nope")).await.expect("get"), None);
    let (_, rev_b) = machine("Orders-b", 10);
    assert_eq!(store.create_state_machine(&sm, &rev_b).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_revision(&sm.arn, &rev.revision_id).await.expect("rev"), Some(rev.clone()));

    // Conditional update with a new revision.
    let mut updated = sm.clone();
    updated.updated = 20;
    updated.revision_id = "Orders-rev-2".to_string();
    let rev2 = RevisionRecord {
        revision_id: "Orders-rev-2".to_string(),
        definition: "{}".to_string(),
        ..rev.clone()
    };
    assert_eq!(store.update_state_machine(&updated, 11, Some(&rev2)).await, Err(Error::Conflict));
    assert_eq!(
        store.get_revision(&sm.arn, "Orders-rev-2").await.expect("rev"),
        None,
        "a lost update stores no revision"
    );
    store.update_state_machine(&updated, 10, Some(&rev2)).await.expect("update");
    assert_eq!(store.get_state_machine(&sm.arn).await.expect("get"), Some(updated.clone()));
    assert_eq!(store.update_state_machine(&updated, 10, None).await, Err(Error::Conflict));
    let mut again = updated.clone();
    again.updated = 30;
    assert_eq!(store.update_state_machine(&again, 20, Some(&rev2)).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_state_machine(&sm.arn).await.expect("get"), Some(updated.clone()));
    let (ghost, _) = machine("Ghost", 1);
    assert_eq!(store.update_state_machine(&ghost, 1, None).await, Err(Error::NotFound));

    // Versions, aliases and tags go with the state machine; revisions and executions stay.
    store.put_version(&version("Orders", 1)).await.expect("version");
    store.put_alias(&alias("Orders", "prod", 1), true).await.expect("alias");
    store.tag(&sm.arn, &[("team".to_string(), "a".to_string())]).await.expect("tag");
    store.tag(&alias("Orders", "prod", 1).arn, &[("k".to_string(), "v".to_string())]).await.expect("tag");
    let exec = create(store, "Orders", "e1", 100).await;
    store.delete_state_machine(&sm.arn).await.expect("delete");
    assert_eq!(store.get_state_machine(&sm.arn).await.expect("get"), None);
    assert_eq!(store.get_version(&version("Orders", 1).arn).await.expect("get"), None);
    assert_eq!(store.get_alias(&alias("Orders", "prod", 1).arn).await.expect("get"), None);
    assert_eq!(store.list_versions(&sm.arn, &all()).await.expect("list").items, vec![]);
    assert_eq!(store.list_aliases(&sm.arn, &all()).await.expect("list").items, vec![]);
    assert_eq!(store.tags(&sm.arn).await.expect("tags"), vec![]);
    assert_eq!(store.tags(&alias("Orders", "prod", 1).arn).await.expect("tags"), vec![]);
    assert_eq!(store.get_revision(&sm.arn, &rev.revision_id).await.expect("rev"), Some(rev.clone()));
    assert_eq!(store.get_revision(&sm.arn, "Orders-rev-2").await.expect("rev"), Some(rev2));
    assert!(store.get_execution(&exec).await.expect("get").is_some());
    assert_eq!(store.delete_state_machine(&sm.arn).await, Err(Error::NotFound));
    assert_eq!(store.list_state_machines(&all()).await.expect("list").items, vec![]);
}

pub async fn list_state_machines_by_name(store: &dyn Store) {
    let names = ["delta", "alpha", "echo", "charlie", "bravo"];
    for (i, name) in names.iter().enumerate() {
        let (sm, rev) = machine(name, 100 - i as i64);
        store.create_state_machine(&sm, &rev).await.expect("create");
    }
    let mut sorted = names.to_vec();
    sorted.sort();
    for limit in 1..=6 {
        let mut got = Vec::new();
        let mut token = None;
        let mut pages = 0;
        loop {
            let p = store.list_state_machines(&page(limit, token)).await.expect("list");
            assert!(p.items.len() <= limit);
            got.extend(p.items.into_iter().map(|m| m.name));
            pages += 1;
            token = p.next_token;
            if token.is_none() {
                break;
            }
        }
        assert_eq!(got, sorted, "limit {limit}");
        assert_eq!(pages, sorted.len().div_ceil(limit), "no empty trailing page at limit {limit}");
    }
    let everything = store.list_state_machines(&all()).await.expect("list");
    assert_eq!(everything.items.len(), 5);
    assert_eq!(everything.next_token, None);
}

pub async fn versions(store: &dyn Store) {
    assert_eq!(store.put_version(&version("Orders", 1)).await, Err(Error::NotFound));
    let (sm, rev) = machine("Orders", 1);
    store.create_state_machine(&sm, &rev).await.expect("create");
    for n in 1..=4 {
        store.put_version(&version("Orders", n)).await.expect("put");
    }
    assert_eq!(store.put_version(&version("Orders", 2)).await, Err(Error::AlreadyExists));
    let mut same_number = version("Orders", 3);
    same_number.arn = format!("{}:other", sm.arn);
    assert_eq!(store.put_version(&same_number).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_version(&version("Orders", 3).arn).await.expect("get"), Some(version("Orders", 3)));

    let p1 = store.list_versions(&sm.arn, &page(1, None)).await.expect("list");
    assert_eq!(p1.items, vec![version("Orders", 4)]);
    let p2 = store.list_versions(&sm.arn, &page(2, p1.next_token)).await.expect("list");
    assert_eq!(p2.items, vec![version("Orders", 3), version("Orders", 2)]);
    let p3 = store.list_versions(&sm.arn, &page(1, p2.next_token)).await.expect("list");
    assert_eq!(p3.items, vec![version("Orders", 1)]);
    assert_eq!(p3.next_token, None);

    store.delete_version(&version("Orders", 3).arn).await.expect("delete");
    assert_eq!(store.delete_version(&version("Orders", 3).arn).await, Err(Error::NotFound));
    let numbers: Vec<u64> =
        store.list_versions(&sm.arn, &all()).await.expect("list").items.iter().map(|v| v.version).collect();
    assert_eq!(numbers, vec![4, 2, 1]);
    assert_eq!(store.list_versions(&sm_arn("Other"), &all()).await.expect("list").items, vec![]);
}

pub async fn aliases(store: &dyn Store) {
    assert_eq!(store.put_alias(&alias("Orders", "prod", 1), true).await, Err(Error::NotFound));
    let (sm, rev) = machine("Orders", 1);
    store.create_state_machine(&sm, &rev).await.expect("create");
    store.put_alias(&alias("Orders", "prod", 1), true).await.expect("create alias");
    store.put_alias(&alias("Orders", "beta", 1), true).await.expect("create alias");
    let mut moved = alias("Orders", "prod", 2);
    assert_eq!(store.put_alias(&moved, true).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_alias(&moved.arn).await.expect("get"), Some(alias("Orders", "prod", 1)));
    moved.updated = 9;
    store.put_alias(&moved, false).await.expect("replace alias");
    assert_eq!(store.get_alias(&moved.arn).await.expect("get"), Some(moved.clone()));
    store.put_alias(&alias("Orders", "canary", 1), false).await.expect("upsert creates");

    let p1 = store.list_aliases(&sm.arn, &page(2, None)).await.expect("list");
    let names: Vec<&str> = p1.items.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["beta", "canary"]);
    let p2 = store.list_aliases(&sm.arn, &page(2, p1.next_token)).await.expect("list");
    assert_eq!(p2.items, vec![moved.clone()]);
    assert_eq!(p2.next_token, None);

    store.delete_alias(&moved.arn).await.expect("delete");
    assert_eq!(store.delete_alias(&moved.arn).await, Err(Error::NotFound));
    assert_eq!(store.get_alias(&moved.arn).await.expect("get"), None);
}

pub async fn create_execution_and_get(store: &dyn Store) {
    let s = summary("Orders", "e1", 100);
    let rec = record(s.clone());
    let first = Commit {
        tokens_add: vec![token("h1", &s.arn)],
        outbox_add: vec![entry("start", None), entry("timer", Some(500))],
        ..first_commit()
    };
    store.create_execution(&rec, &first).await.expect("create");
    let got = store.get_execution(&s.arn).await.expect("get").expect("stored");
    assert_eq!(got.version, 1);
    assert_eq!(got.state, b"state-1".to_vec(), "the first commit's state is stored");
    assert_eq!(got.summary, s);
    assert_eq!(got.revision_id, rec.revision_id);
    assert_eq!(got.record_version, RECORD_VERSION);
    let history = store.history(&s.arn, false, &all()).await.expect("history");
    assert_eq!(history.items, vec![row(1), row(2)]);
    assert_eq!(
        store.outbox(&s.arn).await.expect("outbox"),
        vec![entry("start", None), entry("timer", Some(500))]
    );
    assert_eq!(store.get_token("h1").await.expect("token"), Some(token("h1", &s.arn)));
    assert_eq!(store.executions_with_outbox().await.expect("list"), vec![s.arn.clone()]);

    // Duplicate ARN: AlreadyExists, the stored one untouched.
    let dup = Commit { state: b"other".to_vec(), history: vec![row(9)], ..Commit::default() };
    assert_eq!(store.create_execution(&rec, &dup).await, Err(Error::AlreadyExists));
    assert_eq!(store.get_execution(&s.arn).await.expect("get"), Some(got));
    assert_eq!(store.history(&s.arn, false, &all()).await.expect("history").items.len(), 2);

    // The first commit must move version 0 to 1.
    let s2 = summary("Orders", "e2", 101);
    let bad = Commit { expected_version: 3, ..first_commit() };
    assert_eq!(store.create_execution(&record(s2.clone()), &bad).await, Err(Error::Conflict));
    assert_eq!(store.get_execution(&s2.arn).await.expect("get"), None);

    // A first commit with a summary replaces the record's.
    let mut s3 = summary("Orders", "e3", 102);
    let mut s3b = s3.clone();
    s3b.trace_header = Some("Root=1".to_string());
    store
        .create_execution(&record(s3.clone()), &Commit { summary: Some(s3b.clone()), ..first_commit() })
        .await
        .expect("create");
    s3 = store.get_execution(&s3.arn).await.expect("get").expect("stored").summary;
    assert_eq!(s3, s3b);

    let missing = exec_arn("Orders", "missing");
    assert_eq!(store.get_execution(&missing).await.expect("get"), None);
    assert_eq!(
        store.commit(&missing, &Commit { expected_version: 1, ..Commit::default() }).await,
        Err(Error::NotFound)
    );
    assert_eq!(store.history(&missing, false, &all()).await, Err(Error::NotFound));
    assert_eq!(store.outbox(&missing).await, Err(Error::NotFound));
}

pub async fn commit_conflict_exactly_one_wins(store: &dyn Store) {
    let arn = create(store, "Orders", "race", 1).await;
    let contender = |n: u64| Commit {
        expected_version: 1,
        summary: None,
        state: format!("winner-{n}").into_bytes(),
        history: vec![HistoryRow { id: 3, json: format!("from {n}") }],
        outbox_add: vec![entry(&format!("from-{n}"), Some(n as i64))],
        outbox_remove: vec!["start".to_string()],
        tokens_add: vec![token(&format!("tok-{n}"), &arn)],
        tokens_remove: vec![],
    };
    let (a, b) = (contender(1), contender(2));
    let results = join_all(vec![store.commit(&arn, &a), store.commit(&arn, &b)]).await;
    let wins: Vec<usize> =
        results.iter().enumerate().filter(|(_, r)| r.is_ok()).map(|(i, _)| i + 1).collect();
    assert_eq!(wins.len(), 1, "exactly one commit wins: {results:?}");
    let winner = wins[0];
    let loser = 3 - winner;
    assert_eq!(results[loser - 1], Err(Error::Conflict));

    let got = store.get_execution(&arn).await.expect("get").expect("stored");
    assert_eq!(got.version, 2);
    assert_eq!(got.state, format!("winner-{winner}").into_bytes());
    let history = store.history(&arn, false, &all()).await.expect("history").items;
    assert_eq!(history, vec![row(1), row(2), HistoryRow { id: 3, json: format!("from {winner}") }]);
    assert_eq!(
        store.outbox(&arn).await.expect("outbox"),
        vec![entry(&format!("from-{winner}"), Some(winner as i64))]
    );
    assert!(store.get_token(&format!("tok-{winner}")).await.expect("token").is_some());
    assert_eq!(store.get_token(&format!("tok-{loser}")).await.expect("token"), None);

    // A stale commit after the fact also loses.
    assert_eq!(store.commit(&arn, &contender(loser as u64)).await, Err(Error::Conflict));
    assert_eq!(store.get_execution(&arn).await.expect("get").expect("stored").version, 2);
}

pub async fn failed_commit_writes_nothing(store: &dyn Store) {
    let arn = create(store, "Orders", "atomic", 1).await;
    store
        .commit(
            &arn,
            &Commit {
                expected_version: 1,
                state: b"s2".to_vec(),
                tokens_add: vec![token("keep", &arn)],
                ..Commit::default()
            },
        )
        .await
        .expect("commit");
    let before = store.get_execution(&arn).await.expect("get");
    let everything = |expected_version| Commit {
        expected_version,
        summary: Some(ExecutionSummary { status: ExecutionStatus::Failed, ..summary("Orders", "atomic", 1) }),
        state: b"bad".to_vec(),
        history: vec![row(3), row(4)],
        outbox_add: vec![entry("new", Some(7))],
        outbox_remove: vec!["start".to_string()],
        tokens_add: vec![token("new-token", &arn)],
        tokens_remove: vec!["keep".to_string()],
    };
    for stale in [0, 1, 3] {
        assert_eq!(store.commit(&arn, &everything(stale)).await, Err(Error::Conflict));
        untouched(store, &arn, &before).await;
    }
    // A commit that fails half-way (a history id already stored) writes nothing either.
    let mut dup = everything(2);
    dup.history = vec![row(3), row(2)];
    assert!(matches!(store.commit(&arn, &dup).await, Err(Error::Backend(_))));
    untouched(store, &arn, &before).await;
    let mut twice = everything(2);
    twice.history = vec![row(3), row(3)];
    assert!(matches!(store.commit(&arn, &twice).await, Err(Error::Backend(_))));
    untouched(store, &arn, &before).await;
    // And the execution still accepts the right commit.
    store.commit(&arn, &everything(2)).await.expect("commit");
    assert_eq!(store.get_execution(&arn).await.expect("get").expect("stored").version, 3);
}

async fn untouched(store: &dyn Store, arn: &str, before: &Option<ExecutionRecord>) {
    assert_eq!(&store.get_execution(arn).await.expect("get"), before);
    assert_eq!(store.history(arn, false, &all()).await.expect("history").items, vec![row(1), row(2)]);
    assert_eq!(store.outbox(arn).await.expect("outbox"), vec![entry("start", None)]);
    assert_eq!(store.get_token("new-token").await.expect("token"), None);
    assert!(store.get_token("keep").await.expect("token").is_some());
    let failed = ExecutionFilter { status: Some(ExecutionStatus::Failed), ..ExecutionFilter::default() };
    assert_eq!(store.list_executions(&failed, &all()).await.expect("list").items, vec![]);
}

pub async fn outbox_add_remove(store: &dyn Store) {
    let a = create(store, "Orders", "a", 1).await;
    let b = create(store, "Orders", "b", 2).await;
    let mut expected = vec![a.clone(), b.clone()];
    expected.sort();
    assert_eq!(store.executions_with_outbox().await.expect("list"), expected);

    let c2 = Commit {
        expected_version: 1,
        outbox_add: vec![entry("t1", Some(10)), entry("t2", Some(20))],
        outbox_remove: vec!["start".to_string(), "never-added".to_string()],
        ..Commit::default()
    };
    store.commit(&a, &c2).await.expect("commit");
    assert_eq!(store.outbox(&a).await.expect("outbox"), vec![entry("t1", Some(10)), entry("t2", Some(20))]);
    // Removing and adding one key in a commit replaces the entry.
    let replaced = OutboxEntry { key: "t1".to_string(), due: Some(11), effect: b"retry".to_vec() };
    let c3 = Commit {
        expected_version: 2,
        outbox_add: vec![replaced.clone()],
        outbox_remove: vec!["t1".to_string(), "t2".to_string()],
        ..Commit::default()
    };
    store.commit(&a, &c3).await.expect("commit");
    assert_eq!(store.outbox(&a).await.expect("outbox"), vec![replaced]);
    let c4 = Commit { expected_version: 3, outbox_remove: vec!["t1".to_string()], ..Commit::default() };
    store.commit(&a, &c4).await.expect("commit");
    assert_eq!(store.outbox(&a).await.expect("outbox"), vec![]);
    assert_eq!(store.executions_with_outbox().await.expect("list"), vec![b.clone()]);
    // Other executions' outboxes are untouched.
    assert_eq!(store.outbox(&b).await.expect("outbox"), vec![entry("start", None)]);
    let c2b = Commit { expected_version: 1, outbox_remove: vec!["start".to_string()], ..Commit::default() };
    store.commit(&b, &c2b).await.expect("commit");
    assert_eq!(store.executions_with_outbox().await.expect("list"), Vec::<String>::new());
}

pub async fn tokens(store: &dyn Store) {
    let a = create(store, "Orders", "a", 1).await;
    let b = create(store, "Orders", "b", 2).await;
    assert_eq!(store.get_token("t-a").await.expect("get"), None);
    let mut foreign = token("t-a", "somebody else");
    foreign.activity_arn = Some(format!("{ACCOUNT}:activity:work"));
    foreign.expires = None;
    let add = Commit {
        expected_version: 1,
        tokens_add: vec![foreign.clone(), token("t-a2", &a)],
        ..Commit::default()
    };
    store.commit(&a, &add).await.expect("commit");
    let stored = store.get_token("t-a").await.expect("get").expect("stored");
    assert_eq!(
        stored,
        TokenRecord { execution_arn: a.clone(), ..foreign },
        "tokens belong to their commit's execution"
    );
    store
        .commit(&b, &Commit { expected_version: 1, tokens_add: vec![token("t-b", &b)], ..Commit::default() })
        .await
        .expect("commit");
    // An execution cannot remove another's token.
    store
        .commit(
            &b,
            &Commit { expected_version: 2, tokens_remove: vec!["t-a".to_string()], ..Commit::default() },
        )
        .await
        .expect("commit");
    assert!(store.get_token("t-a").await.expect("get").is_some());
    // Spent tokens are removed; unknown hashes are ignored.
    let spend = Commit {
        expected_version: 2,
        tokens_remove: vec!["t-a".to_string(), "unknown".to_string()],
        ..Commit::default()
    };
    store.commit(&a, &spend).await.expect("commit");
    assert_eq!(store.get_token("t-a").await.expect("get"), None);
    assert_eq!(store.get_token("t-a2").await.expect("get"), Some(token("t-a2", &a)));
    assert_eq!(store.get_token("t-b").await.expect("get"), Some(token("t-b", &b)));
}

/// Reads every page of a history at `limit`, checking the page sizes.
async fn read_history(store: &dyn Store, arn: &str, reverse: bool, limit: usize) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut token = None;
    loop {
        let p = store.history(arn, reverse, &page(limit, token)).await.expect("history");
        if limit > 0 {
            assert!(p.items.len() <= limit);
        }
        if p.next_token.is_some() {
            assert_eq!(p.items.len(), limit, "only a last page is short");
        }
        ids.extend(p.items.iter().map(|r| r.id));
        token = p.next_token;
        if token.is_none() {
            return ids;
        }
    }
}

pub async fn history_paging(store: &dyn Store) {
    let arn = create(store, "Orders", "h", 1).await;
    let more = Commit { expected_version: 1, history: (3..=7).map(row).collect(), ..Commit::default() };
    store.commit(&arn, &more).await.expect("commit");
    let forward: Vec<u64> = (1..=7).collect();
    let backward: Vec<u64> = (1..=7).rev().collect();
    for limit in [0, 1, 2, 3, 6, 7, 8, 100] {
        assert_eq!(read_history(store, &arn, false, limit).await, forward, "forward, limit {limit}");
        assert_eq!(read_history(store, &arn, true, limit).await, backward, "reverse, limit {limit}");
    }
    // Exact boundary: a full last page carries no token.
    let p = store.history(&arn, false, &page(7, None)).await.expect("history");
    assert_eq!((p.items.len(), p.next_token), (7, None));
    let p = store.history(&arn, true, &page(1, None)).await.expect("history");
    assert_eq!(p.items, vec![row(7)]);
    let p = store.history(&arn, true, &page(6, p.next_token)).await.expect("history");
    assert_eq!(p.items.iter().map(|r| r.id).collect::<Vec<_>>(), vec![6, 5, 4, 3, 2, 1]);
    assert_eq!(p.next_token, None);
    // The rows are returned as written.
    let p = store.history(&arn, false, &page(1, None)).await.expect("history");
    assert_eq!(p.items, vec![row(1)]);

    // An execution with no history yet.
    let s = summary("Orders", "empty", 2);
    let bare = Commit { expected_version: 0, state: b"x".to_vec(), ..Commit::default() };
    store.create_execution(&record(s.clone()), &bare).await.expect("create");
    for reverse in [false, true] {
        let p = store.history(&s.arn, reverse, &page(5, None)).await.expect("history");
        assert_eq!((p.items, p.next_token), (vec![], None));
    }
}

pub async fn history_paging_is_stable_under_appends(store: &dyn Store) {
    let arn = create(store, "Orders", "h", 1).await;
    let p1 = store.history(&arn, false, &page(1, None)).await.expect("history");
    assert_eq!(p1.items, vec![row(1)]);
    let rp1 = store.history(&arn, true, &page(1, None)).await.expect("history");
    assert_eq!(rp1.items, vec![row(2)]);
    store
        .commit(&arn, &Commit { expected_version: 1, history: vec![row(3), row(4)], ..Commit::default() })
        .await
        .expect("commit");
    // Forward paging picks up what was appended; reverse paging continues below its cursor.
    let p2 = store.history(&arn, false, &page(2, p1.next_token)).await.expect("history");
    assert_eq!(p2.items, vec![row(2), row(3)]);
    let p3 = store.history(&arn, false, &page(2, p2.next_token)).await.expect("history");
    assert_eq!((p3.items, p3.next_token), (vec![row(4)], None));
    let rp2 = store.history(&arn, true, &page(5, rp1.next_token)).await.expect("history");
    assert_eq!((rp2.items, rp2.next_token), (vec![row(1)], None));
}

/// Executions of two state machines through the base ARN, a version and an alias.
async fn fleet(store: &dyn Store) -> Vec<ExecutionSummary> {
    let v1 = format!("{}:1", sm_arn("A"));
    let prod = format!("{}:prod", sm_arn("A"));
    let mut out = Vec::new();
    // (state machine, name, start, version ARN, alias ARN, status)
    type Spec<'a> = (&'a str, &'a str, i64, Option<&'a str>, Option<&'a str>, ExecutionStatus);
    let specs: [Spec<'_>; 8] = [
        ("A", "a1", 100, None, None, ExecutionStatus::Succeeded),
        ("A", "a2", 200, Some(&v1), None, ExecutionStatus::Running),
        ("B", "b1", 200, None, None, ExecutionStatus::Running),
        ("A", "a3", 300, Some(&v1), Some(&prod), ExecutionStatus::Failed),
        ("A", "a4", 300, None, None, ExecutionStatus::Running),
        ("B", "b2", 50, None, None, ExecutionStatus::Failed),
        ("A", "a5", 400, Some(&v1), Some(&prod), ExecutionStatus::Running),
        ("A", "a6", 150, None, None, ExecutionStatus::Aborted),
    ];
    for (sm, name, start, version_arn, alias_arn, status) in specs {
        let mut s = summary(sm, name, start);
        s.version_arn = version_arn.map(str::to_string);
        s.alias_arn = alias_arn.map(str::to_string);
        s.status = status;
        // Executions started through a version or alias name it as their state machine.
        if let Some(q) = alias_arn.or(version_arn) {
            s.state_machine_arn = q.to_string();
        }
        store.create_execution(&record(s.clone()), &first_commit()).await.expect("create");
        out.push(s);
    }
    out
}

fn names(items: &[ExecutionSummary]) -> Vec<&str> {
    items.iter().map(|s| s.name.as_str()).collect()
}

pub async fn list_executions_filters(store: &dyn Store) {
    fleet(store).await;
    let list = |filter: ExecutionFilter| async move {
        let items = store.list_executions(&filter, &all()).await.expect("list").items;
        items.iter().map(|s| s.name.clone()).collect::<Vec<String>>()
    };
    // Newest first; equal start times: the later created first.
    assert_eq!(list(ExecutionFilter::default()).await, ["a5", "a4", "a3", "b1", "a2", "a6", "a1", "b2"]);
    let by = |arn: String| ExecutionFilter { state_machine_arn: Some(arn), ..ExecutionFilter::default() };
    assert_eq!(list(by(sm_arn("A"))).await, ["a5", "a4", "a3", "a2", "a6", "a1"]);
    assert_eq!(list(by(sm_arn("B"))).await, ["b1", "b2"]);
    assert_eq!(list(by(format!("{}:1", sm_arn("A")))).await, ["a5", "a3", "a2"]);
    assert_eq!(list(by(format!("{}:prod", sm_arn("A")))).await, ["a5", "a3"]);
    assert_eq!(list(by(sm_arn("C"))).await, Vec::<String>::new());
    let version =
        ExecutionFilter { version_arn: Some(format!("{}:1", sm_arn("A"))), ..ExecutionFilter::default() };
    assert_eq!(list(version).await, ["a5", "a3", "a2"]);
    let alias =
        ExecutionFilter { alias_arn: Some(format!("{}:prod", sm_arn("A"))), ..ExecutionFilter::default() };
    assert_eq!(list(alias).await, ["a5", "a3"]);
    let running = ExecutionFilter { status: Some(ExecutionStatus::Running), ..ExecutionFilter::default() };
    assert_eq!(list(running.clone()).await, ["a5", "a4", "b1", "a2"]);
    let a_running = ExecutionFilter { state_machine_arn: Some(sm_arn("A")), ..running };
    assert_eq!(list(a_running.clone()).await, ["a5", "a4", "a2"]);
    let v_failed = ExecutionFilter {
        version_arn: Some(format!("{}:1", sm_arn("A"))),
        status: Some(ExecutionStatus::Failed),
        ..ExecutionFilter::default()
    };
    assert_eq!(list(v_failed).await, ["a3"]);

    // A status change through a commit moves the execution between status filters.
    let a4 = exec_arn("A", "a4");
    let done =
        ExecutionSummary { status: ExecutionStatus::Succeeded, stop: Some(999), ..summary("A", "a4", 300) };
    store
        .commit(&a4, &Commit { expected_version: 1, summary: Some(done.clone()), ..Commit::default() })
        .await
        .expect("commit");
    assert_eq!(list(a_running).await, ["a5", "a2"]);
    let succeeded =
        ExecutionFilter { status: Some(ExecutionStatus::Succeeded), ..ExecutionFilter::default() };
    assert_eq!(list(succeeded).await, ["a4", "a1"]);
    let got = store.list_executions(&by(sm_arn("A")), &page(2, None)).await.expect("list");
    assert_eq!(got.items[1], done);
}

pub async fn list_executions_paging(store: &dyn Store) {
    let fleet = fleet(store).await;
    let everything = ["a5", "a4", "a3", "b1", "a2", "a6", "a1", "b2"];
    for limit in 1..=9 {
        let mut got = Vec::new();
        let mut token = None;
        loop {
            let p =
                store.list_executions(&ExecutionFilter::default(), &page(limit, token)).await.expect("list");
            assert!(p.items.len() <= limit);
            got.extend(names(&p.items).into_iter().map(str::to_string));
            token = p.next_token;
            if token.is_none() {
                break;
            }
        }
        assert_eq!(got, everything, "limit {limit}");
    }
    // Paging with a filter, with an insert between pages: nothing repeats or goes missing.
    let a = ExecutionFilter { state_machine_arn: Some(sm_arn("A")), ..ExecutionFilter::default() };
    let p1 = store.list_executions(&a, &page(3, None)).await.expect("list");
    assert_eq!(names(&p1.items), ["a5", "a4", "a3"]);
    create(store, "A", "newest", 1000).await;
    create(store, "A", "tie", 300).await;
    let p2 = store.list_executions(&a, &page(3, p1.next_token)).await.expect("list");
    assert_eq!(names(&p2.items), ["a2", "a6", "a1"]);
    assert_eq!(p2.next_token, None);
    let p = store.list_executions(&a, &page(2, None)).await.expect("list");
    assert_eq!(names(&p.items), ["newest", "a5"]);
    assert_eq!(p.items[1], fleet[6]);
}

pub async fn list_executions_other_filters(store: &dyn Store) {
    let plain = create(store, "A", "plain", 1).await;
    let mut child = summary("A", "child", 2);
    child.parent_arn = Some(format!("{ACCOUNT}:mapRun:A/map:run-1"));
    store.create_execution(&record(child.clone()), &first_commit()).await.expect("create");
    let mut redriven = summary("A", "plain", 1);
    redriven.redrive_count = 1;
    redriven.redrive_date = Some(5);
    store
        .commit(&plain, &Commit { expected_version: 1, summary: Some(redriven), ..Commit::default() })
        .await
        .expect("commit");
    let list = |filter: ExecutionFilter| async move {
        names(&store.list_executions(&filter, &all()).await.expect("list").items)
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<String>>()
    };
    let f = |r: &str| ExecutionFilter { redrive_filter: Some(r.to_string()), ..ExecutionFilter::default() };
    assert_eq!(list(f("REDRIVEN")).await, ["plain"]);
    assert_eq!(list(f("NOT_REDRIVEN")).await, ["child"]);
    assert!(matches!(store.list_executions(&f("SOMETIMES"), &all()).await, Err(Error::Backend(_))));
    let map = ExecutionFilter { map_run_arn: child.parent_arn.clone(), ..ExecutionFilter::default() };
    assert_eq!(list(map).await, ["child"]);
}

pub async fn activities(store: &dyn Store) {
    let act = |name: &str, created: i64| ActivityRecord {
        record_version: RECORD_VERSION,
        arn: format!("{ACCOUNT}:activity:{name}"),
        name: name.to_string(),
        created,
    };
    assert_eq!(store.create_activity(&act("work", 1)).await.expect("create"), act("work", 1));
    assert_eq!(store.create_activity(&act("work", 2)).await.expect("idempotent"), act("work", 1));
    assert_eq!(store.get_activity(&act("work", 1).arn).await.expect("get"), Some(act("work", 1)));
    for name in ["zeta", "alpha", "mid"] {
        store.create_activity(&act(name, 3)).await.expect("create");
    }
    let p1 = store.list_activities(&page(3, None)).await.expect("list");
    assert_eq!(p1.items.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["alpha", "mid", "work"]);
    let p2 = store.list_activities(&page(3, p1.next_token)).await.expect("list");
    assert_eq!((p2.items, p2.next_token), (vec![act("zeta", 3)], None));
    store.tag(&act("mid", 3).arn, &[("k".to_string(), "v".to_string())]).await.expect("tag");
    store.delete_activity(&act("mid", 3).arn).await.expect("delete");
    assert_eq!(store.tags(&act("mid", 3).arn).await.expect("tags"), vec![]);
    assert_eq!(store.delete_activity(&act("mid", 3).arn).await, Err(Error::NotFound));
    assert_eq!(store.get_activity(&act("mid", 3).arn).await.expect("get"), None);
    assert_eq!(store.list_activities(&all()).await.expect("list").items.len(), 3);
}

pub async fn tags(store: &dyn Store) {
    let arn = sm_arn("Tagged");
    let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(store.tags(&arn).await.expect("tags"), vec![]);
    store.tag(&arn, &[kv("b", "2"), kv("a", "1")]).await.expect("tag");
    store.tag(&arn, &[kv("b", "3"), kv("c", "4")]).await.expect("tag");
    assert_eq!(store.tags(&arn).await.expect("tags"), vec![kv("a", "1"), kv("b", "3"), kv("c", "4")]);
    store.untag(&arn, &["a".to_string(), "zz".to_string()]).await.expect("untag");
    assert_eq!(store.tags(&arn).await.expect("tags"), vec![kv("b", "3"), kv("c", "4")]);
    store.untag(&sm_arn("Nobody"), &["a".to_string()]).await.expect("untag nothing");
    assert_eq!(store.tags(&sm_arn("Other")).await.expect("tags"), vec![]);
    store.untag(&arn, &["b".to_string(), "c".to_string()]).await.expect("untag");
    assert_eq!(store.tags(&arn).await.expect("tags"), vec![]);
}

pub async fn concurrent_commits_with_retry(store: &dyn Store) {
    // Many executions created at once (one write batch on stores that group commits).
    let creates: Vec<_> = (0..40)
        .map(|i| async move {
            let s = summary("Busy", &format!("e{i}"), i);
            store.create_execution(&record(s), &first_commit()).await
        })
        .collect();
    assert!(join_all(creates).await.iter().all(Result::is_ok));
    // Many writers on one execution, each retrying on conflict: every one lands once.
    let arn = exec_arn("Busy", "e0");
    let writers: Vec<_> = (0..20u64)
        .map(|w| {
            let arn = arn.clone();
            async move {
                let mut conflicts = 0;
                loop {
                    let current = store.get_execution(&arn).await.expect("get").expect("stored");
                    let v = current.version;
                    let c = Commit {
                        expected_version: v,
                        state: format!("by {w}").into_bytes(),
                        history: vec![HistoryRow { id: v + 2, json: format!("writer {w}") }],
                        outbox_add: vec![entry(&format!("w{w}"), None)],
                        ..Commit::default()
                    };
                    match store.commit(&arn, &c).await {
                        Ok(()) => return conflicts,
                        Err(Error::Conflict) => conflicts += 1,
                        Err(e) => panic!("writer {w}: {e}"),
                    }
                }
            }
        })
        .collect();
    join_all(writers).await;
    let got = store.get_execution(&arn).await.expect("get").expect("stored");
    assert_eq!(got.version, 21);
    let ids: Vec<u64> =
        store.history(&arn, false, &all()).await.expect("history").items.iter().map(|r| r.id).collect();
    assert_eq!(ids, (1..=22).collect::<Vec<u64>>());
    assert_eq!(store.outbox(&arn).await.expect("outbox").len(), 21);
    assert_eq!(
        store.list_executions(&ExecutionFilter::default(), &all()).await.expect("list").items.len(),
        40
    );
}

pub async fn invalid_tokens(store: &dyn Store) {
    let arn = create(store, "Orders", "e", 1).await;
    let (sm, rev) = machine("Orders", 1);
    store.create_state_machine(&sm, &rev).await.expect("create");
    let bad = || page(1, Some("not-a-token!".to_string()));
    let invalid =
        |r: std::result::Result<(), Error>| assert!(matches!(r, Err(Error::InvalidToken(_))), "{r:?}");
    invalid(store.history(&arn, false, &bad()).await.map(drop));
    invalid(store.list_executions(&ExecutionFilter::default(), &bad()).await.map(drop));
    invalid(store.list_state_machines(&bad()).await.map(drop));
    invalid(store.list_versions(&sm.arn, &bad()).await.map(drop));
    invalid(store.list_aliases(&sm.arn, &bad()).await.map(drop));
    invalid(store.list_activities(&bad()).await.map(drop));
}
