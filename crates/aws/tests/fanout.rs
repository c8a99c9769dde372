//! The FanoutStore suite (`fanout_suite`) against the in-memory reference and DynamoDB on moto,
//! plus what only the DynamoDB store can show (appended history read back through the
//! execution port).

mod common;
mod fanout_suite;

use statecraft_runtime::fanout_store::{FanoutStore, MemoryFanoutStore};
use statecraft_runtime::ports::{ExecutionStore, HistoryRow, Page};

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $case() {
                    let store = super::MemoryFanoutStore::new();
                    super::fanout_suite::$case(&store).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let store = super::common::fresh().await;
                    super::fanout_suite::$case(&*store).await;
                }
            )*
        }
    };
}

suite!(
    create_and_get,
    claim_within_max_concurrency,
    outcomes_once_and_decide_once,
    child_state_versions,
    history_ids,
    concurrent_allocations,
    concurrent_children,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appended_history_reads_back_in_id_order() {
    let store = common::fresh().await;
    let exec = fanout_suite::EXEC;
    let first = store.allocate_history_ids(exec, 150).await.expect("allocate");
    // More than one transaction's worth of rows, appended out of order.
    let rows: Vec<HistoryRow> =
        (first..first + 150).rev().map(|id| HistoryRow { id, json: format!("event {id}") }).collect();
    store.append_history(exec, &rows).await.expect("append");
    let page = store.history(exec, false, &Page { token: None, limit: 0 }).await.expect("history");
    let ids: Vec<u64> = page.items.iter().map(|r| r.id).collect();
    assert_eq!(ids, (1..=150).collect::<Vec<u64>>());
    assert_eq!(page.items[9].json, "event 10");
    // An id repeated in one call is refused whole, like a commit's (DynamoDB takes one action
    // per item in a transaction; `MemoryFanoutStore` stores the last of them instead).
    let twice = [HistoryRow { id: 500, json: "a".into() }, HistoryRow { id: 500, json: "b".into() }];
    assert!(matches!(
        store.append_history(exec, &twice).await,
        Err(statecraft_runtime::ports::Error::Backend(_))
    ));
    assert_eq!(
        store.history(exec, false, &Page { token: None, limit: 0 }).await.expect("history").items.len(),
        150
    );
}
