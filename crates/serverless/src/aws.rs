//! Building the driver from the standard AWS configuration: the default credential chain,
//! `AWS_REGION`, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` (moto, LocalStack), plus the
//! `STATECRAFT_*` variables ([`crate::config`]). SDK clients are built once per process.

use crate::bus::SqsSns;
use crate::config::Config;
use crate::driver::ServerlessDriver;
use crate::invoker::SdkLambda;
use crate::metrics::Metrics;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls;
use statecraft_runtime::fanout_store::FanoutStore;
use statecraft_runtime::ports::Store;
use std::sync::Arc;

/// HTTPS (and plain HTTP, for local endpoints) with rustls on ring.
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// The standard AWS configuration over this crate's HTTP client.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).http_client(http_client()).load().await
}

/// The SDK clients the driver uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub lambda: aws_sdk_lambda::Client,
}

impl Clients {
    pub fn new(sdk: &SdkConfig) -> Clients {
        Clients {
            sqs: aws_sdk_sqs::Client::new(sdk),
            sns: aws_sdk_sns::Client::new(sdk),
            lambda: aws_sdk_lambda::Client::new(sdk),
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
    let invoker =
        Arc::new(SdkLambda::new(clients.lambda.clone(), config.engine.region.clone(), config.engine.account.clone()));
    ServerlessDriver::new(store, fanouts, bus, invoker, config, metrics)
}

/// The driver both functions run: configuration from the environment. Until the DynamoDB
/// adapters land (`statecraft-aws`), the stores are in memory, which is only good for a single
/// warm process (`cargo lambda watch`, tests): set `STATECRAFT_STORE=memory` to acknowledge it.
pub async fn from_env() -> Result<ServerlessDriver, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    match std::env::var("STATECRAFT_STORE").as_deref() {
        Ok("memory") => {}
        _ => return Err("STATECRAFT_STORE: only `memory` is available until the DynamoDB store lands".into()),
    }
    let sdk = sdk_config().await;
    let clients = Clients::new(&sdk);
    let metrics = Arc::new(Metrics::new());
    let bus = Arc::new(SqsSns::new(clients.sqs.clone(), clients.sns.clone(), metrics.clone()));
    let invoker =
        Arc::new(SdkLambda::new(clients.lambda.clone(), config.engine.region.clone(), config.engine.account.clone()));
    Ok(ServerlessDriver::in_memory(bus, invoker, config, metrics))
}
