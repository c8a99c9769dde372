//! Conformance cases of the execution and token ports: conditional commits, history, outbox,
//! tokens, listings.

use super::*;

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
    // Adding a stored key replaces the entry.
    let replaced = OutboxEntry { key: "t1".to_string(), due: Some(11), effect: b"retry".to_vec() };
    let c3 = Commit { expected_version: 2, outbox_add: vec![replaced.clone()], ..Commit::default() };
    store.commit(&a, &c3).await.expect("commit");
    assert_eq!(store.outbox(&a).await.expect("outbox"), vec![replaced, entry("t2", Some(20))]);
    // A key added and removed by one commit is not stored, whether it was before or not: a
    // final commit clears everything, including what its own step asked for.
    let c4 = Commit {
        expected_version: 3,
        outbox_add: vec![entry("t1", Some(12)), entry("t3", Some(30))],
        outbox_remove: vec!["t1".to_string(), "t2".to_string(), "t3".to_string()],
        ..Commit::default()
    };
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
    // A token added and removed by one commit is not stored.
    let finish = Commit {
        expected_version: 3,
        tokens_add: vec![token("t-last", &a)],
        tokens_remove: vec!["t-last".to_string(), "t-a2".to_string()],
        ..Commit::default()
    };
    store.commit(&a, &finish).await.expect("commit");
    assert_eq!(store.get_token("t-last").await.expect("get"), None);
    assert_eq!(store.get_token("t-a2").await.expect("get"), None);
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
