//! [`ConfiguredInvoker`]: the project's [`TaskInvoker`], routing each request by its
//! resource to what `statecraft.toml` maps it to.

use super::call::{prepare, task_failed, Call};
use super::{http, run, Backend, CommandResolver, Error, HttpResolver, HttpTaskInvoker, LambdaResolver};
use crate::config::{ProjectConfig, Target};
use crate::invoke::{Invocation, MockInvoker, ServiceIntegrations, TaskInvoker};
use async_trait::async_trait;
use statecraft_asl::Resource;
use statecraft_core::TaskRequest;
use std::sync::Arc;
use std::time::Duration;

/// How a request was routed.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The `[resources]` key that matched; `None` for the `[lambda]` default endpoint.
    pub key: Option<String>,
    pub target: Target,
    pub timeout: Option<Duration>,
}

/// The project's invoker: mocks first (when given), then the `[resources]` mapping, then the
/// `[lambda]` default endpoint, then the HTTP Task for `http:invoke`, then the service
/// integrations (when given); anything else fails with `States.TaskFailed` naming the state
/// and resource.
pub struct ConfiguredInvoker {
    config: Arc<ProjectConfig>,
    client: reqwest::Client,
    mocks: Option<MockInvoker>,
    integrations: Option<Arc<dyn ServiceIntegrations>>,
    http_task: HttpTaskInvoker,
}

impl ConfiguredInvoker {
    pub fn new(config: ProjectConfig) -> Result<ConfiguredInvoker, Error> {
        let http_task = HttpTaskInvoker::new(config.http_task.clone(), &config.region)?;
        Ok(ConfiguredInvoker {
            config: Arc::new(config),
            client: http::client()?,
            mocks: None,
            integrations: None,
            http_task,
        })
    }

    /// Answers the states these mocks cover from the mocks (Step Functions Local behaviour).
    pub fn with_mocks(mut self, mocks: MockInvoker) -> ConfiguredInvoker {
        self.mocks = Some(mocks);
        self
    }

    /// Answers what nothing in the file maps with these service integrations (AWS SDK calls).
    pub fn with_integrations(mut self, integrations: Arc<dyn ServiceIntegrations>) -> ConfiguredInvoker {
        self.integrations = Some(integrations);
        self
    }

    pub fn config(&self) -> &ProjectConfig {
        &self.config
    }

    /// Where a request goes, or `None` when nothing is configured for it.
    pub fn route(&self, request: &TaskRequest) -> Option<Route> {
        let call = prepare(request).ok()?;
        self.route_call(&request.resource, &call)
    }

    fn route_call(&self, resource: &Resource, call: &Call) -> Option<Route> {
        let config = &self.config;
        let found = |key: &str| {
            config.resource(key).map(|r| Route {
                key: Some(key.to_string()),
                target: r.target.clone(),
                timeout: r.timeout_seconds.map(Duration::from_secs),
            })
        };
        if let Some(f) = &call.function {
            let region = f.region.as_deref().unwrap_or(&config.region);
            let account = f.account.as_deref().unwrap_or(&config.account);
            let arn = format!("arn:aws:lambda:{region}:{account}:function:{}", f.name);
            let mut keys = Vec::new();
            if f.written.starts_with("arn:") {
                keys.push(f.written.clone());
            }
            if let Some(q) = &f.qualifier {
                keys.push(format!("{arn}:{q}"));
            }
            keys.push(arn);
            if let Some(q) = &f.qualifier {
                keys.push(format!("{}:{q}", f.name));
            }
            keys.push(f.name.clone());
            if let Some(route) = keys.iter().find_map(|k| found(k)) {
                return Some(route);
            }
            return config.lambda.endpoint.as_ref().map(|e| Route {
                key: None,
                target: Target::LambdaEndpoint(e.clone()),
                timeout: config.lambda.timeout_seconds.map(Duration::from_secs),
            });
        }
        let arn = resource.arn();
        let bare = arn.strip_suffix(resource.pattern().suffix()).unwrap_or(arn);
        let mut route = found(arn).or_else(|| found(bare));
        if route.is_none() {
            if let Resource::Activity { name, .. } = resource {
                route = found(name);
            }
        }
        // `lambda_endpoint` needs a function name, which only Lambda resources have.
        route.filter(|r| !matches!(r.target, Target::LambdaEndpoint(_)))
    }

    fn backend(&self, route: &Route) -> Backend {
        let timeout = route.timeout;
        match &route.target {
            Target::Command(t) => Backend::Command(CommandResolver::new(t.clone()).with_timeout_opt(timeout)),
            Target::Http(t) => Backend::Http(
                HttpResolver::with_client(self.client.clone(), t.clone()).with_timeout_opt(timeout),
            ),
            Target::LambdaEndpoint(e) => Backend::Lambda(
                LambdaResolver::with_client(self.client.clone(), e.clone()).with_timeout_opt(timeout),
            ),
        }
    }
}

#[async_trait]
impl TaskInvoker for ConfiguredInvoker {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        if let Some(mocks) = &self.mocks {
            if mocks.has_mock(&request.state_name) {
                return mocks.invoke(request).await;
            }
        }
        let call = match prepare(request) {
            Ok(c) => c,
            Err(r) => return Invocation::Done(r),
        };
        let route = self.route_call(&request.resource, &call);
        if route.is_none() && super::http_task::is_http_invoke(&request.resource) {
            return self.http_task.invoke(request).await;
        }
        let backend = route.map(|r| self.backend(&r));
        if backend.is_none() {
            if let Some(integrations) = &self.integrations {
                if let Some(invocation) = integrations.try_invoke(request).await {
                    return invocation;
                }
            }
        }
        let Some(backend) = backend else {
            let hint = if call.function.is_some() {
                "map it under [resources] in statecraft.toml, or set [lambda] endpoint (or AWS_ENDPOINT_URL_LAMBDA)"
            } else if matches!(request.resource, Resource::Activity { .. }) {
                "activities are run by workers polling GetActivityTask, or pushed to an [activities] webhook"
            } else {
                "map its ARN under [resources] in statecraft.toml"
            };
            return Invocation::Done(task_failed(format!(
                "no resolver configured for state '{}' (resource {}): {hint}",
                request.state_name,
                request.resource.arn()
            )));
        };
        run(&backend, call).await
    }
}
