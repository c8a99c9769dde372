//! The client and table names from the environment, as a Lambda gets them: dummy credentials,
//! a region and `AWS_ENDPOINT_URL_DYNAMODB` pointing at moto, `STATECRAFT_*_TABLE` naming the
//! tables. One test in its own binary: it sets process environment variables.

mod common;

use statecraft_aws::{create_tables, DynamoStore, Tables};
use statecraft_runtime::ports::{DefinitionStore, Page};
use statecraft_runtime::store_tests::machine;

#[tokio::test]
async fn client_and_tables_from_the_environment() {
    let endpoint = common::endpoint();
    let tables = common::unique_tables();
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint.as_str()),
        ("STATECRAFT_DEFINITIONS_TABLE", tables.definitions.as_str()),
        ("STATECRAFT_EXECUTIONS_TABLE", tables.executions.as_str()),
    ] {
        std::env::set_var(k, v);
    }
    std::env::remove_var("AWS_PROFILE");
    assert_eq!(Tables::from_env(), tables);
    let store = DynamoStore::from_env().await;
    create_tables(store.client(), store.tables()).await.expect("create tables");
    create_tables(store.client(), store.tables()).await.expect("creating existing tables is a no-op");
    let (sm, rev) = machine("FromEnv", 1);
    store.create_state_machine(&sm, &rev).await.expect("create");
    let listed = store.list_state_machines(&Page::default()).await.expect("list").items;
    assert_eq!(listed, vec![sm]);
}
