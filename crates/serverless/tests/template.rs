//! The SAM templates (the stack's at the repository root, and the manual-approval example's)
//! pass `cfn-lint` and `sam validate --lint` (both
//! offline, no credentials). The tools are looked for on `PATH`, then in the venv that
//! `infra/sam-deps.sh` (and `make lint-template`) installs them into; when neither has
//! them the test says so loudly and passes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `tool` on PATH, else in the cached SAM venv.
fn find(tool: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(tool)).collect::<Vec<_>>())
        .unwrap_or_default();
    let cache = std::env::var_os("STATECRAFT_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|c| PathBuf::from(c).join("statecraft")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/statecraft")));
    let cached = cache.map(|c| c.join("sam-venv/bin").join(tool));
    on_path.into_iter().chain(cached).find(|p| p.is_file())
}

fn skip(tool: &str) {
    if std::env::var("STATECRAFT_E2E_REQUIRED").is_ok_and(|v| v == "1") {
        panic!("{tool} is not installed and STATECRAFT_E2E_REQUIRED=1 (`infra/sam-deps.sh` installs it)");
    }
    // Straight to stderr: the test harness captures eprintln! of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "\n!! SKIPPING the {tool} check of template.yaml: {tool} is not installed \
         (`infra/sam-deps.sh` or `make lint-template` installs it)\n"
    );
}

fn run(tool: &Path, args: &[&str]) {
    let out = Command::new(tool)
        .args(args)
        .current_dir(root())
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("SAM_CLI_TELEMETRY", "0")
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", tool.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed ({}):\n{}\n{}",
        tool.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const TEMPLATES: [&str; 2] = ["template.yaml", "examples/manual-approval/template.yaml"];

#[test]
fn templates_pass_cfn_lint() {
    for t in TEMPLATES {
        assert!(root().join(t).is_file(), "{t} is missing");
    }
    match find("cfn-lint") {
        Some(tool) => run(&tool, &TEMPLATES),
        None => skip("cfn-lint"),
    }
}

#[test]
fn templates_pass_sam_validate_lint() {
    match find("sam") {
        Some(tool) => {
            for t in TEMPLATES {
                run(&tool, &["validate", "--lint", "--template", t, "--region", "us-east-1"]);
            }
        }
        None => skip("sam"),
    }
}
