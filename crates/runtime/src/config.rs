//! The project file, `statecraft.toml`: which account and region executions pretend to run
//! in, where data lives, and what actually runs each Task resource on this machine.
//!
//! ```toml
//! version = 1                       # format version; optional, 1 is the only one so far
//! region = "us-east-1"              # default us-east-1
//! account = "123456789012"          # default 123456789012 (12 digits)
//! data_dir = ".statecraft"          # default .statecraft, relative to this file
//!
//! [lambda]                          # default for every Lambda function not mapped below
//! endpoint = "http://127.0.0.1:9000"  # a Lambda Invoke API endpoint (`cargo lambda watch`, ...)
//! timeout_seconds = 900             # upper bound on one call when the state sets none
//!
//! # Keys are a resource ARN, or for Lambda functions also a bare function name
//! # (`Name` or `Name:qualifier`). An exact ARN wins over a name. Each entry sets exactly one
//! # of `command`, `http` or `lambda_endpoint`.
//! [resources."arn:aws:lambda:us-east-1:123456789012:function:ExtractMetadata"]
//! command = ["python3", "handlers/extract.py"]  # JSON on stdin, JSON on stdout
//! cwd = "."                         # default: this file's directory
//! env = { LOG_LEVEL = "debug" }     # added to the inherited environment
//! timeout_seconds = 30              # optional upper bound for this resource
//!
//! [resources.Thumbnail]
//! http = "http://127.0.0.1:8081/thumbnail"      # POST the input, JSON response
//! headers = { Authorization = "Bearer dev" }
//!
//! [resources.Resize]
//! lambda_endpoint = "http://127.0.0.1:9001"     # this function at another Invoke API endpoint
//!
//! [resources."arn:aws:states:::sqs:sendMessage.waitForTaskToken"]
//! command = ["./fake-queue.sh"]     # any resource ARN can be mapped to a command or URL
//!
//! [activities.Approve]              # key: activity name or ARN
//! webhook = "http://127.0.0.1:7070/tasks"       # push delivery of queued activity tasks
//! secret = "..."                    # HMAC key for X-Statecraft-Signature
//! # secret_env = "APPROVE_SECRET"   # ... or read it from this environment variable
//! ```
//!
//! Relative paths (`data_dir`, `cwd`, and a `command` program written with a `/`) are resolved
//! against the directory of the file. Command arguments are passed as written; commands run
//! in `cwd`, so `handlers/extract.py` is found next to the file. When the file sets no
//! `[lambda] endpoint`, the standard `AWS_ENDPOINT_URL_LAMBDA` then `AWS_ENDPOINT_URL`
//! environment variables are used. Unknown keys are errors, so a typo is reported with the
//! key's path, line and column rather than silently ignored.
//!
//! This module only reads and checks the file; running what it names is [`crate::resolvers`].

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The conventional file name, looked for in the project directory.
pub const FILE_NAME: &str = "statecraft.toml";
/// The only format version so far.
pub const VERSION: u32 = 1;
pub const DEFAULT_REGION: &str = "us-east-1";
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// A checked project configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectConfig {
    pub version: u32,
    pub region: String,
    pub account: String,
    /// Where the local store keeps its data (absolute when loaded from a file).
    pub data_dir: PathBuf,
    /// The directory relative paths were resolved against.
    pub base_dir: PathBuf,
    pub lambda: LambdaDefaults,
    /// Resource mappings, keyed as written (ARN or function name).
    pub resources: BTreeMap<String, ResourceConfig>,
    /// Activity settings, keyed as written (name or ARN).
    pub activities: BTreeMap<String, ActivityConfig>,
}

/// The `[lambda]` table: what runs Lambda functions that no `[resources]` entry maps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LambdaDefaults {
    /// An Invoke API endpoint: from the file, else `AWS_ENDPOINT_URL_LAMBDA`, else
    /// `AWS_ENDPOINT_URL`.
    pub endpoint: Option<String>,
    pub timeout_seconds: Option<u64>,
}

/// One `[resources.KEY]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceConfig {
    pub target: Target,
    /// Upper bound on one call, combined with the state's own `TimeoutSeconds` (the smaller
    /// wins).
    pub timeout_seconds: Option<u64>,
}

/// What runs a resource.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Target {
    /// A program: task input as JSON on stdin, result as JSON on stdout.
    Command(CommandTarget),
    /// An HTTP endpoint: task input POSTed as JSON, result as the JSON response body.
    Http(HttpTarget),
    /// A Lambda Invoke API endpoint (`POST /2015-03-31/functions/NAME/invocations`).
    LambdaEndpoint(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommandTarget {
    /// The program; made absolute when written as a relative path with a `/`.
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The working directory (default: the configuration file's directory).
    pub cwd: PathBuf,
    /// Variables added to the inherited environment.
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpTarget {
    pub url: String,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
}

/// One `[activities.KEY]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityConfig {
    /// Where queued tasks of this activity are pushed (see [`crate::resolvers::webhook`]).
    pub webhook: String,
    /// The HMAC-SHA256 key that signs each push.
    pub secret: Secret,
}

/// A signing key. Its `Debug` output does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(key: impl Into<Vec<u8>>) -> Secret {
        Secret(key.into())
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// A syntax error, an unknown key, a value of the wrong type, or a value that fails a
    /// check. `key` is the TOML path of the offending key (`resources."Thumbnail".http`),
    /// empty when the error is not about one key (a syntax error).
    #[error("{file}:{line}:{column}: {}{message}", key_prefix(key))]
    Invalid { file: String, key: String, line: usize, column: usize, message: String },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("`{key}`: ")
    }
}

/// Reads an environment variable (injected so that tests need not touch the process
/// environment).
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, for [`ProjectConfig::parse`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl ProjectConfig {
    /// Loads and checks a configuration file, reading the process environment.
    pub fn load(path: &Path) -> Result<ProjectConfig, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        let base = std::path::absolute(&base).unwrap_or(base);
        ProjectConfig::parse(&text, &path.display().to_string(), &base, &process_env)
    }

    /// The project in `dir`: its `statecraft.toml` when there is one, else the defaults (and
    /// the environment's Lambda endpoint).
    pub fn find(dir: &Path) -> Result<ProjectConfig, Error> {
        let file = dir.join(FILE_NAME);
        if file.is_file() {
            return ProjectConfig::load(&file);
        }
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        Ok(ProjectConfig::defaults(&dir, &process_env))
    }

    /// The configuration of a project without a file: defaults, plus the environment's
    /// Lambda endpoint.
    pub fn defaults(base_dir: &Path, env: EnvLookup<'_>) -> ProjectConfig {
        ProjectConfig {
            version: VERSION,
            region: DEFAULT_REGION.into(),
            account: DEFAULT_ACCOUNT.into(),
            data_dir: base_dir.join(".statecraft"),
            base_dir: base_dir.to_path_buf(),
            lambda: LambdaDefaults { endpoint: env_endpoint(env), timeout_seconds: None },
            resources: BTreeMap::new(),
            activities: BTreeMap::new(),
        }
    }

    /// Parses and checks configuration text. `file` names it in errors; relative paths are
    /// resolved against `base_dir`.
    pub fn parse(
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
        for (key, entry) in raw.activities {
            let path = format!("activities.{}", quote_key(&key));
            let activity = activity(&ctx, &path, entry, env)?;
            config.activities.insert(key, activity);
        }
        Ok(config)
    }

    /// The entry mapped to exactly this key.
    pub fn resource(&self, key: &str) -> Option<&ResourceConfig> {
        self.resources.get(key)
    }

    /// The settings of an activity, looked up by the key as written, then by name and by
    /// ARN in this account and region.
    pub fn activity(&self, name_or_arn: &str) -> Option<&ActivityConfig> {
        if let Some(a) = self.activities.get(name_or_arn) {
            return Some(a);
        }
        let name = activity_name(name_or_arn).unwrap_or(name_or_arn);
        self.activities.get(name).or_else(|| self.activities.get(&self.activity_arn(name)))
    }

    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME` in this project's region and account.
    pub fn function_arn(&self, name: &str) -> String {
        format!("arn:aws:lambda:{}:{}:function:{name}", self.region, self.account)
    }

    /// `arn:aws:states:REGION:ACCOUNT:activity:NAME` in this project's region and account.
    pub fn activity_arn(&self, name: &str) -> String {
        format!("arn:aws:states:{}:{}:activity:{name}", self.region, self.account)
    }
}

/// The activity name in `arn:PARTITION:states:REGION:ACCOUNT:activity:NAME`.
fn activity_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    match parts.as_slice() {
        ["arn", _, "states", _, _, "activity", name] if !name.is_empty() => Some(name),
        _ => None,
    }
}

fn env_endpoint(env: EnvLookup<'_>) -> Option<String> {
    env("AWS_ENDPOINT_URL_LAMBDA").or_else(|| env("AWS_ENDPOINT_URL")).filter(|v| !v.trim().is_empty())
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

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn at(&self, key: &str, span: std::ops::Range<usize>, message: impl Into<String>) -> Error {
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
fn quote_key(key: &str) -> String {
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

fn check_url(ctx: &Ctx<'_>, key: &str, url: &Spanned<String>) -> Result<(), Error> {
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
        assert_eq!(activity_name("arn:aws:states:us-east-1:1:activity:A"), Some("A"));
        assert_eq!(activity_name("A"), None);
    }
}
