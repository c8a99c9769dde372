//! A behavioural suite for [`FanoutStore`]: each case is an async function over a fresh store;
//! `tests/fanout.rs` runs every case against `MemoryFanoutStore` (the reference) and the
//! DynamoDB store on moto, so the two cannot drift.

#![allow(dead_code, unreachable_pub)]

use statecraft_runtime::fanout_store::{FanoutCounts, FanoutRecord, FanoutStore};
use statecraft_runtime::ports::{Error, HistoryRow};
use statecraft_runtime::store_tests::join_all;
use std::collections::BTreeSet;

pub const EXEC: &str = "arn:aws:states:us-east-1:123456789012:execution:Orders:e1";

pub fn fanout(key: &str, total: u32, max_concurrency: u32) -> FanoutRecord {
    FanoutRecord {
        key: key.to_string(),
        execution_arn: EXEC.to_string(),
        parent_frame: 0,
        parent_seq: 3,
        total,
        max_concurrency,
        tolerated_count: Some(1),
        tolerated_percentage: None,
        spec: b"spec".to_vec(),
    }
}

pub fn inputs(n: u32) -> Vec<String> {
    (0..n).map(|i| format!(r#"{{"item":{i}}}"#)).collect()
}

fn counts(started: u32, succeeded: u32, failed: u32, decided: bool) -> FanoutCounts {
    FanoutCounts { started, succeeded, failed, decided }
}

pub async fn create_and_get(store: &dyn FanoutStore) {
    assert_eq!(store.get_fanout("f").await.expect("get"), None);
    let f = fanout("f", 3, 0);
    store.create_fanout(&f, &inputs(3)).await.expect("create");
    assert_eq!(store.get_fanout("f").await.expect("get"), Some((f.clone(), FanoutCounts::default())));
    // Creating it again changes nothing, whatever the inputs say.
    let mut other = f.clone();
    other.total = 9;
    store.create_fanout(&other, &inputs(9)).await.expect("create again");
    assert_eq!(store.get_fanout("f").await.expect("get"), Some((f, FanoutCounts::default())));
    assert_eq!(store.child_input("f", 2).await.expect("input"), Some(r#"{"item":2}"#.to_string()));
    assert_eq!(store.child_input("f", 3).await.expect("input"), None);
    assert_eq!(store.child_input("nope", 0).await.expect("input"), None);
    assert_eq!(store.results("f").await.expect("results"), vec![None, None, None]);
}

pub async fn claim_within_max_concurrency(store: &dyn FanoutStore) {
    store.create_fanout(&fanout("f", 5, 2), &inputs(5)).await.expect("create");
    assert_eq!(store.claim("f", 10).await.expect("claim"), vec![0, 1]);
    assert_eq!(store.claim("f", 1).await.expect("claim"), Vec::<u32>::new(), "two running: the limit");
    let (c, first) = store.record_outcome("f", 0, Ok("a".into())).await.expect("outcome");
    assert_eq!((c, first), (counts(2, 1, 0, false), true));
    assert_eq!(store.claim("f", 5).await.expect("claim"), vec![2]);
    store.record_outcome("f", 1, Err("boom".into())).await.expect("outcome");
    store.record_outcome("f", 2, Ok("c".into())).await.expect("outcome");
    assert_eq!(store.claim("f", 5).await.expect("claim"), vec![3, 4]);
    assert_eq!(store.claim("f", 5).await.expect("claim"), Vec::<u32>::new(), "every child started");
    assert_eq!(store.get_fanout("f").await.expect("get").map(|x| x.1), Some(counts(5, 2, 1, false)));

    store.create_fanout(&fanout("u", 3, 0), &inputs(3)).await.expect("create");
    assert_eq!(store.claim("u", 2).await.expect("claim"), vec![0, 1]);
    assert_eq!(store.claim("u", 5).await.expect("claim"), vec![2]);
    assert_eq!(store.claim("u", 0).await.expect("claim"), Vec::<u32>::new());
    assert_eq!(store.claim("nope", 1).await, Err(Error::NotFound));
}

pub async fn outcomes_once_and_decide_once(store: &dyn FanoutStore) {
    store.create_fanout(&fanout("f", 3, 0), &inputs(3)).await.expect("create");
    store.claim("f", 3).await.expect("claim");
    assert_eq!(
        store.record_outcome("f", 1, Ok("one".into())).await.expect("outcome"),
        (counts(3, 1, 0, false), true)
    );
    // A repeated outcome (an SQS redelivery) is not counted again, whatever it says.
    assert_eq!(
        store.record_outcome("f", 1, Err("late".into())).await.expect("outcome"),
        (counts(3, 1, 0, false), false)
    );
    assert_eq!(
        store.record_outcome("f", 2, Err("bad".into())).await.expect("outcome"),
        (counts(3, 1, 1, false), true)
    );
    assert_eq!(store.results("f").await.expect("results"), vec![None, Some("one".to_string()), None]);
    assert!(store.decide("f").await.expect("decide"));
    assert!(!store.decide("f").await.expect("decide"), "decided once");
    assert_eq!(store.get_fanout("f").await.expect("get").map(|x| x.1), Some(counts(3, 1, 1, true)));
    assert_eq!(store.claim("f", 1).await.expect("claim"), Vec::<u32>::new(), "nothing starts once decided");
    assert_eq!(
        store.record_outcome("f", 0, Ok("zero".into())).await.expect("outcome"),
        (counts(3, 2, 1, true), true)
    );
    assert_eq!(
        store.results("f").await.expect("results"),
        vec![Some("zero".to_string()), Some("one".to_string()), None]
    );
    assert_eq!(store.decide("nope").await, Err(Error::NotFound));
    assert_eq!(store.results("nope").await, Err(Error::NotFound));
    assert_eq!(store.record_outcome("nope", 0, Ok("x".into())).await.map(|x| x.1), Err(Error::NotFound));
}

pub async fn child_state_versions(store: &dyn FanoutStore) {
    store.create_fanout(&fanout("f", 2, 0), &inputs(2)).await.expect("create");
    assert_eq!(store.get_child("f", 0).await.expect("get"), None);
    store.put_child("f", 0, 0, b"s1").await.expect("first write");
    assert_eq!(store.put_child("f", 0, 0, b"again").await, Err(Error::Conflict));
    store.put_child("f", 0, 1, b"s2").await.expect("second write");
    assert_eq!(store.put_child("f", 0, 1, b"stale").await, Err(Error::Conflict));
    assert_eq!(store.put_child("f", 0, 5, b"ahead").await, Err(Error::Conflict));
    let got = store.get_child("f", 0).await.expect("get").expect("stored");
    assert_eq!((got.state, got.version), (b"s2".to_vec(), 2));
    assert_eq!(store.get_child("f", 1).await.expect("get"), None, "children are separate");
    assert_eq!(store.put_child("nope", 0, 0, b"x").await, Err(Error::NotFound));
}

pub async fn history_ids(store: &dyn FanoutStore) {
    assert_eq!(store.allocate_history_ids(EXEC, 3).await.expect("allocate"), 1);
    assert_eq!(store.allocate_history_ids(EXEC, 2).await.expect("allocate"), 4);
    assert_eq!(store.allocate_history_ids("other", 1).await.expect("allocate"), 1);
    assert_eq!(store.allocate_history_ids(EXEC, 1).await.expect("allocate"), 6);
    let row = |id: u64| HistoryRow { id, json: format!(r#"{{"id":{id}}}"#) };
    store.append_history(EXEC, &[row(2), row(1)]).await.expect("append");
    store.append_history(EXEC, &[row(4)]).await.expect("append");
    assert!(matches!(store.append_history(EXEC, &[row(5), row(1)]).await, Err(Error::Backend(_))));
    store.append_history("other", &[row(1)]).await.expect("ids are per execution");
}

/// Many concurrent allocations: the ranges never overlap and leave no gap.
pub async fn concurrent_allocations(store: &dyn FanoutStore) {
    let calls: Vec<_> = (1..=12u64)
        .map(|n| async move { (store.allocate_history_ids(EXEC, n).await.expect("allocate"), n) })
        .collect();
    let mut ranges = join_all(calls).await;
    ranges.sort();
    let mut next = 1;
    for (first, n) in ranges {
        assert_eq!(first, next);
        next += n;
    }
    assert_eq!(next, 1 + (1..=12u64).sum::<u64>());
}

/// Many children at once: claiming within the limit, recording outcomes (some twice), and
/// deciding. Each index is claimed once, the counters are exact, one decision wins.
pub async fn concurrent_children(store: &dyn FanoutStore) {
    const TOTAL: u32 = 30;
    const LIMIT: u32 = 4;
    store.create_fanout(&fanout("busy", TOTAL, LIMIT), &inputs(TOTAL)).await.expect("create");
    let workers: Vec<_> = (0..8u32)
        .map(|w| async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store.claim("busy", 2).await.expect("claim");
                if claimed.is_empty() {
                    let (_, c) = store.get_fanout("busy").await.expect("get").expect("stored");
                    if c.started == TOTAL {
                        return mine;
                    }
                    // Others run at the limit: finishing them is someone else's turn.
                    tokio::task::yield_now().await;
                    continue;
                }
                for i in claimed {
                    let (_, c) = store.get_fanout("busy").await.expect("get").expect("stored");
                    assert!(c.running() <= LIMIT, "{c:?} by worker {w}");
                    let outcome = if i % 7 == 3 { Err(format!("fail {i}")) } else { Ok(format!("out {i}")) };
                    // An SQS redelivery of the same outcome, concurrently.
                    let twice = join_all(vec![
                        store.record_outcome("busy", i, outcome.clone()),
                        store.record_outcome("busy", i, outcome),
                    ])
                    .await;
                    let firsts = twice.iter().filter(|r| r.as_ref().expect("outcome").1).count();
                    assert_eq!(firsts, 1, "index {i} recorded once");
                    mine.push(i);
                }
            }
        })
        .collect();
    let claimed: Vec<u32> = join_all(workers).await.into_iter().flatten().collect();
    assert_eq!(claimed.len(), TOTAL as usize, "every index claimed exactly once");
    assert_eq!(claimed.iter().copied().collect::<BTreeSet<u32>>(), (0..TOTAL).collect());
    let failed = (0..TOTAL).filter(|i| i % 7 == 3).count() as u32;
    let (_, c) = store.get_fanout("busy").await.expect("get").expect("stored");
    assert_eq!(c, counts(TOTAL, TOTAL - failed, failed, false));
    let decisions = join_all((0..6).map(|_| store.decide("busy")).collect()).await;
    assert_eq!(decisions.iter().filter(|d| *d.as_ref().expect("decide")).count(), 1);
    let results = store.results("busy").await.expect("results");
    assert_eq!(results.iter().filter(|r| r.is_some()).count() as u32, TOTAL - failed);
    assert_eq!(results[4].as_deref(), Some("out 4"));
    assert_eq!(results[3], None);
}
