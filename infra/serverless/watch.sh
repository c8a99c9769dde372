#!/usr/bin/env bash
# Serves the test target functions (infra/serverless/functions/targets) with `cargo lambda
# watch` on 127.0.0.1:PORT, in a process group of its own that is killed when this script's
# standard input closes (the test process holds it: nothing outlives the tests).
#
#   infra/serverless/watch.sh PORT
set -euo pipefail
port="$1"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here/functions/targets"
# Its own target dir: the test build holds the workspace's while tests run.
setsid cargo lambda watch --quiet --ignore-changes -A 127.0.0.1 -P "$port" --concurrency 4 \
  --target-dir "$root/target/lambda-targets" </dev/null >"$root/target/lambda-watch-$port.log" 2>&1 &
pid=$!
trap 'kill -- -"$pid" 2>/dev/null || true' EXIT
cat >/dev/null || true
