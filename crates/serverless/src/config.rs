//! The driver's configuration, read from the functions' environment ([`Config::from_env`]);
//! the crate documentation lists every variable.

use serde::Deserialize;
use statecraft_runtime::engine::EngineConfig;
use std::collections::HashMap;
use std::time::Duration;

/// Where an activity's tasks go: the SNS topic they are published to and the SQS queue
/// (subscribed to the topic) that `GetActivityTask` reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ActivityRoute {
    pub topic: Option<String>,
    pub queue: Option<String>,
}

/// Everything the driver needs besides its clients and stores.
#[derive(Debug, Clone)]
pub struct Config {
    /// Region, account, payload limits and the GetActivityTask hold time.
    pub engine: EngineConfig,
    /// The step queue: every step message goes there.
    pub step_queue_url: String,
    /// The task queue: one message per task to run (the task runner's mapping reads it).
    pub task_queue_url: String,
    /// Activity ARN → topic and queue.
    pub activities: HashMap<String, ActivityRoute>,
    /// The longest SQS delay (900 s on AWS); longer timers are chained.
    pub max_delay_seconds: u32,
    /// Event-driven starts: source (queue or topic ARN) → state machine (or version/alias) ARN.
    pub start_sources: HashMap<String, String>,
    /// Upper bound of one task call when the state sets no TimeoutSeconds (Lambda's 900 s).
    pub task_timeout: Duration,
    /// How long `wait_finished` polls before giving up.
    pub wait_limit: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            engine: EngineConfig { activity_poll: Duration::from_secs(25), ..EngineConfig::default() },
            step_queue_url: String::new(),
            task_queue_url: String::new(),
            activities: HashMap::new(),
            max_delay_seconds: 900,
            start_sources: HashMap::new(),
            task_timeout: Duration::from_secs(900),
            wait_limit: Duration::from_secs(310),
        }
    }
}

/// A configuration problem, naming the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {message}")]
pub struct Error {
    pub var: &'static str,
    pub message: String,
}

impl Config {
    /// Reads the `STATECRAFT_*` variables (see the crate documentation).
    pub fn from_env() -> Result<Config, Error> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`Config::from_env`] over any lookup (tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, Error> {
        let mut c = Config::default();
        if let Some(r) = get("STATECRAFT_REGION").or_else(|| get("AWS_REGION")) {
            c.engine.region = r;
        }
        if let Some(a) = get("STATECRAFT_ACCOUNT") {
            c.engine.account = a;
        }
        c.step_queue_url = get("STATECRAFT_STEP_QUEUE_URL").unwrap_or_default();
        c.task_queue_url = get("STATECRAFT_TASK_QUEUE_URL").unwrap_or_else(|| c.step_queue_url.clone());
        if let Some(j) = get("STATECRAFT_ACTIVITIES") {
            c.activities = serde_json::from_str(&j)
                .map_err(|e| Error { var: "STATECRAFT_ACTIVITIES", message: e.to_string() })?;
        }
        if let Some(j) = get("STATECRAFT_START_SOURCES") {
            c.start_sources = serde_json::from_str(&j)
                .map_err(|e| Error { var: "STATECRAFT_START_SOURCES", message: e.to_string() })?;
        }
        let num = |var: &'static str| -> Result<Option<u64>, Error> {
            get(var)
                .map(|v| v.trim().parse::<u64>().map_err(|e| Error { var, message: e.to_string() }))
                .transpose()
        };
        if let Some(n) = num("STATECRAFT_MAX_DELAY_SECONDS")? {
            c.max_delay_seconds = n.clamp(1, 900) as u32;
        }
        if let Some(n) = num("STATECRAFT_ACTIVITY_POLL_SECONDS")? {
            c.engine.activity_poll = Duration::from_secs(n.min(28));
        }
        if let Some(n) = num("STATECRAFT_TASK_TIMEOUT_SECONDS")? {
            c.task_timeout = Duration::from_secs(n.max(1));
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_environment() {
        let env: HashMap<&str, &str> = [
            ("AWS_REGION", "eu-west-1"),
            ("STATECRAFT_STEP_QUEUE_URL", "http://q/step"),
            ("STATECRAFT_MAX_DELAY_SECONDS", "2"),
            ("STATECRAFT_ACTIVITIES", r#"{"arn:a": {"topic": "arn:t", "queue": "http://q/a"}}"#),
            ("STATECRAFT_START_SOURCES", r#"{"arn:aws:sqs:eu-west-1:1:starts": "arn:sm"}"#),
        ]
        .into_iter()
        .collect();
        let c = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.engine.region, "eu-west-1");
        assert_eq!(c.task_queue_url, "http://q/step");
        assert_eq!(c.max_delay_seconds, 2);
        assert_eq!(c.activities["arn:a"].topic.as_deref(), Some("arn:t"));
        assert_eq!(c.start_sources["arn:aws:sqs:eu-west-1:1:starts"], "arn:sm");
        let bad = Config::from_lookup(|k| (k == "STATECRAFT_MAX_DELAY_SECONDS").then(|| "x".into()));
        assert_eq!(bad.unwrap_err().var, "STATECRAFT_MAX_DELAY_SECONDS");
    }
}
