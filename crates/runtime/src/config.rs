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
//! [aws]                             # AWS service integrations (sqs:sendMessage, aws-sdk:..., ...)
//! region = "eu-west-1"              # default: AWS_REGION, the profile's, else the top-level region
//! endpoint_url = "http://127.0.0.1:5000"        # all five services; default AWS_ENDPOINT_URL
//! endpoints = { sqs = "http://127.0.0.1:9324" } # per service: sqs, sns, dynamodb, eventbridge, lambda
//! lambda_function_arns = false      # also call plain Lambda function ARNs through the SDK
//!
//! [activities.Approve]              # key: activity name or ARN
//! webhook = "http://127.0.0.1:7070/tasks"       # push delivery of queued activity tasks
//! secret = "..."                    # HMAC key for X-Statecraft-Signature
//! # secret_env = "APPROVE_SECRET"   # ... or read it from this environment variable
//!
//! [[triggers]]                      # starts executions: on a schedule, ...
//! name = "nightly"                  # names the executions it starts; [A-Za-z0-9_-], 1-40
//! state_machine = "Report"          # a state machine name, or a machine/version/alias ARN
//! schedule = "cron(0 2 * * ? *)"    # rate(5 minutes) | cron(...) (AWS's 6 fields) | at(2026-12-01T10:00:00)
//! timezone = "Europe/Paris"         # for cron() and at(); default UTC
//! input = { kind = "nightly" }      # the execution input (any TOML value); or input_json = "{...}"
//!
//! [[triggers]]                      # ... on POST /start/orders (the body is the input) ...
//! name = "orders"
//! state_machine = "Orders"
//! http = { secret_env = "ORDERS_START_SECRET" }  # callers send Authorization: Bearer <secret>
//!
//! [[triggers]]                      # ... or for each message of an SQS queue
//! name = "inbox"
//! state_machine = "Orders"
//! sqs = { queue_url = "http://127.0.0.1:5000/123456789012/inbox", wait_time_seconds = 20 }
//!
//! [notifications]                   # "Step Functions Execution Status Change" events
//! statuses = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]   # the default
//! state_machines = ["Orders"]       # default: every state machine
//! webhooks = [{ url = "http://127.0.0.1:7071/events", secret_env = "EVENTS_SECRET" }]
//! eventbridge = { event_bus = "default" }        # PutEvents (endpoint from AWS_ENDPOINT_URL_EVENTBRIDGE ...)
//!
//! [http_task]                       # arn:aws:states:::http:invoke
//! timeout_seconds = 60              # upper bound on one call when the state sets none
//! [http_task.connections.stripe]    # stands in for an EventBridge connection: matched by `arn`,
//! arn = "arn:aws:events:us-east-1:123456789012:connection/stripe/81210c42"   # else by NAME
//! api_key_header = "Authorization"  # one of: api_key_header + api_key[_env],
//! api_key_env = "STRIPE_KEY"        # username + password[_env], bearer_token[_env]
//! headers = { "Stripe-Version" = "2024-06-20" }  # the connection's invocation parameters
//! query_parameters = {}
//! body_parameters = {}
//! ```
//!
//! The trigger, notification and HTTP Task tables are read by [`crate::triggers`],
//! [`crate::notify`] and [`crate::resolvers::http_task`], where their behaviour is described.
//!
//! Relative paths (`data_dir`, `cwd`, and a `command` program written with a `/`) are resolved
//! against the directory of the file. Command arguments are passed as written; commands run
//! in `cwd`, so `handlers/extract.py` is found next to the file. When the file sets no
//! `[lambda] endpoint`, the standard `AWS_ENDPOINT_URL_LAMBDA` then `AWS_ENDPOINT_URL`
//! environment variables are used. Unknown keys are errors, so a typo is reported with the
//! key's path, line and column rather than silently ignored.
//!
//! This module only reads and checks the file; running what it names is [`crate::resolvers`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

mod outbound;
mod parse;
mod triggers;

pub use outbound::{
    Connection, ConnectionAuth, EventBridgeTarget, HttpTaskConfig, NotificationsConfig, WebhookTarget,
};
pub use triggers::{SqsSource, TriggerConfig, TriggerSource, MAX_TRIGGER_NAME};

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
    /// The `[aws]` table: overrides for the AWS service integrations.
    pub aws: AwsSettings,
    /// `[[triggers]]`, in file order (names are unique).
    pub triggers: Vec<TriggerConfig>,
    /// `[notifications]`, when present.
    pub notifications: Option<NotificationsConfig>,
    /// `[http_task]`.
    pub http_task: HttpTaskConfig,
}

/// The `[aws]` table. Unset fields leave the standard AWS configuration (environment,
/// profile, credential chain) in charge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Per-service endpoints, keyed by one of [`AWS_SERVICES`].
    pub endpoints: BTreeMap<String, String>,
    pub lambda_function_arns: bool,
}

/// The services an `[aws] endpoints` key may name.
pub const AWS_SERVICES: &[&str] = &["sqs", "sns", "dynamodb", "eventbridge", "lambda"];

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
            aws: AwsSettings::default(),
            triggers: Vec::new(),
            notifications: None,
            http_task: HttpTaskConfig::default(),
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
        parse::parse(text, file, base_dir, env)
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

    /// The trigger named `name`.
    pub fn trigger(&self, name: &str) -> Option<&TriggerConfig> {
        self.triggers.iter().find(|t| t.name == name)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_names() {
        assert_eq!(activity_name("arn:aws:states:us-east-1:1:activity:A"), Some("A"));
        assert_eq!(activity_name("A"), None);
    }
}
