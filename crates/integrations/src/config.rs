//! Where the integrations send requests, and the SDK clients built from that once.
//!
//! Everything comes from the standard AWS configuration (`aws_config::defaults`): the default
//! credential chain, `AWS_REGION`/profile region, `AWS_ENDPOINT_URL` and
//! `AWS_ENDPOINT_URL_<SERVICE>`. [`Config`] overrides it: explicit configuration beats the
//! environment. Precedence for a service's endpoint, strongest first:
//! `Config::endpoints.<service>`, `Config::endpoint_url`, `AWS_ENDPOINT_URL_<SERVICE>`
//! (environment or profile), `AWS_ENDPOINT_URL`, AWS's own endpoint. The overrides apply to the
//! five service clients only, never to credential providers (STS, SSO, IMDS).

use crate::Error;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Overrides of the standard AWS configuration; the default overrides nothing. The shell fills
/// it from `statecraft.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The region to call (else `AWS_REGION` or the profile's).
    pub region: Option<String>,
    /// An endpoint URL for every service, like `AWS_ENDPOINT_URL` (e.g. `http://127.0.0.1:5000`
    /// for moto).
    pub endpoint_url: Option<String>,
    /// Endpoint URLs per service.
    pub endpoints: Endpoints,
    /// Also run plain Lambda function ARNs (`arn:aws:lambda:REGION:ACCOUNT:function:NAME`)
    /// through Lambda `Invoke`. Off by default: the local resolvers own those unless the shell
    /// wants real Lambda.
    pub lambda_function_arns: bool,
}

impl Config {
    /// The `[aws]` table of `statecraft.toml`.
    pub fn from_settings(settings: &statecraft_runtime::config::AwsSettings) -> Config {
        let endpoint = |s: &str| settings.endpoints.get(s).cloned();
        Config {
            region: settings.region.clone(),
            endpoint_url: settings.endpoint_url.clone(),
            endpoints: Endpoints {
                sqs: endpoint("sqs"),
                sns: endpoint("sns"),
                dynamodb: endpoint("dynamodb"),
                eventbridge: endpoint("eventbridge"),
                lambda: endpoint("lambda"),
            },
            lambda_function_arns: settings.lambda_function_arns,
        }
    }
}

/// Endpoint URL overrides, one per service this crate calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub sqs: Option<String>,
    pub sns: Option<String>,
    pub dynamodb: Option<String>,
    pub eventbridge: Option<String>,
    pub lambda: Option<String>,
}

/// One SDK client per service, built once and shared by every invocation.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    pub(crate) sqs: aws_sdk_sqs::Client,
    pub(crate) sns: aws_sdk_sns::Client,
    pub(crate) dynamodb: aws_sdk_dynamodb::Client,
    pub(crate) eventbridge: aws_sdk_eventbridge::Client,
    pub(crate) lambda: aws_sdk_lambda::Client,
}

/// The standard AWS configuration (default credential chain, region, endpoints from the
/// environment and profile) with `config`'s region, over this crate's HTTP client (rustls on
/// ring). Handy for building other clients against the same account and endpoints.
pub async fn sdk_config(config: &Config) -> Result<SdkConfig, Error> {
    check_endpoints(config)?;
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).http_client(statecraft_aws::http_client());
    if let Some(region) = &config.region {
        loader = loader.region(Region::new(region.clone()));
    }
    Ok(loader.load().await)
}

fn check_endpoints(config: &Config) -> Result<(), Error> {
    let e = &config.endpoints;
    let all = [
        ("endpoint_url", &config.endpoint_url),
        ("sqs", &e.sqs),
        ("sns", &e.sns),
        ("dynamodb", &e.dynamodb),
        ("eventbridge", &e.eventbridge),
        ("lambda", &e.lambda),
    ];
    for (service, url) in all {
        if let Some(url) = url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::InvalidEndpoint { service, url: url.clone() });
            }
        }
    }
    Ok(())
}

impl Clients {
    pub(crate) fn new(sdk: &SdkConfig, config: &Config) -> Result<Clients, Error> {
        check_endpoints(config)?;
        if sdk.region().is_none() && config.region.is_none() {
            return Err(Error::NoRegion);
        }
        let region = config.region.clone().map(Region::new).or_else(|| sdk.region().cloned());
        let e = &config.endpoints;
        // Each SDK has its own Builder type, hence a macro. A caller's SdkConfig may lack a
        // behavior version or an HTTP client (the SDK panics on the first and fails every call
        // without the second): both get this crate's defaults.
        macro_rules! client {
            ($sdk_crate:ident, $endpoint:expr) => {{
                let mut b = $sdk_crate::config::Builder::from(sdk);
                if sdk.behavior_version().is_none() {
                    b.set_behavior_version(Some(BehaviorVersion::latest()));
                }
                if sdk.http_client().is_none() {
                    b.set_http_client(Some(statecraft_aws::http_client()));
                }
                b.set_region(region.clone());
                if let Some(url) = $endpoint.as_ref().or(config.endpoint_url.as_ref()) {
                    b = b.endpoint_url(url);
                }
                $sdk_crate::Client::from_conf(b.build())
            }};
        }
        let sqs = client!(aws_sdk_sqs, e.sqs);
        let sns = client!(aws_sdk_sns, e.sns);
        let dynamodb = client!(aws_sdk_dynamodb, e.dynamodb);
        let eventbridge = client!(aws_sdk_eventbridge, e.eventbridge);
        let lambda = client!(aws_sdk_lambda, e.lambda);
        Ok(Clients { sqs, sns, dynamodb, eventbridge, lambda })
    }
}
