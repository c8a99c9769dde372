//! The `[[triggers]]` tables of `statecraft.toml`: what starts executions without an API call
//! (a schedule, an HTTP start URL, an SQS queue). Only reading and checking; running them is
//! [`crate::triggers`].

use super::parse::{check_url, Ctx};
use super::{EnvLookup, Error, Secret};
use crate::triggers::Schedule;
use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

/// Longest trigger name: schedule executions are named `NAME-YYYYMMDDTHHMMSSZ`, which must fit
/// Step Functions' 80-character execution names.
pub const MAX_TRIGGER_NAME: usize = 40;

/// One `[[triggers]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TriggerConfig {
    /// Unique; `[A-Za-z0-9_-]`, 1 to [`MAX_TRIGGER_NAME`] characters.
    pub name: String,
    /// A state machine name, or a state machine, version or alias ARN.
    pub state_machine: String,
    pub source: TriggerSource,
}

/// What fires a trigger.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TriggerSource {
    /// `schedule = "..."`: each slot starts one execution with `input`.
    Schedule { schedule: Schedule, timezone: chrono_tz::Tz, input: Value },
    /// `http = { secret = ... }`: `POST /start/NAME` with `Authorization: Bearer <secret>`.
    Http { secret: Secret },
    /// `sqs = { queue_url = ... }`: each message body is an input.
    Sqs(SqsSource),
}

/// The `sqs` table of a trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct SqsSource {
    pub queue_url: String,
    /// Where the SQS JSON API is: `endpoint`, else `AWS_ENDPOINT_URL_SQS`, else
    /// `AWS_ENDPOINT_URL`, else the queue URL's scheme and host.
    pub endpoint: String,
    /// The signing region: `region`, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the
    /// project's.
    pub region: String,
    /// Long polling: how long one ReceiveMessage waits for a message (0 to 20, default 20).
    pub wait_time_seconds: u32,
    /// Messages per ReceiveMessage (1 to 10, default 10).
    pub max_messages: u32,
    /// Overrides the queue's visibility timeout for received messages.
    pub visibility_timeout: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrigger {
    name: Option<Spanned<String>>,
    state_machine: Option<Spanned<String>>,
    schedule: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    input: Option<Spanned<toml::Value>>,
    input_json: Option<Spanned<String>>,
    http: Option<Spanned<RawHttp>>,
    sqs: Option<Spanned<RawSqs>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    secret: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSqs {
    queue_url: Option<Spanned<String>>,
    endpoint: Option<Spanned<String>>,
    region: Option<String>,
    wait_time_seconds: Option<Spanned<u32>>,
    max_messages: Option<Spanned<u32>>,
    visibility_timeout: Option<u32>,
}

pub(super) fn triggers(
    ctx: &Ctx<'_>,
    raw: Vec<Spanned<RawTrigger>>,
    env: EnvLookup<'_>,
) -> Result<Vec<TriggerConfig>, Error> {
    let mut out: Vec<TriggerConfig> = Vec::new();
    for (i, entry) in raw.into_iter().enumerate() {
        let path = format!("triggers[{i}]");
        let span = entry.span();
        let t = trigger(ctx, &path, entry, env)?;
        if out.iter().any(|o| o.name == t.name) {
            return Err(ctx.at(
                &format!("{path}.name"),
                span,
                format!("duplicate trigger name {:?}", t.name),
            ));
        }
        out.push(t);
    }
    Ok(out)
}

fn trigger(
    ctx: &Ctx<'_>,
    path: &str,
    entry: Spanned<RawTrigger>,
    env: EnvLookup<'_>,
) -> Result<TriggerConfig, Error> {
    let span = entry.span();
    let raw = entry.into_inner();
    let Some(name) = raw.name else {
        return Err(ctx.at(path, span, "missing `name`"));
    };
    let ok = !name.get_ref().is_empty()
        && name.get_ref().len() <= MAX_TRIGGER_NAME
        && name.get_ref().chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(ctx.at(
            &format!("{path}.name"),
            name.span(),
            format!("expected 1 to {MAX_TRIGGER_NAME} characters of A-Z, a-z, 0-9, - and _"),
        ));
    }
    let Some(machine) = raw.state_machine.filter(|m| !m.get_ref().is_empty()) else {
        return Err(ctx.at(path, span, "missing `state_machine` (a state machine name or ARN)"));
    };
    let kinds = [raw.schedule.is_some(), raw.http.is_some(), raw.sqs.is_some()];
    if kinds.iter().filter(|k| **k).count() != 1 {
        return Err(ctx.at(path, span, "set exactly one of `schedule`, `http` or `sqs`"));
    }
    if raw.schedule.is_none() {
        for (key, s) in [
            ("timezone", raw.timezone.as_ref().map(Spanned::span)),
            ("input", raw.input.as_ref().map(Spanned::span)),
            ("input_json", raw.input_json.as_ref().map(Spanned::span)),
        ] {
            if let Some(s) = s {
                return Err(ctx.at(
                    &format!("{path}.{key}"),
                    s,
                    format!("`{key}` applies to `schedule` only (the request body or message is the input)"),
                ));
            }
        }
    }
    let source = if let Some(expr) = raw.schedule {
        let schedule = Schedule::parse(expr.get_ref())
            .map_err(|m| ctx.at(&format!("{path}.schedule"), expr.span(), m))?;
        let timezone = match raw.timezone {
            None => chrono_tz::UTC,
            Some(tz) => tz.get_ref().parse::<chrono_tz::Tz>().map_err(|_| {
                ctx.at(
                    &format!("{path}.timezone"),
                    tz.span(),
                    format!(
                        "unknown time zone {:?}: expected an IANA name such as \"Europe/Paris\"",
                        tz.get_ref()
                    ),
                )
            })?,
        };
        let input = match (raw.input, raw.input_json) {
            (None, None) => Value::Object(Default::default()),
            (Some(v), None) => serde_json::to_value(v.get_ref()).map_err(|e| {
                ctx.at(&format!("{path}.input"), v.span(), format!("cannot convert to JSON: {e}"))
            })?,
            (None, Some(text)) => serde_json::from_str(text.get_ref())
                .map_err(|e| ctx.at(&format!("{path}.input_json"), text.span(), format!("not JSON: {e}")))?,
            (Some(v), Some(_)) => {
                return Err(ctx.at(
                    &format!("{path}.input"),
                    v.span(),
                    "set `input` or `input_json`, not both",
                ))
            }
        };
        TriggerSource::Schedule { schedule, timezone, input }
    } else if let Some(http) = raw.http {
        let at = format!("{path}.http");
        let span = http.span();
        let h = http.into_inner();
        let secret = secret_value(ctx, &at, span, h.secret, h.secret_env, env)?;
        TriggerSource::Http { secret: Secret::new(secret) }
    } else if let Some(sqs) = raw.sqs {
        TriggerSource::Sqs(sqs_source(ctx, &format!("{path}.sqs"), sqs, env)?)
    } else {
        return Err(ctx.at(path, span, "set exactly one of `schedule`, `http` or `sqs`"));
    };
    Ok(TriggerConfig { name: name.into_inner(), state_machine: machine.into_inner(), source })
}

fn sqs_source(
    ctx: &Ctx<'_>,
    path: &str,
    entry: Spanned<RawSqs>,
    env: EnvLookup<'_>,
) -> Result<SqsSource, Error> {
    let span = entry.span();
    let raw = entry.into_inner();
    let Some(queue_url) = raw.queue_url else {
        return Err(ctx.at(path, span, "missing `queue_url`"));
    };
    check_url(ctx, &format!("{path}.queue_url"), &queue_url)?;
    let endpoint = match raw.endpoint {
        Some(e) => {
            check_url(ctx, &format!("{path}.endpoint"), &e)?;
            e.into_inner()
        }
        None => match env("AWS_ENDPOINT_URL_SQS").or_else(|| env("AWS_ENDPOINT_URL")) {
            Some(e) => e,
            None => reqwest::Url::parse(queue_url.get_ref())
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_default(),
        },
    };
    let region = raw
        .region
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| ctx_region(queue_url.get_ref()));
    let wait_time_seconds = match raw.wait_time_seconds {
        None => 20,
        Some(w) if *w.get_ref() <= 20 => w.into_inner(),
        Some(w) => return Err(ctx.at(&format!("{path}.wait_time_seconds"), w.span(), "expected 0 to 20")),
    };
    let max_messages = match raw.max_messages {
        None => 10,
        Some(m) if (1..=10).contains(m.get_ref()) => m.into_inner(),
        Some(m) => return Err(ctx.at(&format!("{path}.max_messages"), m.span(), "expected 1 to 10")),
    };
    Ok(SqsSource {
        queue_url: queue_url.into_inner(),
        endpoint,
        region,
        wait_time_seconds,
        max_messages,
        visibility_timeout: raw.visibility_timeout,
    })
}

/// The region in an AWS queue URL (`https://sqs.REGION.amazonaws.com/...`), else us-east-1.
fn ctx_region(queue_url: &str) -> String {
    reqwest::Url::parse(queue_url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            let mut parts = host.split('.');
            (parts.next() == Some("sqs")).then(|| parts.next().map(str::to_string)).flatten()
        })
        .filter(|r| r.contains('-'))
        .unwrap_or_else(|| super::DEFAULT_REGION.to_string())
}

/// A secret given inline (`secret`) or by environment variable (`secret_env`), exactly one.
pub(super) fn secret_value(
    ctx: &Ctx<'_>,
    path: &str,
    span: std::ops::Range<usize>,
    secret: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
    env: EnvLookup<'_>,
) -> Result<String, Error> {
    named_secret(ctx, path, span, ("secret", secret), ("secret_env", secret_env), env)
}

/// [`secret_value`] with other key names (`password` / `password_env`, ...).
pub(super) fn named_secret(
    ctx: &Ctx<'_>,
    path: &str,
    span: std::ops::Range<usize>,
    (key, value): (&str, Option<Spanned<String>>),
    (env_key, var): (&str, Option<Spanned<String>>),
    env: EnvLookup<'_>,
) -> Result<String, Error> {
    match (value, var) {
        (Some(s), None) if s.get_ref().is_empty() => {
            Err(ctx.at(&format!("{path}.{key}"), s.span(), "the secret cannot be empty"))
        }
        (Some(s), None) => Ok(s.into_inner()),
        (None, Some(var)) => env(var.get_ref()).ok_or_else(|| {
            ctx.at(
                &format!("{path}.{env_key}"),
                var.span(),
                format!("environment variable {} is not set", var.get_ref()),
            )
        }),
        (Some(s), Some(_)) => {
            Err(ctx.at(&format!("{path}.{key}"), s.span(), format!("set `{key}` or `{env_key}`, not both")))
        }
        (None, None) => Err(ctx.at(path, span, format!("missing `{key}` or `{env_key}`"))),
    }
}
