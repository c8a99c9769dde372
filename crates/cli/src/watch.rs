//! `statecraft watch EXECUTION_ARN`: follows one execution's history live, the way
//! `kubectl logs -f` follows a pod: prints the events it already has, then each new one as it
//! is recorded, and exits when the execution ends, with a code that says how it ended.
//!
//! It is an ordinary API client (GetExecutionHistory and DescribeExecution over the AWS JSON
//! protocol, with the bearer token when one is given), so it works against any `statecraft
//! serve` it can reach and does nothing the API would refuse. New events are found by reading
//! the history newest first until a seen event id appears, so each poll costs a page, not the
//! whole history.

use serde_json::{json, Value};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The execution to follow.
    execution_arn: String,
    /// Where `statecraft serve` listens.
    #[arg(long, env = "STATECRAFT_ENDPOINT", default_value = "http://127.0.0.1:8083")]
    endpoint: String,
    /// Bearer token, when the server has one (also read from STATECRAFT_TOKEN).
    #[arg(long, env = "STATECRAFT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print each event as one JSON object a line (GetExecutionHistory's shape).
    #[arg(long)]
    json: bool,
    /// Print payloads whole (by default they are cut at 200 characters).
    #[arg(long)]
    full: bool,
    /// How often to ask for new events, in milliseconds.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    poll_ms: u64,
}

/// Exit codes: the execution's end, or why watching failed.
const SUCCEEDED: u8 = 0;
const DID_NOT_SUCCEED: u8 = 1;
const USAGE: u8 = 2;
const UNREACHABLE: u8 = 3;

pub(crate) fn main(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("statecraft watch: cannot start the runtime: {e}");
            return ExitCode::from(UNREACHABLE);
        }
    };
    match runtime.block_on(watch(&args)) {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Api(code, message)) => {
            eprintln!("statecraft watch: {code}: {message}");
            let usage =
                matches!(code.as_str(), "ExecutionDoesNotExist" | "InvalidArn" | "ValidationException");
            ExitCode::from(if usage { USAGE } else { UNREACHABLE })
        }
        Err(Failure::Transport(message)) => {
            eprintln!("statecraft watch: {message}");
            ExitCode::from(UNREACHABLE)
        }
    }
}

#[derive(Debug)]
enum Failure {
    /// The API answered with an error (AWS's `__type` and message).
    Api(String, String),
    /// No answer, or not one in the API's shape.
    Transport(String),
}

struct Client {
    http: reqwest::Client,
    endpoint: String,
    token: Option<String>,
}

impl Client {
    async fn call(&self, action: &str, body: Value) -> Result<Value, Failure> {
        let mut req = self
            .http
            .post(&self.endpoint)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("AWSStepFunctions.{action}"))
            .body(body.to_string());
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| Failure::Transport(format!("{}: {e}", self.endpoint)))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| Failure::Transport(format!("{}: {e}", self.endpoint)))?;
        let value: Value = serde_json::from_str(&text).map_err(|_| {
            Failure::Transport(format!("{} answered {status} with a body that is not JSON", self.endpoint))
        })?;
        if status.is_success() {
            return Ok(value);
        }
        let code = value.get("__type").and_then(Value::as_str).unwrap_or("Error");
        let code = code.rsplit('#').next().unwrap_or(code).to_string();
        let message = value
            .get("message")
            .or_else(|| value.get("Message"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Err(Failure::Api(code, message))
    }

    /// The events after `after` (an event id), oldest first, read newest first page by page
    /// until an event at or before `after` shows up.
    async fn events_after(&self, arn: &str, after: u64) -> Result<Vec<Value>, Failure> {
        let mut newer = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let mut body = json!({"executionArn": arn, "reverseOrder": true, "maxResults": 100});
            if let Some(t) = &next_token {
                body["nextToken"] = Value::from(t.as_str());
            }
            let page = self.call("GetExecutionHistory", body).await?;
            let events = page.get("events").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut reached = false;
            for e in events {
                if event_id(&e) <= after {
                    reached = true;
                    break;
                }
                newer.push(e);
            }
            next_token = page.get("nextToken").and_then(Value::as_str).map(str::to_owned);
            if reached || next_token.is_none() {
                break;
            }
        }
        newer.reverse();
        Ok(newer)
    }
}

fn event_id(e: &Value) -> u64 {
    e.get("id").and_then(Value::as_u64).unwrap_or(0)
}

/// The execution's status when `event` ends it.
pub(crate) fn final_status(event: &Value) -> Option<&'static str> {
    Some(match event.get("type").and_then(Value::as_str)? {
        "ExecutionSucceeded" => "SUCCEEDED",
        "ExecutionFailed" => "FAILED",
        "ExecutionTimedOut" => "TIMED_OUT",
        "ExecutionAborted" => "ABORTED",
        _ => return None,
    })
}

async fn watch(args: &Args) -> Result<u8, Failure> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Failure::Transport(e.to_string()))?;
    let client = Client {
        http,
        endpoint: args.endpoint.trim_end_matches('/').to_string() + "/",
        token: args.token.clone(),
    };
    let arn = args.execution_arn.as_str();
    // Fails early, with the API's words, for an execution that does not exist.
    let described = client.call("DescribeExecution", json!({"executionArn": arn})).await?;
    if !args.json {
        let name = described.get("name").and_then(Value::as_str).unwrap_or(arn);
        let status = described.get("status").and_then(Value::as_str).unwrap_or("?");
        println!("watching {name} ({status})");
    }
    let mut last = 0u64;
    loop {
        let events = client.events_after(arn, last).await?;
        let mut ended = None;
        for e in &events {
            println!("{}", if args.json { e.to_string() } else { line(e, args.full) });
            last = last.max(event_id(e));
            ended = final_status(e).or(ended);
            // A redrive after the end starts the execution again.
            if e.get("type").and_then(Value::as_str) == Some("ExecutionRedriven") {
                ended = None;
            }
        }
        if let Some(status) = ended {
            if !args.json {
                println!("execution {status}");
            }
            return Ok(if status == "SUCCEEDED" { SUCCEEDED } else { DID_NOT_SUCCEED });
        }
        tokio::time::sleep(Duration::from_millis(args.poll_ms.max(50))).await;
    }
}

/// One event as a line: id, time of day (UTC), type, state name, then its details.
pub(crate) fn line(e: &Value, full: bool) -> String {
    let id = event_id(e);
    let kind = e.get("type").and_then(Value::as_str).unwrap_or("?");
    let time = e.get("timestamp").and_then(Value::as_f64).map(time_of_day).unwrap_or_default();
    let details = e
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.ends_with("EventDetails")))
        .and_then(|(_, v)| v.as_object());
    let mut out = format!("{id:>5} {time} {kind}");
    let Some(details) = details else { return out };
    if let Some(name) = details.get("name").and_then(Value::as_str) {
        out.push_str(&format!(" [{name}]"));
    }
    for key in ["resource", "error", "cause", "input", "output", "result"] {
        if let Some(v) = details.get(key) {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push_str(&format!(" {key}={}", cut(&text, full)));
        }
    }
    out
}

fn cut(text: &str, full: bool) -> String {
    let one_line = text.replace('\n', " ");
    const MAX: usize = 200;
    if full || one_line.chars().count() <= MAX {
        return one_line;
    }
    let head: String = one_line.chars().take(MAX).collect();
    format!("{head}…")
}

/// `HH:MM:SS.mmm` (UTC) of an epoch time in seconds.
fn time_of_day(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "--:--:--.---".to_string();
    }
    let millis = (seconds * 1000.0).round() as u64;
    let day = millis % 86_400_000;
    format!("{:02}:{:02}:{:02}.{:03}", day / 3_600_000, day / 60_000 % 60, day / 1000 % 60, day % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_show_id_time_type_state_and_details() {
        let e = json!({
            "id": 3, "type": "TaskStateEntered", "timestamp": 1764085248.5,
            "stateEnteredEventDetails": {"name": "Approve", "input": "{\"a\":1}"}
        });
        assert_eq!(line(&e, false), "    3 15:40:48.500 TaskStateEntered [Approve] input={\"a\":1}");
        let failed = json!({"id": 9, "type": "ExecutionFailed", "timestamp": 0.0,
            "executionFailedEventDetails": {"error": "States.TaskFailed", "cause": "x".repeat(300)}});
        let l = line(&failed, false);
        assert!(l.starts_with("    9 00:00:00.000 ExecutionFailed error=States.TaskFailed cause=xxx"), "{l}");
        assert!(l.ends_with('…') && l.chars().count() < 280, "{l}");
        assert_eq!(final_status(&failed), Some("FAILED"));
        assert_eq!(final_status(&e), None);
        // Malformed events still print.
        assert_eq!(line(&json!({"x": 1}), false), "    0  ?");
        assert_eq!(time_of_day(f64::NAN), "--:--:--.---");
    }
}
