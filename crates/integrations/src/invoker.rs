//! [`AwsInvoker`]: the [`TaskInvoker`] that performs AWS service integrations, and
//! [`Fallback`], which puts it in front of another invoker.
//!
//! Composition, in the shell:
//! ```ignore
//! let aws = AwsInvoker::new(config.integrations.clone()).await?;
//! let invoker = Fallback::new(aws, local_resolvers); // AWS integrations first, the rest local
//! ```

use crate::catalog::{target, Service, Target};
use crate::config::{sdk_config, Clients};
use crate::error::Failure;
use crate::{dynamodb, eventbridge, lambda, sns, sqs, Config, Error};
use async_trait::async_trait;
use aws_config::SdkConfig;
use serde_json::Value;
use statecraft_asl::resource::Resource;
use statecraft_core::TaskRequest;
use statecraft_runtime::invoke::{Invocation, ServiceIntegrations, TaskInvoker};
use statecraft_runtime::Resolution;
use std::time::Duration;

/// Performs the integrations [`crate::supported`] lists (and, if configured, plain Lambda
/// function ARNs) with SDK clients built once.
#[derive(Debug, Clone)]
pub struct AwsInvoker {
    clients: Clients,
    lambda_function_arns: bool,
}

impl AwsInvoker {
    /// Loads the standard AWS configuration (default credential chain, region and endpoints from
    /// the environment and profile) with `config`'s overrides. Fails without a region.
    pub async fn new(config: Config) -> Result<AwsInvoker, Error> {
        let sdk = sdk_config(&config).await?;
        AwsInvoker::from_sdk_config(&sdk, config)
    }

    /// Uses an SDK configuration the caller loaded, with `config`'s overrides.
    pub fn from_sdk_config(sdk: &SdkConfig, config: Config) -> Result<AwsInvoker, Error> {
        Ok(AwsInvoker {
            clients: Clients::new(sdk, &config)?,
            lambda_function_arns: config.lambda_function_arns,
        })
    }

    /// Whether [`AwsInvoker::try_invoke`] performs tasks of this resource.
    pub fn handles(&self, resource: &Resource) -> bool {
        target(resource).is_some()
            || (self.lambda_function_arns && matches!(resource, Resource::Lambda { .. }))
    }

    /// Performs the task if its resource is one this invoker handles, `None` otherwise ("not
    /// mine": another invoker should run it). `.waitForTaskToken` integrations answer
    /// [`Invocation::Submitted`] with the service's response once the request is accepted.
    pub async fn try_invoke(&self, request: &TaskRequest) -> Option<Invocation> {
        let work = match (&request.resource, target(&request.resource)) {
            (_, Some(t)) => Work::Integration(t),
            (Resource::Lambda { arn, .. }, None) if self.lambda_function_arns => Work::Function(arn),
            _ => return None,
        };
        if let Some(credentials) = &request.credentials {
            return Some(failed(Failure::runtime(format!(
                "{}: Task Credentials ({credentials}) are not supported by the AWS integrations; the task would run with the engine's own credentials",
                request.resource.arn()
            ))));
        }
        let call = self.perform(&work, request);
        let outcome = match request.timeout_seconds {
            Some(secs) => match tokio::time::timeout(Duration::from_secs(secs), call).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    return Some(Invocation::Done(Resolution::TimedOut {
                        error: Some("States.Timeout".into()),
                        cause: None,
                    }))
                }
            },
            None => call.await,
        };
        Some(match (outcome, &work) {
            (Ok(value), Work::Integration(t)) if t.callback => Invocation::Submitted(value),
            (Ok(value), _) => Invocation::Done(Resolution::Succeeded(value)),
            (Err(failure), _) => failed(failure),
        })
    }

    async fn perform(&self, work: &Work<'_>, request: &TaskRequest) -> Result<Value, Failure> {
        let arn = request.resource.arn();
        let input = &request.input;
        let c = &self.clients;
        match work {
            Work::Function(function_arn) => lambda::invoke_function(&c.lambda, function_arn, input).await,
            Work::Integration(t) => match t.service {
                Service::Sqs => sqs::invoke(&c.sqs, *t, arn, input).await,
                Service::Sns => sns::invoke(&c.sns, *t, arn, input).await,
                Service::DynamoDb => dynamodb::invoke(&c.dynamodb, *t, arn, input).await,
                Service::EventBridge => eventbridge::invoke(&c.eventbridge, *t, arn, input).await,
                Service::Lambda if t.action == "invoke" => {
                    lambda::invoke(&c.lambda, t.form, arn, input).await
                }
                Service::Lambda => Err(not_supported(arn)),
            },
        }
    }
}

enum Work<'a> {
    Integration(Target),
    Function(&'a str),
}

fn failed(f: Failure) -> Invocation {
    Invocation::Done(Resolution::Failed { error: Some(f.error), cause: Some(f.cause) })
}

/// The failure for a resource no integration here performs.
pub(crate) fn not_supported(arn: &str) -> Failure {
    let sdk: Vec<String> = crate::SDK_ACTIONS.iter().map(|(s, a)| format!("{s}:{a}")).collect();
    Failure::runtime(format!(
        "The resource {arn} is not supported by the AWS integrations. Supported: optimized sqs:sendMessage, sns:publish, dynamodb:getItem/putItem/updateItem/deleteItem, events:putEvents, lambda:invoke (request-response or .waitForTaskToken); aws-sdk {}",
        sdk.join(", ")
    ))
}

#[async_trait]
impl TaskInvoker for AwsInvoker {
    /// A resource this invoker does not handle fails the task with `States.Runtime`, naming it.
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        match self.try_invoke(request).await {
            Some(invocation) => invocation,
            None => failed(not_supported(request.resource.arn())),
        }
    }
}

#[async_trait]
impl ServiceIntegrations for AwsInvoker {
    async fn try_invoke(&self, request: &TaskRequest) -> Option<Invocation> {
        AwsInvoker::try_invoke(self, request).await
    }
}

/// An [`AwsInvoker`] built on the first task that needs one, so a run that calls no AWS
/// service never loads AWS configuration (profiles, credential chain). A configuration that
/// cannot be built (no region, a bad endpoint URL) fails each such task with
/// `States.Runtime` saying why.
pub struct LazyAwsInvoker {
    config: Config,
    fallback_region: Option<String>,
    cell: tokio::sync::OnceCell<Result<AwsInvoker, String>>,
}

impl LazyAwsInvoker {
    /// `fallback_region` is used when neither `config` nor the standard AWS configuration
    /// names a region (a machine with no AWS setup talking to a local emulator).
    pub fn new(config: Config, fallback_region: Option<String>) -> LazyAwsInvoker {
        LazyAwsInvoker { config, fallback_region, cell: tokio::sync::OnceCell::new() }
    }

    async fn get(&self) -> &Result<AwsInvoker, String> {
        self.cell
            .get_or_init(|| async {
                match AwsInvoker::new(self.config.clone()).await {
                    Err(Error::NoRegion) if self.fallback_region.is_some() => {
                        let config = Config { region: self.fallback_region.clone(), ..self.config.clone() };
                        AwsInvoker::new(config).await.map_err(|e| e.to_string())
                    }
                    other => other.map_err(|e| e.to_string()),
                }
            })
            .await
    }
}

#[async_trait]
impl ServiceIntegrations for LazyAwsInvoker {
    async fn try_invoke(&self, request: &TaskRequest) -> Option<Invocation> {
        let handled = target(&request.resource).is_some()
            || (self.config.lambda_function_arns && matches!(request.resource, Resource::Lambda { .. }));
        if !handled {
            return None;
        }
        match self.get().await {
            Ok(aws) => aws.try_invoke(request).await,
            Err(why) => Some(failed(Failure::runtime(format!(
                "{}: the AWS integrations are not configured: {why}",
                request.resource.arn()
            )))),
        }
    }
}

/// Runs what the [`AwsInvoker`] handles and hands every other task to `fallback` (the local
/// resolvers: commands, HTTP, Lambda endpoints, mocks).
pub struct Fallback<T> {
    aws: AwsInvoker,
    fallback: T,
}

impl<T: TaskInvoker> Fallback<T> {
    pub fn new(aws: AwsInvoker, fallback: T) -> Fallback<T> {
        Fallback { aws, fallback }
    }
}

#[async_trait]
impl<T: TaskInvoker> TaskInvoker for Fallback<T> {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        match self.aws.try_invoke(request).await {
            Some(invocation) => invocation,
            None => self.fallback.invoke(request).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::Region;
    use serde_json::json;
    use statecraft_core::TaskId;

    struct Local;

    #[async_trait]
    impl TaskInvoker for Local {
        async fn invoke(&self, _request: &TaskRequest) -> Invocation {
            Invocation::Done(Resolution::Succeeded(json!("local")))
        }
    }

    fn request(arn: &str) -> TaskRequest {
        TaskRequest {
            task: TaskId { frame: 0, seq: 1 },
            state_name: "S".into(),
            resource: Resource::parse(arn).expect("resource"),
            input: json!({}),
            timeout_seconds: None,
            heartbeat_seconds: None,
            token: None,
            credentials: None,
            retry_count: 0,
        }
    }

    fn aws() -> AwsInvoker {
        let sdk = SdkConfig::builder().region(Region::new("us-east-1")).build();
        AwsInvoker::from_sdk_config(&sdk, Config::default()).expect("invoker")
    }

    #[tokio::test]
    async fn fallback_gets_what_aws_does_not_handle() {
        let invoker = Fallback::new(aws(), Local);
        let out = invoker.invoke(&request("arn:aws:states:us-east-1:123456789012:activity:a")).await;
        assert_eq!(out, Invocation::Done(Resolution::Succeeded(json!("local"))));
        let out = invoker.invoke(&request("arn:aws:lambda:us-east-1:123456789012:function:f")).await;
        assert_eq!(out, Invocation::Done(Resolution::Succeeded(json!("local"))));
    }

    #[tokio::test]
    async fn task_credentials_are_refused_before_sending() {
        let mut r = request("arn:aws:states:::sqs:sendMessage");
        r.credentials = Some(json!({"RoleArn": "arn:aws:iam::123456789012:role/other"}));
        let Invocation::Done(Resolution::Failed { error, cause }) = aws().invoke(&r).await else {
            panic!("expected a failure")
        };
        assert_eq!(error.as_deref(), Some("States.Runtime"));
        assert!(cause.unwrap_or_default().contains("Task Credentials"));
    }

    #[test]
    fn no_region_no_invoker() {
        let sdk = SdkConfig::builder().build();
        assert!(matches!(AwsInvoker::from_sdk_config(&sdk, Config::default()), Err(Error::NoRegion)));
        let config = Config { endpoint_url: Some("localhost:4566".into()), ..Config::default() };
        assert!(matches!(
            AwsInvoker::from_sdk_config(&sdk, config),
            Err(Error::InvalidEndpoint { service: "endpoint_url", .. })
        ));
    }

    #[test]
    fn the_unsupported_message_names_the_resource() {
        let f = not_supported("arn:aws:states:::aws-sdk:s3:getObject");
        assert_eq!(f.error, "States.Runtime");
        assert!(f.cause.starts_with("The resource arn:aws:states:::aws-sdk:s3:getObject is not supported"));
        assert!(f.cause.contains("dynamodb:query"));
    }
}
