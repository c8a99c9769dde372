//! Shared helpers for the end-to-end tests in `tests/tests/`: where the `statecraft` binary,
//! the examples and the shared corpora are, and how to run the binary.
//!
//! The tests drive the real binary (as users and the conformance runner do), so `make test`
//! builds it first; the helpers never build anything themselves.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The `statecraft` binary: `STATECRAFT_BIN`, else the one next to this test's profile
/// directory (`target/<profile>/statecraft`).
pub fn statecraft_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("STATECRAFT_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    // target/<profile>/deps/<test> -> target/<profile>/statecraft
    let profile_dir = exe.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    let bin = profile_dir.join(format!("statecraft{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} does not exist: build it first (`cargo build -p statecraft-cli`, as `make test` does) or set STATECRAFT_BIN",
        bin.display()
    );
    bin
}

/// Copies an example (a directory tree) to `to`, leaving out what a run of it leaves behind
/// (its data directory, outputs, Python caches, logs), so a test works on a clean copy.
pub fn copy_example(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let left_behind = [".statecraft", "results", "thumbnails", "__pycache__", "approvals.log"];
        if left_behind.iter().any(|n| name == *n) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            copy_example(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copy {}: {e}", src.display()));
        }
    }
}

/// Polls `probe` until it returns `Some`, or panics after `within` naming `what` (polling
/// interval, not a sleep standing in for a condition: 10 ms, doubling up to 200 ms).
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    let mut pause = Duration::from_millis(10);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

/// The shared corpora directory (`STATECRAFT_SHARED`, else `../shared` next to the
/// workspace), if present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("STATECRAFT_SHARED") {
        Some(p) => PathBuf::from(p),
        None => workspace().join("..").join("shared"),
    };
    dir.is_dir().then_some(dir)
}

/// Runs `statecraft` with arguments and returns its output.
pub fn statecraft(args: &[&str]) -> Output {
    Command::new(statecraft_bin())
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap_or_else(|e| panic!("cannot run statecraft: {e}"))
}

/// The last line of stdout parsed as JSON.
pub fn json_stdout(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {text}\nstderr: {}", String::from_utf8_lossy(&out.stderr))
    })
}

pub mod python;
pub mod serve;
