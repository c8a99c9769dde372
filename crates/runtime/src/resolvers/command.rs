//! Runs a task as a local program: the task input as JSON on stdin, the result as JSON on
//! stdout (Lambda's contract, minus the runtime API).
//!
//! - Exit 0: stdout is the result. Empty stdout is `null`; anything else that is not JSON
//!   fails the task with `States.TaskFailed` (a program that printed a log line to stdout
//!   by mistake should be told, not have its log line passed on as a string).
//! - Non-zero exit (or death by a signal): if stdout or else stderr holds a Lambda-style
//!   error document, `{"errorType": "...", "errorMessage": "..."}` (the whole stream or its
//!   last line), that is the failure; otherwise the error is `CommandFailed` with the exit
//!   status and the tail of stderr as the cause.
//! - The environment adds `STATECRAFT_STATE_NAME`, `STATECRAFT_RESOURCE` and, for tasks
//!   that have one, `STATECRAFT_TASK_TOKEN`.
//! - The time limit is enforced by killing the program's whole process group (on Unix the
//!   program leads a group of its own), and so is dropping the call (a task cancelled by
//!   the engine).
//!
//! It does not run a shell: write `["sh", "-c", "..."]` for one.

use super::{data_limit, error_document, success_value, Call, Outcome, MAX_RESULT_BYTES};
use crate::config::CommandTarget;
use crate::invoke::{Invocation, TaskInvoker};
use async_trait::async_trait;
use statecraft_core::TaskRequest;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// How much of stderr is kept (the end of it).
const STDERR_KEPT: usize = 64 * 1024;
/// How much of the stderr tail goes into a cause.
const CAUSE_CHARS: usize = 2000;
/// How long pipes are still read after the program exits (a child it left behind may hold
/// them open).
const PIPE_GRACE: Duration = Duration::from_secs(2);

/// Runs tasks with a program. See the module documentation for the contract.
#[derive(Debug, Clone)]
pub struct CommandResolver {
    pub(crate) target: CommandTarget,
    pub(crate) timeout: Option<Duration>,
}

impl CommandResolver {
    pub fn new(target: CommandTarget) -> CommandResolver {
        CommandResolver { target, timeout: None }
    }

    /// An upper bound on each run, besides the state's `TimeoutSeconds`.
    pub fn with_timeout(self, timeout: Duration) -> CommandResolver {
        self.with_timeout_opt(Some(timeout))
    }

    pub(crate) fn with_timeout_opt(mut self, timeout: Option<Duration>) -> CommandResolver {
        self.timeout = timeout;
        self
    }

    pub(crate) async fn call(&self, call: &Call) -> Outcome {
        let program = self.target.program.display().to_string();
        let input = match serde_json::to_vec(&call.payload) {
            Ok(b) => b,
            Err(e) => return Outcome::failed("States.TaskFailed", format!("cannot encode the input: {e}")),
        };
        let mut cmd = tokio::process::Command::new(&self.target.program);
        cmd.args(&self.target.args)
            .current_dir(&self.target.cwd)
            .envs(&self.target.env)
            .env("STATECRAFT_STATE_NAME", &call.state_name)
            .env("STATECRAFT_RESOURCE", &call.resource)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        match &call.token {
            Some(t) => cmd.env("STATECRAFT_TASK_TOKEN", t),
            None => cmd.env_remove("STATECRAFT_TASK_TOKEN"),
        };
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Outcome::failed(
                    "States.TaskFailed",
                    format!(
                        "state '{}': cannot run {program} (in {}): {e}",
                        call.state_name,
                        self.target.cwd.display()
                    ),
                )
            }
        };
        let mut group = GroupKill(child.id());
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let writer = tokio::spawn(async move {
            if let Some(mut stdin) = stdin {
                // A program that does not read its input closes the pipe: not an error.
                let _ = stdin.write_all(&input).await;
                let _ = stdin.shutdown().await;
            }
        });
        let out_reader = tokio::spawn(read_capped(stdout, MAX_RESULT_BYTES));
        let err_reader = tokio::spawn(read_tail(stderr, STDERR_KEPT));
        let waited = match call.timeout {
            Some(limit) => tokio::time::timeout(limit, child.wait()).await.ok(),
            None => Some(child.wait().await),
        };
        let status = match waited {
            Some(Ok(status)) => status,
            Some(Err(e)) => {
                group.kill();
                return Outcome::failed("States.TaskFailed", format!("waiting for {program} failed: {e}"));
            }
            None => {
                group.kill();
                let _ = child.start_kill();
                let _ = tokio::time::timeout(PIPE_GRACE, child.wait()).await;
                writer.abort();
                out_reader.abort();
                err_reader.abort();
                let limit = call.timeout.map_or(0.0, |d| d.as_secs_f64());
                return Outcome::TimedOut {
                    cause: format!("command {program} did not finish within {limit} s and was killed"),
                };
            }
        };
        // Reaped: the id may be reused from now on, so never signal it again.
        group.disarm();
        writer.abort();
        let (stdout, overflow) = match tokio::time::timeout(PIPE_GRACE, out_reader).await {
            Ok(Ok(r)) => r,
            _ => (Vec::new(), false),
        };
        let stderr = match tokio::time::timeout(PIPE_GRACE, err_reader).await {
            Ok(Ok(r)) => r,
            _ => Vec::new(),
        };
        outcome(&program, call, status, &stdout, overflow, &stderr)
    }
}

fn outcome(
    program: &str,
    call: &Call,
    status: ExitStatus,
    stdout: &[u8],
    overflow: bool,
    stderr: &[u8],
) -> Outcome {
    let err_text = String::from_utf8_lossy(stderr);
    if status.success() {
        if overflow {
            return data_limit(&call.resource);
        }
        let mut outcome = success_value(stdout, &format!("command {program}"));
        if let Outcome::Returned(reply) = &mut outcome {
            reply.log_tail = Some(stderr[stderr.len().saturating_sub(4096)..].to_vec());
        }
        return outcome;
    }
    let out_text = String::from_utf8_lossy(stdout);
    if let Some(doc) = error_document(&out_text).or_else(|| error_document(&err_text)) {
        return doc;
    }
    let how = match status.code() {
        Some(code) => format!("exit status {code}"),
        None => signal_text(status),
    };
    let detail = err_text.trim();
    let cause = if detail.is_empty() {
        format!("command {program} failed with {how}")
    } else {
        format!("command {program} failed with {how}: {}", super::tail(detail, CAUSE_CHARS))
    };
    Outcome::failed("CommandFailed", cause)
}

#[cfg(unix)]
fn signal_text(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(s) => format!("signal {s}"),
        None => status.to_string(),
    }
}

#[cfg(not(unix))]
fn signal_text(status: ExitStatus) -> String {
    status.to_string()
}

/// Reads a stream to its end, keeping at most `limit` bytes; the flag tells whether more
/// came (the rest is drained so that the writer never blocks on a full pipe).
async fn read_capped(stream: Option<impl AsyncRead + Unpin>, limit: usize) -> (Vec<u8>, bool) {
    let Some(mut stream) = stream else { return (Vec::new(), false) };
    let mut kept = Vec::new();
    let mut overflow = false;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = limit.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                overflow |= n > room;
            }
        }
    }
    (kept, overflow)
}

/// Reads a stream to its end, keeping its last `keep` bytes.
async fn read_tail(stream: Option<impl AsyncRead + Unpin>, keep: usize) -> Vec<u8> {
    let Some(mut stream) = stream else { return Vec::new() };
    let mut kept: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * keep {
                    kept.drain(..kept.len() - keep);
                }
            }
        }
    }
    if kept.len() > keep {
        kept.drain(..kept.len() - keep);
    }
    kept
}

/// Kills the program's process group when the run ends early (time limit, or the call
/// dropped), so that its children go too.
struct GroupKill(Option<u32>);

impl GroupKill {
    fn kill(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            use nix::sys::signal::{killpg, Signal};
            use nix::unistd::Pid;
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        self.0 = None;
    }

    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for GroupKill {
    fn drop(&mut self) {
        self.kill();
    }
}

#[async_trait]
impl TaskInvoker for CommandResolver {
    async fn invoke(&self, request: &TaskRequest) -> Invocation {
        match super::prepare(request) {
            Ok(call) => super::run(&super::Backend::Command(self.clone()), call).await,
            Err(r) => Invocation::Done(r),
        }
    }
}
