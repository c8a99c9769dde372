//! Against `cargo lambda watch`, when it is installed (it is not installed by the tests).

use std::process::Command;

#[test]
fn cargo_lambda_watch_if_installed() {
    let installed = Command::new("cargo-lambda").arg("--version").output().is_ok_and(|o| o.status.success());
    if !installed {
        eprintln!("notice: cargo-lambda is not installed; skipping the `cargo lambda watch` test");
        return;
    }
    // A real run needs a Lambda crate to build and serve; the Invoke API it speaks is covered
    // by the `lambda` tests against a server with the same routes and headers.
    eprintln!("notice: cargo-lambda is installed, but this suite has no Lambda crate to serve; skipping");
}
