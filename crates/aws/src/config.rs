//! Table names and the SDK client. Names come from configuration (the SAM template passes them
//! as environment variables); the client from `aws_config`'s standard chain, which honours
//! `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_DYNAMODB` (moto, DynamoDB Local).

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The names of the two tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    /// State machines, revisions, versions, aliases, activities, tags.
    pub definitions: String,
    /// Executions with their state chunks, history, outbox, tokens and fan-outs.
    pub executions: String,
}

impl Tables {
    /// `<prefix>-definitions` and `<prefix>-executions`.
    pub fn with_prefix(prefix: &str) -> Tables {
        Tables { definitions: format!("{prefix}-definitions"), executions: format!("{prefix}-executions") }
    }

    /// `STATECRAFT_DEFINITIONS_TABLE` and `STATECRAFT_EXECUTIONS_TABLE`, each defaulting to
    /// [`Tables::with_prefix`]`("statecraft")`'s name.
    pub fn from_env() -> Tables {
        let default = Tables::with_prefix("statecraft");
        let var = |name: &str, fallback: String| {
            std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or(fallback)
        };
        Tables {
            definitions: var("STATECRAFT_DEFINITIONS_TABLE", default.definitions),
            executions: var("STATECRAFT_EXECUTIONS_TABLE", default.executions),
        }
    }
}

/// HTTPS (and plain HTTP, for local endpoints) with rustls on ring: the SDK's default TLS stack
/// is aws-lc-rs, a much longer C build, for nothing these calls need.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// A DynamoDB client from `aws_config::defaults(BehaviorVersion::latest())`: credentials,
/// region and endpoint from the environment and profile (`AWS_ENDPOINT_URL_DYNAMODB` or
/// `AWS_ENDPOINT_URL` point it at moto or DynamoDB Local).
pub async fn client_from_env() -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(BehaviorVersion::latest()).http_client(http_client()).load().await;
    aws_sdk_dynamodb::Client::new(&config)
}
