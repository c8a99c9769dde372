//! `statecraft serve` as a child process of a test: its own data directory (a temporary one
//! unless given), a port the kernel picks (`--bind 127.0.0.1:0`, read back from the line the
//! server prints once it listens, so two tests never race for a port), its stderr kept for
//! failure messages, and killed when dropped.
//!
//! It does not wait for anything but the listening line: the server recovers executions
//! before it binds, so once it listens it serves.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a server may take to start listening.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// How to start a server.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The data directory (default: a fresh temporary one, removed with the server).
    pub data_dir: Option<PathBuf>,
    /// `--config`: a `statecraft.toml`.
    pub config: Option<PathBuf>,
    /// `--token`.
    pub token: Option<String>,
    /// `--bind` (default `127.0.0.1:0`).
    pub bind: Option<String>,
    /// Further arguments.
    pub args: Vec<String>,
    /// Environment variables added to the server's.
    pub env: Vec<(String, String)>,
}

impl ServeOptions {
    pub fn new() -> ServeOptions {
        ServeOptions::default()
    }

    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> ServeOptions {
        self.data_dir = Some(dir.into());
        self
    }

    pub fn config(mut self, file: impl Into<PathBuf>) -> ServeOptions {
        self.config = Some(file.into());
        self
    }

    pub fn token(mut self, token: impl Into<String>) -> ServeOptions {
        self.token = Some(token.into());
        self
    }

    pub fn bind(mut self, addr: impl Into<String>) -> ServeOptions {
        self.bind = Some(addr.into());
        self
    }

    pub fn arg(mut self, arg: impl Into<String>) -> ServeOptions {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> ServeOptions {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Starts the server and waits until it listens.
    pub fn start(self) -> Server {
        self.try_start().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts the server; `Err` carries its stderr when it exits before listening.
    pub fn try_start(self) -> Result<Server, String> {
        let tmp = match &self.data_dir {
            Some(_) => None,
            None => Some(tempfile::tempdir().map_err(|e| format!("cannot create a temp dir: {e}"))?),
        };
        let data_dir = match (&self.data_dir, &tmp) {
            (Some(d), _) => d.clone(),
            (None, Some(t)) => t.path().join("data"),
            (None, None) => unreachable!("a temp dir is made when none is given"),
        };
        let mut server =
            Server { child: None, addr: None, log: Arc::default(), data_dir, options: self, _tmp: tmp };
        server.spawn()?;
        Ok(server)
    }
}

/// A running `statecraft serve`, killed (SIGKILL) when dropped.
pub struct Server {
    child: Option<Child>,
    addr: Option<SocketAddr>,
    log: Arc<Mutex<String>>,
    data_dir: PathBuf,
    options: ServeOptions,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    /// A server with the defaults: loopback, no token, no project file, a temporary data
    /// directory.
    pub fn start() -> Server {
        ServeOptions::new().start()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr.expect("the server is running")
    }

    pub fn port(&self) -> u16 {
        self.addr().port()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Everything the server wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// SIGKILL, as a crash would: no shutdown code runs.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.addr = None;
    }

    /// Starts the server again on the same data directory (after [`Server::kill`]); it
    /// listens on a new port.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(e) = self.spawn() {
            panic!("{e}");
        }
    }

    fn spawn(&mut self) -> Result<(), String> {
        let o = &self.options;
        let bin = crate::statecraft_bin();
        let mut cmd = Command::new(&bin);
        cmd.arg("serve")
            .arg("--bind")
            .arg(o.bind.as_deref().unwrap_or("127.0.0.1:0"))
            .arg("--data-dir")
            .arg(&self.data_dir);
        if let Some(c) = &o.config {
            cmd.arg("--config").arg(c);
        }
        if let Some(t) = &o.token {
            cmd.arg("--token").arg(t);
        }
        cmd.args(&o.args);
        std::fs::create_dir_all(&self.data_dir).map_err(|e| format!("cannot create the data dir: {e}"))?;
        // Run in the data directory so that no statecraft.toml of the workspace is picked up.
        cmd.current_dir(&self.data_dir)
            .env_remove("STATECRAFT_TOKEN")
            .envs(o.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        let log = self.log.clone();
        let reader = std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                {
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    log.push_str(&line);
                    log.push('\n');
                }
                // After the line is in the log, so that a test that reads the log once the
                // server listens finds it.
                if let Some(addr) = listening_addr(&line) {
                    let _ = tx.send(addr);
                }
            }
        });
        self.child = Some(child);
        let started = rx.recv_timeout(START_DEADLINE);
        match started {
            Ok(addr) => {
                self.addr = Some(addr);
                Ok(())
            }
            Err(e) => {
                let mut child = self.child.take().expect("spawned above");
                let how = match e {
                    // Stderr closed: the server is exiting on its own.
                    mpsc::RecvTimeoutError::Disconnected => match child.wait() {
                        Ok(status) => format!("it exited with {status}"),
                        Err(e) => format!("waiting for it failed: {e}"),
                    },
                    mpsc::RecvTimeoutError::Timeout => {
                        let _ = child.kill();
                        let _ = child.wait();
                        format!("it printed no listening line within {START_DEADLINE:?} and was killed")
                    }
                };
                let _ = reader.join();
                Err(format!("statecraft serve did not start: {how}; its stderr:\n{}", self.log()))
            }
        }
    }

    /// The exit status if the server has exited.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn listening_addr(line: &str) -> Option<SocketAddr> {
    let rest = line.split("listening on http://").nth(1)?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_the_listening_line() {
        let line =
            "statecraft serve: listening on http://127.0.0.1:40123 (data in /tmp/x, 0 execution(s) resumed)";
        assert_eq!(super::listening_addr(line), Some("127.0.0.1:40123".parse().unwrap()));
        assert_eq!(super::listening_addr("nothing"), None);
    }
}
