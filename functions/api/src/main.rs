//! The api function: the Step Functions JSON API and the callback URLs behind API Gateway
//! (HTTP API). Configuration: see `statecraft_serverless`.

use lambda_http::{run, tracing, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    let driver = statecraft_serverless::aws::from_env().await?;
    let token = std::env::var("STATECRAFT_TOKEN").ok().filter(|t| !t.is_empty());
    run(statecraft_serverless::api::router(driver, token)).await
}
