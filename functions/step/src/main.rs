//! The step function: SQS batches of step messages (and task messages, and event-driven
//! starts) in, partial batch failures out. Configuration: see `statecraft_serverless`.

use lambda_runtime::{run, service_fn, tracing, Error, LambdaEvent};
use statecraft_serverless::ServerlessDriver;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let driver = statecraft_serverless::aws::from_env().await?;
    run(service_fn(|event: LambdaEvent<serde_json::Value>| handler(&driver, event))).await
}

/// SQS (step, task and start queues) or SNS (start topics) events.
async fn handler(
    driver: &ServerlessDriver,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Error> {
    Ok(driver.handle_value(event.payload).await)
}
