//! Building the driver from the standard AWS configuration: the default credential chain,
//! `AWS_REGION`, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` (moto, LocalStack), plus the
//! `STATECRAFT_*` variables ([`crate::config`]) and the table names of `statecraft-aws`
//! (`STATECRAFT_DEFINITIONS_TABLE`, `STATECRAFT_EXECUTIONS_TABLE`). SDK clients are built once
//! per process (per cold start) and shared by every invocation.
//!
//! The HTTP client is `statecraft_aws::http_client` (rustls on ring, HTTPS for AWS and plain
//! HTTP for loopback endpoints): one TLS configuration for every SDK client of both functions.

use crate::bus::SqsSns;
use crate::config::Config;
use crate::driver::ServerlessDriver;
use crate::invoker::SdkLambda;
use crate::metrics::Metrics;
use aws_config::{BehaviorVersion, SdkConfig};
use statecraft_aws::{DynamoStore, Tables};
use statecraft_runtime::fanout_store::FanoutStore;
use statecraft_runtime::ports::Store;
use std::sync::Arc;

/// HTTPS (and plain HTTP, for local endpoints) with rustls on ring: the same client as the
/// DynamoDB adapters (`statecraft_aws::http_client`).
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    statecraft_aws::http_client()
}

/// The standard AWS configuration over [`http_client`].
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).http_client(http_client()).load().await
}

/// The SDK clients the driver uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
}

impl Clients {
    pub fn new(sdk: &SdkConfig) -> Clients {
        Clients {
            sqs: aws_sdk_sqs::Client::new(sdk),
            sns: aws_sdk_sns::Client::new(sdk),
            lambda: aws_sdk_lambda::Client::new(sdk),
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
        }
    }
}

/// A driver over SQS, SNS and Lambda from `clients`, and the given stores.
pub fn driver(
    clients: &Clients,
    store: Arc<dyn Store>,
    fanouts: Arc<dyn FanoutStore>,
    config: Config,
    metrics: Arc<Metrics>,
) -> ServerlessDriver {
    let bus = Arc::new(SqsSns::new(clients.sqs.clone(), clients.sns.clone(), metrics.clone()));
    let invoker = Arc::new(SdkLambda::new(
        clients.lambda.clone(),
        config.engine.region.clone(),
        config.engine.account.clone(),
    ));
    ServerlessDriver::new(store, fanouts, bus, invoker, config, metrics)
}

/// A driver over DynamoDB (`tables`), SQS, SNS and Lambda from `clients`.
pub fn dynamodb_driver(
    clients: &Clients,
    tables: Tables,
    config: Config,
    metrics: Arc<Metrics>,
) -> ServerlessDriver {
    let store = Arc::new(DynamoStore::new(clients.dynamodb.clone(), tables));
    driver(clients, store.clone(), store, config, metrics)
}

/// Which stores [`from_env`] builds (`STATECRAFT_STORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The DynamoDB tables (the default).
    Dynamodb,
    /// In memory: only good for one warm process (`cargo lambda watch`, experiments).
    Memory,
}

impl StoreKind {
    /// `dynamodb` (or unset) or `memory`.
    pub fn parse(value: Option<&str>) -> Result<StoreKind, String> {
        match value.map(str::trim) {
            None | Some("") | Some("dynamodb") => Ok(StoreKind::Dynamodb),
            Some("memory") => Ok(StoreKind::Memory),
            Some(other) => Err(format!("STATECRAFT_STORE: expected `dynamodb` or `memory`, found {other:?}")),
        }
    }
}

/// The driver both functions run, configured by the environment (see the crate documentation):
/// DynamoDB tables, queues, topics, limits. Fails with a message naming the variable when one
/// is missing or malformed.
pub async fn from_env() -> Result<ServerlessDriver, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    if config.step_queue_url.is_empty() {
        return Err("STATECRAFT_STEP_QUEUE_URL: the step queue's URL is required".into());
    }
    let kind = StoreKind::parse(std::env::var("STATECRAFT_STORE").ok().as_deref())?;
    let sdk = sdk_config().await;
    let clients = Clients::new(&sdk);
    let metrics = Arc::new(Metrics::new());
    Ok(match kind {
        StoreKind::Dynamodb => dynamodb_driver(&clients, Tables::from_env(), config, metrics),
        StoreKind::Memory => {
            let bus = Arc::new(SqsSns::new(clients.sqs.clone(), clients.sns.clone(), metrics.clone()));
            let invoker = Arc::new(SdkLambda::new(
                clients.lambda.clone(),
                config.engine.region.clone(),
                config.engine.account.clone(),
            ));
            ServerlessDriver::in_memory(bus, invoker, config, metrics)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_kinds() {
        assert_eq!(StoreKind::parse(None), Ok(StoreKind::Dynamodb));
        assert_eq!(StoreKind::parse(Some("dynamodb")), Ok(StoreKind::Dynamodb));
        assert_eq!(StoreKind::parse(Some("memory")), Ok(StoreKind::Memory));
        assert!(StoreKind::parse(Some("sqlite")).unwrap_err().contains("STATECRAFT_STORE"));
    }
}
