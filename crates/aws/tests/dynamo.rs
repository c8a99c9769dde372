//! What only the DynamoDB store shows: racing commits on one execution, item sizes with large
//! state, input, output and history (no item over DynamoDB's limit), the slow path that
//! replaces external values, and commits too large for one transaction.

mod common;

use aws_sdk_dynamodb::types::AttributeValue;
use statecraft_aws::DynamoStore;
use statecraft_runtime::ports::{
    Commit, Error, ExecutionFilter, ExecutionStatus, ExecutionStore, HistoryRow, OutboxEntry, Page,
    TokenRecord, TokenStore,
};
use statecraft_runtime::store_tests::{record, summary};
use std::collections::HashMap;
use std::sync::Arc;

fn all() -> Page {
    Page { token: None, limit: 0 }
}

async fn create(store: &DynamoStore, name: &str) -> String {
    let s = summary("Big", name, 1);
    let arn = s.arn.clone();
    let first = Commit { state: b"s1".to_vec(), history: vec![row(1, 10)], ..Commit::default() };
    store.create_execution(&record(s), &first).await.expect("create");
    arn
}

fn row(id: u64, size: usize) -> HistoryRow {
    HistoryRow { id, json: format!(r#"{{"id":{id},"pad":"{}"}}"#, "x".repeat(size)) }
}

/// Every item of the executions table with its size by DynamoDB's rule (attribute name
/// lengths plus value lengths).
async fn item_sizes(store: &DynamoStore) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let resp = store
            .client()
            .scan()
            .table_name(&store.tables().executions)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan");
        for item in resp.items.unwrap_or_default() {
            let sk = match item.get("sk") {
                Some(AttributeValue::S(s)) => s.clone(),
                _ => String::new(),
            };
            out.push((sk, size(&item)));
        }
        start = resp.last_evaluated_key;
        if start.is_none() {
            return out;
        }
    }
}

fn size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(k, v)| {
            k.len()
                + match v {
                    AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
                    AttributeValue::B(b) => b.as_ref().len(),
                    _ => 1,
                }
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_commits_exactly_one_wins_per_version() {
    let store = Arc::new(*common::fresh().await);
    let arn = create(&store, "race").await;
    for round in 0..6u64 {
        let version = round + 1;
        let contenders: Vec<_> = (0..8u64)
            .map(|w| {
                let (store, arn) = (store.clone(), arn.clone());
                tokio::spawn(async move {
                    let c = Commit {
                        expected_version: version,
                        state: format!("round {round} by {w}").into_bytes(),
                        history: vec![HistoryRow { id: version + 1, json: format!("by {w}") }],
                        outbox_add: vec![OutboxEntry { key: format!("w{w}"), due: Some(1), effect: vec![1] }],
                        outbox_remove: (0..8)
                            .map(|o| format!("w{o}"))
                            .filter(|k| *k != format!("w{w}"))
                            .collect(),
                        tokens_add: vec![TokenRecord {
                            hash: format!("tok-{round}-{w}"),
                            execution_arn: arn.clone(),
                            task: vec![],
                            expires: Some(1_000),
                            activity_arn: None,
                        }],
                        ..Commit::default()
                    };
                    (w, store.commit(&arn, &c).await)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for handle in contenders {
            let (w, result) = handle.await.expect("join");
            match result {
                Ok(()) => winners.push(w),
                Err(Error::Conflict) => {}
                Err(e) => panic!("round {round}, writer {w}: {e}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let w = winners[0];
        let got = store.get_execution(&arn).await.expect("get").expect("stored");
        assert_eq!((got.version, got.state), (version + 1, format!("round {round} by {w}").into_bytes()));
        let outbox = store.outbox(&arn).await.expect("outbox");
        assert_eq!(outbox.iter().map(|e| e.key.clone()).collect::<Vec<_>>(), vec![format!("w{w}")]);
        for other in 0..8 {
            let token = store.get_token(&format!("tok-{round}-{other}")).await.expect("token");
            assert_eq!(token.is_some(), other == w, "only the winner's token is stored");
        }
    }
    let history = store.history(&arn, false, &all()).await.expect("history").items;
    assert_eq!(history.iter().map(|r| r.id).collect::<Vec<_>>(), (1..=7).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_state_input_output_and_history_fit_items() {
    let store = common::fresh().await;
    let mut s = summary("Big", "large", 5);
    s.input = format!(r#"{{"blob":"{}"}}"#, "i".repeat(200 * 1024));
    let arn = s.arn.clone();
    let state = vec![7u8; 250 * 1024];
    let first =
        Commit { state: state.clone(), history: vec![row(1, 200 * 1024), row(2, 10)], ..Commit::default() };
    store.create_execution(&record(s.clone()), &first).await.expect("create with large state and input");
    let got = store.get_execution(&arn).await.expect("get").expect("stored");
    assert_eq!(got.state, state);
    assert_eq!(got.summary, s);

    // A commit whose state is larger again, with large history events: the old state parts
    // are replaced (the slow path: the head has external values).
    let state2: Vec<u8> = (0..700 * 1024).map(|i| (i % 251) as u8).collect();
    let c2 = Commit {
        expected_version: 1,
        state: state2.clone(),
        history: vec![row(3, 250 * 1024), row(4, 250 * 1024), row(5, 380 * 1024)],
        ..Commit::default()
    };
    store.commit(&arn, &c2).await.expect("commit a 700 KiB state");
    assert_eq!(store.get_execution(&arn).await.expect("get").expect("stored").state, state2);

    // The final commit: a small state, a large output; the state parts go, the input stays.
    let mut done = s.clone();
    done.status = ExecutionStatus::Succeeded;
    done.output = Some(format!(r#"{{"out":"{}"}}"#, "o".repeat(100 * 1024)));
    let c3 = Commit {
        expected_version: 2,
        summary: Some(done.clone()),
        state: b"small".to_vec(),
        ..Commit::default()
    };
    store.commit(&arn, &c3).await.expect("final commit");
    let got = store.get_execution(&arn).await.expect("get").expect("stored");
    assert_eq!((got.state, got.summary.clone(), got.version), (b"small".to_vec(), done.clone(), 3));
    let listed = store.list_executions(&ExecutionFilter::default(), &all()).await.expect("list").items;
    assert_eq!(listed, vec![done], "the listing reads large values from the head");
    let history = store.history(&arn, false, &all()).await.expect("history").items;
    assert_eq!(history[2..], [row(3, 250 * 1024), row(4, 250 * 1024), row(5, 380 * 1024)]);

    let sizes = item_sizes(&store).await;
    let parts: Vec<&String> = sizes.iter().map(|(sk, _)| sk).filter(|sk| sk.starts_with("B#")).collect();
    // The input's part (from version 1) and the output's (version 3) remain; no state part.
    assert_eq!(parts, ["B#input#00000000000000000001#0000", "B#output#00000000000000000003#0000"]);
    let largest = sizes.iter().map(|(_, n)| *n).max().unwrap_or(0);
    assert!(largest < 400 * 1024, "largest item {largest} bytes");
    eprintln!("largest item: {largest} bytes of {} items", sizes.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commits_beyond_one_transaction_are_too_large_and_write_nothing() {
    let store = common::fresh().await;
    let arn = create(&store, "huge").await;
    let many = Commit {
        expected_version: 1,
        history: (2..=120).map(|id| row(id, 10)).collect(),
        ..Commit::default()
    };
    assert!(matches!(store.commit(&arn, &many).await, Err(Error::TooLarge(_))));
    let heavy = Commit {
        expected_version: 1,
        history: (2..=14).map(|id| row(id, 390 * 1024)).collect(),
        ..Commit::default()
    };
    assert!(matches!(store.commit(&arn, &heavy).await, Err(Error::TooLarge(_))));
    let event = Commit { expected_version: 1, history: vec![row(2, 500 * 1024)], ..Commit::default() };
    assert!(matches!(store.commit(&arn, &event).await, Err(Error::TooLarge(_))));
    let got = store.get_execution(&arn).await.expect("get").expect("stored");
    assert_eq!(got.version, 1);
    assert_eq!(store.history(&arn, false, &all()).await.expect("history").items.len(), 1);
    // Within the limits, the largest commit passes.
    let fits = Commit {
        expected_version: 1,
        history: (2..=95).map(|id| row(id, 10)).collect(),
        ..Commit::default()
    };
    store.commit(&arn, &fits).await.expect("95 events");
}
