//! Reading `statecraft.toml`: the file's serde shape (unknown keys rejected, spans kept)
//! and the checks that turn it into a [`ProjectConfig`], reporting the key, line and column
//! of the first problem.

use super::{
    ActivityConfig, AwsSettings, CommandTarget, EnvLookup, Error, HttpTarget, ProjectConfig, ResourceConfig,
    Secret, Target, AWS_SERVICES, VERSION,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub(super) fn parse(
    text: &str,
    file: &str,
    base_dir: &Path,
    env: EnvLookup<'_>,
) -> Result<ProjectConfig, Error> {
    let ctx = Ctx { text, file };
    let raw: RawConfig = {
        let de = toml::Deserializer::parse(text).map_err(|e| ctx.toml_error(String::new(), &e))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = render_path(e.path());
            ctx.toml_error(key, e.inner())
        })?
    };
    let mut config = ProjectConfig::defaults(base_dir, env);
    if let Some(v) = raw.version {
        if *v.get_ref() != VERSION {
            return Err(ctx.at(
                "version",
                v.span(),
                format!("unsupported version {}; this release reads version {VERSION}", v.get_ref()),
            ));
        }
    }
    if let Some(region) = raw.region {
        let ok = !region.get_ref().is_empty()
            && region.get_ref().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(ctx.at("region", region.span(), "expected a region name such as \"us-east-1\""));
        }
        config.region = region.into_inner();
    }
    if let Some(account) = raw.account {
        if account.get_ref().len() != 12 || !account.get_ref().chars().all(|c| c.is_ascii_digit()) {
            return Err(ctx.at("account", account.span(), "expected a 12-digit AWS account ID"));
        }
        config.account = account.into_inner();
    }
    if let Some(dir) = raw.data_dir {
        config.data_dir = base_dir.join(dir.get_ref());
    }
    if let Some(lambda) = raw.lambda {
        if let Some(endpoint) = lambda.endpoint {
            check_url(&ctx, "lambda.endpoint", &endpoint)?;
            config.lambda.endpoint = Some(endpoint.into_inner());
        }
        config.lambda.timeout_seconds = lambda.timeout_seconds;
    }
    for (key, entry) in raw.resources {
        let path = format!("resources.{}", quote_key(&key));
        if key.is_empty() {
            return Err(ctx.at(&path, entry.span(), "a resource key cannot be empty"));
        }
        let resource = resource(&ctx, &path, &key, entry, base_dir)?;
        config.resources.insert(key, resource);
    }
    if let Some(aws) = raw.aws {
        config.aws = aws_settings(&ctx, aws)?;
    }
    for (key, entry) in raw.activities {
        let path = format!("activities.{}", quote_key(&key));
        let activity = activity(&ctx, &path, entry, env)?;
        config.activities.insert(key, activity);
    }
    config.triggers = super::triggers::triggers(&ctx, raw.triggers, env)?;
    if let Some(n) = raw.notifications {
        config.notifications = Some(super::outbound::notifications(&ctx, n, env)?);
    }
    if let Some(h) = raw.http_task {
        config.http_task = super::outbound::http_task(&ctx, h, env)?;
    }
    Ok(config)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    version: Option<Spanned<u32>>,
    region: Option<Spanned<String>>,
    account: Option<Spanned<String>>,
    data_dir: Option<Spanned<String>>,
    lambda: Option<RawLambda>,
    #[serde(default)]
    resources: BTreeMap<String, Spanned<RawResource>>,
    #[serde(default)]
    activities: BTreeMap<String, Spanned<RawActivity>>,
    #[serde(default)]
    triggers: Vec<Spanned<super::triggers::RawTrigger>>,
    notifications: Option<Spanned<super::outbound::RawNotifications>>,
    http_task: Option<super::outbound::RawHttpTask>,
    aws: Option<RawAws>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAws {
    region: Option<Spanned<String>>,
    endpoint_url: Option<Spanned<String>>,
    #[serde(default)]
    endpoints: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    lambda_function_arns: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLambda {
    endpoint: Option<Spanned<String>>,
    timeout_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResource {
    command: Option<Spanned<Vec<String>>>,
    http: Option<Spanned<String>>,
    lambda_endpoint: Option<Spanned<String>>,
    cwd: Option<Spanned<String>>,
    env: Option<Spanned<BTreeMap<String, String>>>,
    headers: Option<Spanned<BTreeMap<String, String>>>,
    timeout_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActivity {
    webhook: Option<Spanned<String>>,
    secret: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
}

pub(super) struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    pub(super) fn at(&self, key: &str, span: std::ops::Range<usize>, message: impl Into<String>) -> Error {
        let (line, column) = line_column(self.text, span.start);
        Error::Invalid {
            file: self.file.to_string(),
            key: key.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    fn toml_error(&self, key: String, e: &toml::de::Error) -> Error {
        let (line, column) = line_column(self.text, e.span().map_or(0, |s| s.start));
        Error::Invalid {
            file: self.file.to_string(),
            key,
            line,
            column,
            message: e.message().trim_end().replace('\n', "; "),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// A TOML key as it would be written: bare when it can be, quoted otherwise.
pub(super) fn quote_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        key.to_string()
    } else {
        serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""))
    }
}

fn render_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            // Spanned values add their private field names to the path; they are not keys.
            Segment::Map { key } | Segment::Enum { variant: key } if key.starts_with("$__") => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&quote_key(key));
            }
            Segment::Unknown => {}
        }
    }
    out
}

fn aws_settings(ctx: &Ctx<'_>, raw: RawAws) -> Result<AwsSettings, Error> {
    let mut aws = AwsSettings { lambda_function_arns: raw.lambda_function_arns, ..AwsSettings::default() };
    if let Some(region) = raw.region {
        let ok = !region.get_ref().is_empty()
            && region.get_ref().chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(ctx.at("aws.region", region.span(), "expected a region name such as \"us-east-1\""));
        }
        aws.region = Some(region.into_inner());
    }
    if let Some(url) = raw.endpoint_url {
        check_url(ctx, "aws.endpoint_url", &url)?;
        aws.endpoint_url = Some(url.into_inner());
    }
    for (service, url) in raw.endpoints {
        let key = format!("aws.endpoints.{}", quote_key(&service));
        if !AWS_SERVICES.contains(&service.as_str()) {
            return Err(ctx.at(
                &key,
                url.span(),
                format!("unknown service {service:?}; expected one of {}", AWS_SERVICES.join(", ")),
            ));
        }
        check_url(ctx, &key, &url)?;
        aws.endpoints.insert(service, url.into_inner());
    }
    Ok(aws)
}

pub(super) fn check_url(ctx: &Ctx<'_>, key: &str, url: &Spanned<String>) -> Result<(), Error> {
    match reqwest::Url::parse(url.get_ref()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(_) => Err(ctx.at(key, url.span(), "expected an http:// or https:// URL")),
        Err(e) => Err(ctx.at(key, url.span(), format!("invalid URL {:?}: {e}", url.get_ref()))),
    }
}

fn resource(
    ctx: &Ctx<'_>,
    path: &str,
    key: &str,
    entry: Spanned<RawResource>,
    base_dir: &Path,
) -> Result<ResourceConfig, Error> {
    let span = entry.span();
    let raw = entry.into_inner();
    let kinds = [raw.command.is_some(), raw.http.is_some(), raw.lambda_endpoint.is_some()];
    if kinds.iter().filter(|k| **k).count() != 1 {
        return Err(ctx.at(path, span, "set exactly one of `command`, `http` or `lambda_endpoint`"));
    }
    if raw.command.is_none() {
        if let Some(cwd) = &raw.cwd {
            return Err(ctx.at(&format!("{path}.cwd"), cwd.span(), "`cwd` applies to `command` only"));
        }
        if let Some(env) = &raw.env {
            return Err(ctx.at(&format!("{path}.env"), env.span(), "`env` applies to `command` only"));
        }
    }
    if raw.http.is_none() {
        if let Some(h) = &raw.headers {
            return Err(ctx.at(&format!("{path}.headers"), h.span(), "`headers` applies to `http` only"));
        }
    }
    let target = if let Some(command) = raw.command {
        let span = command.span();
        let mut parts = command.into_inner().into_iter();
        let Some(program) = parts.next().filter(|p| !p.is_empty()) else {
            return Err(ctx.at(&format!("{path}.command"), span, "expected [\"program\", \"arg\", ...]"));
        };
        let program = PathBuf::from(program);
        let program = if program.is_relative() && program.components().count() > 1 {
            base_dir.join(program)
        } else {
            program
        };
        let cwd = raw.cwd.map_or_else(|| base_dir.to_path_buf(), |c| base_dir.join(c.get_ref()));
        Target::Command(CommandTarget {
            program,
            args: parts.collect(),
            cwd,
            env: raw.env.map(Spanned::into_inner).unwrap_or_default(),
        })
    } else if let Some(url) = raw.http {
        check_url(ctx, &format!("{path}.http"), &url)?;
        let headers = raw.headers.map(Spanned::into_inner).unwrap_or_default();
        for name in headers.keys() {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(ctx.at(
                    &format!("{path}.headers"),
                    span,
                    format!("invalid header name {name:?}"),
                ));
            }
        }
        Target::Http(HttpTarget { url: url.into_inner(), headers })
    } else if let Some(url) = raw.lambda_endpoint {
        let at = format!("{path}.lambda_endpoint");
        check_url(ctx, &at, &url)?;
        let parts: Vec<&str> = key.split(':').collect();
        if key.starts_with("arn:") && !(parts.len() >= 7 && parts[2] == "lambda" && parts[5] == "function") {
            return Err(ctx.at(
                &at,
                url.span(),
                "`lambda_endpoint` applies to Lambda functions only (a function ARN or name)",
            ));
        }
        Target::LambdaEndpoint(url.into_inner())
    } else {
        return Err(ctx.at(path, span, "set exactly one of `command`, `http` or `lambda_endpoint`"));
    };
    Ok(ResourceConfig { target, timeout_seconds: raw.timeout_seconds })
}

fn activity(
    ctx: &Ctx<'_>,
    path: &str,
    entry: Spanned<RawActivity>,
    env: EnvLookup<'_>,
) -> Result<ActivityConfig, Error> {
    let span = entry.span();
    let raw = entry.into_inner();
    let Some(webhook) = raw.webhook else {
        return Err(ctx.at(path, span, "missing `webhook` (the URL queued tasks are pushed to)"));
    };
    check_url(ctx, &format!("{path}.webhook"), &webhook)?;
    let secret = match (raw.secret, raw.secret_env) {
        (Some(s), None) => {
            if s.get_ref().is_empty() {
                return Err(ctx.at(&format!("{path}.secret"), s.span(), "the secret cannot be empty"));
            }
            s.into_inner()
        }
        (None, Some(var)) => match env(var.get_ref()) {
            Some(s) => s,
            None => {
                return Err(ctx.at(
                    &format!("{path}.secret_env"),
                    var.span(),
                    format!("environment variable {} is not set", var.get_ref()),
                ))
            }
        },
        (Some(s), Some(_)) => {
            return Err(ctx.at(&format!("{path}.secret"), s.span(), "set `secret` or `secret_env`, not both"))
        }
        (None, None) => {
            return Err(ctx.at(path, span, "missing `secret` or `secret_env` (the webhook's HMAC key)"))
        }
    };
    Ok(ActivityConfig { webhook: webhook.into_inner(), secret: Secret::new(secret) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_keys() {
        assert_eq!(line_column("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_column("", 5), (1, 1));
        assert_eq!(quote_key("Thumbnail"), "Thumbnail");
        assert_eq!(quote_key("arn:aws:x"), "\"arn:aws:x\"");
    }
}
