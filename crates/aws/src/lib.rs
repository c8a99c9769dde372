//! The DynamoDB adapters of the storage ports: [`DynamoStore`] implements every port of
//! `statecraft_runtime::ports` ([`Store`](statecraft_runtime::ports::Store)) and the detached
//! fan-out port ([`FanoutStore`](statecraft_runtime::fanout_store::FanoutStore)), so that a
//! stateless step function can load an execution, advance it with the pure interpreter and
//! persist it with one conditional `TransactWriteItems`.
//!
//! Two tables, named by [`Tables`]: *definitions* (state machines, revisions, versions,
//! aliases, activities, tags: written by the control plane) and *executions* (execution heads,
//! state chunks, history events, outbox entries, task tokens, fan-out records: written by every
//! step). The key schema, every item type and index, and the reads and writes of each
//! operation are documented in `docs/dynamodb.md`; [`create_tables`] creates both tables (for
//! tests and local use against moto or DynamoDB Local; deployments create them in their
//! template).
//!
//! It does not perform effects (SQS, Lambda, SNS) and knows nothing of the interpreter: state
//! and effects are opaque bytes here, as the ports define them.

mod blob;
mod config;
mod definitions;
mod executions;
mod fanout;
mod item;
mod list;
mod schema;

pub use config::{client_from_env, http_client, Tables};
pub use schema::create_tables;

use aws_sdk_dynamodb::Client;

/// The DynamoDB store: a client and the table names. Cheap to clone (the client is shared);
/// build it once per process.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    tables: Tables,
}

impl DynamoStore {
    pub fn new(client: Client, tables: Tables) -> DynamoStore {
        DynamoStore { client, tables }
    }

    /// A store whose client comes from the environment ([`client_from_env`]) and whose table
    /// names come from `STATECRAFT_*_TABLE` ([`Tables::from_env`]).
    pub async fn from_env() -> DynamoStore {
        DynamoStore::new(client_from_env().await, Tables::from_env())
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
    }
}
