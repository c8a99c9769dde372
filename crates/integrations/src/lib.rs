//! AWS service integrations for Task states, performed through the AWS SDK for Rust so that a
//! definition written for AWS runs unchanged against real AWS (SigV4, the default credential
//! chain) or anything that speaks AWS's wire protocols (moto, LocalStack).
//!
//! Two resource forms are handled:
//! - optimized integrations, `arn:aws:states:::SERVICE:ACTION[.waitForTaskToken]`: `sqs:sendMessage`,
//!   `sns:publish`, `dynamodb:{getItem,putItem,updateItem,deleteItem}`, `events:putEvents`,
//!   `lambda:invoke`. Results carry the members Step Functions returns for them (PascalCase, with
//!   `SdkHttpMetadata`/`SdkResponseMetadata` where AWS adds them) and errors are named as Step
//!   Functions names them (`SNS.NotFoundException`, `DynamoDB.AmazonDynamoDBException`, ...);
//! - AWS SDK integrations, `arn:aws:states:::aws-sdk:SERVICE:ACTION[.waitForTaskToken]`, for the
//!   actions listed by [`supported`]. Results are the API's output members; errors are
//!   `<SdkService>.<Exception>` (`DynamoDb.ConditionalCheckFailedException`).
//!
//! The entry point is [`AwsInvoker`], a [`statecraft_runtime::invoke::TaskInvoker`]. It answers
//! only the resources it handles ([`AwsInvoker::try_invoke`] gives `None` for the others), so a
//! shell composes it in front of the local resolvers, e.g. with [`Fallback`].
//! [`supported`] is the pure check the validator can call.
//!
//! Tests: `cargo test -p statecraft-integrations` runs the unit tests and `tests/moto.rs`, which
//! starts moto in server mode through `infra/moto/start.sh` (installing `moto[server]` into a
//! cached venv the first time), or uses the server `STATECRAFT_MOTO_ENDPOINT` names. Without
//! Python 3, venv or pip those tests pass after a loud notice.
//!
//! What this crate does not do: `.sync` patterns, other services, the Task `Credentials` field
//! (assuming a role needs STS), and Task timeouts and heartbeats beyond bounding the call itself
//! (the engine's timers own those).

mod catalog;
mod config;
mod dynamodb;
mod error;
mod eventbridge;
mod input;
mod invoker;
mod lambda;
mod metadata;
mod sns;
mod sqs;

pub use catalog::{supported, SDK_ACTIONS};
pub use config::{sdk_config, Config, Endpoints};
pub use invoker::{AwsInvoker, Fallback, LazyAwsInvoker};

/// Why an [`AwsInvoker`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(
        "no AWS region is configured: set AWS_REGION, a profile region, or the integrations config's region"
    )]
    NoRegion,
    #[error("the endpoint URL {url:?} configured for {service} is not an http:// or https:// URL")]
    InvalidEndpoint { service: &'static str, url: String },
}
