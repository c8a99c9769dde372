//! The `[notifications]` and `[http_task]` tables of `statecraft.toml`: where execution status
//! changes are sent, and the credentials HTTP Tasks use in place of EventBridge connections.
//! Only reading and checking; sending is [`crate::notify`] and
//! [`crate::resolvers::http_task`].

use super::parse::{check_url, quote_key, Ctx};
use super::triggers::{named_secret, secret_value};
use super::{EnvLookup, Error, Secret};
use crate::ports::ExecutionStatus;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// `[notifications]`.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationsConfig {
    /// The statuses that are sent (default: RUNNING and every terminal status).
    pub statuses: Vec<ExecutionStatus>,
    /// Only executions of these state machines (names or ARNs); empty means all.
    pub state_machines: Vec<String>,
    pub webhooks: Vec<WebhookTarget>,
    pub eventbridge: Option<EventBridgeTarget>,
    /// Also send events for EXPRESS executions (AWS sends them for STANDARD ones only).
    pub include_express: bool,
}

impl NotificationsConfig {
    /// Whether a change to `status` of an execution of `state_machine_arn` is sent.
    pub fn wants(&self, state_machine_arn: &str, status: ExecutionStatus) -> bool {
        let name = state_machine_arn.rsplit(':').next().unwrap_or(state_machine_arn);
        self.statuses.contains(&status)
            && (self.state_machines.is_empty()
                || self.state_machines.iter().any(|m| m == name || m == state_machine_arn))
    }
}

/// One webhook: events are POSTed, signed like activity pushes.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookTarget {
    pub url: String,
    /// The HMAC-SHA256 key of `X-Statecraft-Signature`.
    pub secret: Secret,
}

/// An EventBridge bus that receives the events through PutEvents.
#[derive(Debug, Clone, PartialEq)]
pub struct EventBridgeTarget {
    /// A bus name or ARN (default `default`).
    pub event_bus: String,
    /// The entries' `Source`. Default `statecraft.states`: AWS reserves `aws.*` sources for
    /// its own services, so PutEvents refuses `aws.states` on a real bus.
    pub source: String,
    /// `endpoint`, else `AWS_ENDPOINT_URL_EVENTBRIDGE`, else `AWS_ENDPOINT_URL`, else
    /// `https://events.REGION.amazonaws.com`.
    pub endpoint: String,
    /// The signing region: `region`, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the project's.
    pub region: String,
}

/// `[http_task]`: settings of `arn:aws:states:::http:invoke`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpTaskConfig {
    /// Upper bound on one call when the state sets no `TimeoutSeconds` (default 60 s).
    pub timeout_seconds: Option<u64>,
    /// Connections by name.
    pub connections: BTreeMap<String, Connection>,
}

impl HttpTaskConfig {
    /// The connection an `Authentication.ConnectionArn` names: one whose `arn` is exactly
    /// it, else the one named like the ARN's `connection/NAME/...` part (or like the whole
    /// value, when it is a bare name).
    pub fn connection(&self, connection_arn: &str) -> Option<(&str, &Connection)> {
        if let Some((k, c)) = self.connections.iter().find(|(_, c)| c.arn.as_deref() == Some(connection_arn))
        {
            return Some((k.as_str(), c));
        }
        let name = connection_arn
            .split_once(":connection/")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
            .unwrap_or(connection_arn);
        self.connections.get_key_value(name).map(|(k, c)| (k.as_str(), c))
    }
}

/// A `[http_task.connections.NAME]` entry: what an EventBridge connection holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    /// The ConnectionArn this entry stands for (optional; the name matches otherwise).
    pub arn: Option<String>,
    pub auth: ConnectionAuth,
    /// Invocation parameters, merged over the task's own (the connection's win, as on AWS).
    pub headers: BTreeMap<String, String>,
    pub query_parameters: BTreeMap<String, String>,
    pub body_parameters: BTreeMap<String, String>,
}

/// How a connection authenticates.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConnectionAuth {
    /// No credentials (a local endpoint).
    None,
    /// `HEADER: value`.
    ApiKey { header: String, value: Secret },
    /// `Authorization: Basic base64(username:password)`.
    Basic { username: String, password: Secret },
    /// `Authorization: Bearer token` (what an OAuth connection would send).
    Bearer(Secret),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotifications {
    statuses: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    state_machines: Vec<String>,
    #[serde(default)]
    webhooks: Vec<Spanned<RawWebhook>>,
    eventbridge: Option<Spanned<RawEventBridge>>,
    #[serde(default)]
    include_express: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    url: Option<Spanned<String>>,
    secret: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEventBridge {
    event_bus: Option<String>,
    source: Option<Spanned<String>>,
    endpoint: Option<Spanned<String>>,
    region: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHttpTask {
    timeout_seconds: Option<u64>,
    #[serde(default)]
    connections: BTreeMap<String, Spanned<RawConnection>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnection {
    arn: Option<String>,
    api_key_header: Option<Spanned<String>>,
    api_key: Option<Spanned<String>>,
    api_key_env: Option<Spanned<String>>,
    username: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    bearer_token: Option<Spanned<String>>,
    bearer_token_env: Option<Spanned<String>>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    query_parameters: BTreeMap<String, String>,
    #[serde(default)]
    body_parameters: BTreeMap<String, String>,
}

pub(super) fn notifications(
    ctx: &Ctx<'_>,
    entry: Spanned<RawNotifications>,
    env: EnvLookup<'_>,
) -> Result<NotificationsConfig, Error> {
    let span = entry.span();
    let raw = entry.into_inner();
    let statuses = match raw.statuses {
        None => vec![
            ExecutionStatus::Running,
            ExecutionStatus::Succeeded,
            ExecutionStatus::Failed,
            ExecutionStatus::TimedOut,
            ExecutionStatus::Aborted,
        ],
        Some(list) => {
            let mut out = Vec::new();
            for s in list.get_ref() {
                match ExecutionStatus::parse(s).filter(|s| *s != ExecutionStatus::PendingRedrive) {
                    Some(s) => out.push(s),
                    None => {
                        return Err(ctx.at(
                            "notifications.statuses",
                            list.span(),
                            format!(
                            "unknown status {s:?}: expected RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED"
                        ),
                        ))
                    }
                }
            }
            out
        }
    };
    let mut webhooks = Vec::new();
    for (i, w) in raw.webhooks.into_iter().enumerate() {
        let path = format!("notifications.webhooks[{i}]");
        let wspan = w.span();
        let w = w.into_inner();
        let Some(url) = w.url else { return Err(ctx.at(&path, wspan, "missing `url`")) };
        check_url(ctx, &format!("{path}.url"), &url)?;
        let secret = secret_value(ctx, &path, wspan, w.secret, w.secret_env, env)?;
        webhooks.push(WebhookTarget { url: url.into_inner(), secret: Secret::new(secret) });
    }
    let eventbridge = match raw.eventbridge {
        None => None,
        Some(e) => {
            let e = e.into_inner();
            let region = e
                .region
                .or_else(|| env("AWS_REGION"))
                .or_else(|| env("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| super::DEFAULT_REGION.to_string());
            let endpoint = match e.endpoint {
                Some(url) => {
                    check_url(ctx, "notifications.eventbridge.endpoint", &url)?;
                    url.into_inner()
                }
                None => env("AWS_ENDPOINT_URL_EVENTBRIDGE")
                    .or_else(|| env("AWS_ENDPOINT_URL"))
                    .unwrap_or_else(|| format!("https://events.{region}.amazonaws.com")),
            };
            let source = match e.source {
                Some(s) if s.get_ref().is_empty() => {
                    return Err(ctx.at("notifications.eventbridge.source", s.span(), "cannot be empty"))
                }
                Some(s) => s.into_inner(),
                None => "statecraft.states".to_string(),
            };
            Some(EventBridgeTarget {
                event_bus: e.event_bus.unwrap_or_else(|| "default".into()),
                source,
                endpoint,
                region,
            })
        }
    };
    if webhooks.is_empty() && eventbridge.is_none() {
        return Err(ctx.at("notifications", span, "set `webhooks` or `eventbridge` (where events go)"));
    }
    Ok(NotificationsConfig {
        statuses,
        state_machines: raw.state_machines,
        webhooks,
        eventbridge,
        include_express: raw.include_express,
    })
}

pub(super) fn http_task(
    ctx: &Ctx<'_>,
    raw: RawHttpTask,
    env: EnvLookup<'_>,
) -> Result<HttpTaskConfig, Error> {
    let mut connections = BTreeMap::new();
    for (name, entry) in raw.connections {
        let path = format!("http_task.connections.{}", quote_key(&name));
        let connection = connection(ctx, &path, entry, env)?;
        connections.insert(name, connection);
    }
    Ok(HttpTaskConfig { timeout_seconds: raw.timeout_seconds, connections })
}

fn connection(
    ctx: &Ctx<'_>,
    path: &str,
    entry: Spanned<RawConnection>,
    env: EnvLookup<'_>,
) -> Result<Connection, Error> {
    let span = entry.span();
    let r = entry.into_inner();
    let api_key = r.api_key_header.is_some() || r.api_key.is_some() || r.api_key_env.is_some();
    let basic = r.username.is_some() || r.password.is_some() || r.password_env.is_some();
    let bearer = r.bearer_token.is_some() || r.bearer_token_env.is_some();
    if [api_key, basic, bearer].iter().filter(|k| **k).count() > 1 {
        return Err(ctx.at(
            path,
            span,
            "set one kind of credentials: api_key_header + api_key[_env], username + password[_env], or bearer_token[_env]",
        ));
    }
    let auth = if api_key {
        let Some(header) = r.api_key_header else {
            return Err(ctx.at(path, span, "missing `api_key_header` (the header that carries the key)"));
        };
        if reqwest::header::HeaderName::from_bytes(header.get_ref().as_bytes()).is_err() {
            return Err(ctx.at(&format!("{path}.api_key_header"), header.span(), "invalid header name"));
        }
        let value = named_secret(
            ctx,
            path,
            span.clone(),
            ("api_key", r.api_key),
            ("api_key_env", r.api_key_env),
            env,
        )?;
        ConnectionAuth::ApiKey { header: header.into_inner(), value: Secret::new(value) }
    } else if basic {
        let Some(username) = r.username else {
            return Err(ctx.at(path, span, "missing `username`"));
        };
        let password = named_secret(
            ctx,
            path,
            span.clone(),
            ("password", r.password),
            ("password_env", r.password_env),
            env,
        )?;
        ConnectionAuth::Basic { username: username.into_inner(), password: Secret::new(password) }
    } else if bearer {
        let token = named_secret(
            ctx,
            path,
            span.clone(),
            ("bearer_token", r.bearer_token),
            ("bearer_token_env", r.bearer_token_env),
            env,
        )?;
        ConnectionAuth::Bearer(Secret::new(token))
    } else {
        ConnectionAuth::None
    };
    for name in r.headers.keys() {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(ctx.at(&format!("{path}.headers"), span, format!("invalid header name {name:?}")));
        }
    }
    Ok(Connection {
        arn: r.arn,
        auth,
        headers: r.headers,
        query_parameters: r.query_parameters,
        body_parameters: r.body_parameters,
    })
}
