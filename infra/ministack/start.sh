#!/usr/bin/env bash
# Starts ministack (a local AWS emulator: CloudFormation with the SAM transform, Lambda running
# provided.* bootstraps as local processes behind a Lambda Runtime API, SQS event source
# mappings, DynamoDB, SNS, API Gateway v2) on 127.0.0.1 for the deployed-shape serverless
# tests, from its venv (infra/ministack/deps.sh installs it when missing). Prints the endpoint
# (http://127.0.0.1:PORT) as the last line of stdout.
#
#   infra/ministack/start.sh [PORT]    PORT defaults to $MINISTACK_PORT, else a free port
#
# Environment:
#   STATECRAFT_CACHE         where the venv and the pid/log files live
#                            (default ${XDG_CACHE_HOME:-$HOME/.cache}/statecraft)
#   MINISTACK_PARENT_PID     stop this ministack when that process exits (test binaries pass
#                            their own pid, so no ministack outlives `cargo test`)
#
# The functions ministack runs inherit its environment; AWS_ENDPOINT_URL is set to this
# ministack so their SDK clients call back into it.
#
# Exit codes: 0 started (or already running on PORT), 2 Python/venv/pip unavailable (callers
# may skip), 1 ministack did not come up.
set -euo pipefail

cache="${STATECRAFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
mkdir -p "$cache"

status=0
python="$("$(dirname "$0")/deps.sh")" || status=$?
if [[ $status -ne 0 ]]; then
  exit "$status"
fi

port="${1:-${MINISTACK_PORT:-}}"
if [[ -z "$port" ]]; then
  port="$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
fi
endpoint="http://127.0.0.1:$port"
pidfile="$cache/ministack-$port.pid"
logfile="$cache/ministack-$port.log"
# ministack's temporary files (each function's unpacked code: some 400 MB for the debug
# bootstraps), removed with it by stop.sh or the watchdog.
tmpdir="$cache/ministack-$port.tmp"

answers() {
  "$python" - "$endpoint" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/_ministack/health", timeout=1).read()
except Exception:
    sys.exit(1)
PY
}

if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answers; then
  echo "$endpoint"
  exit 0
fi

# The functions inherit ministack's environment: the caller's AWS_* and STATECRAFT_* variables
# (a real account's credentials or endpoints, a STATECRAFT_TOKEN) stay out of it.
unset_args=()
while IFS= read -r v; do unset_args+=(-u "$v"); done < <(compgen -e | grep -E '^(AWS_|STATECRAFT_)' || true)
# Logs of earlier runs (kept for a failed test's post-mortem), and temporary files a killed
# watchdog left, go after a day.
find "$cache" -maxdepth 1 -name 'ministack-*.log' -mtime +1 -delete 2>/dev/null || true
find "$cache" -maxdepth 1 -name 'ministack-*.tmp' -mtime +1 -exec rm -rf {} + 2>/dev/null || true
rm -f "$pidfile"
rm -rf "$tmpdir" && mkdir -p "$tmpdir"
# setsid: ministack outlives this script, in a session (and process group) of its own with
# the function processes it spawns, stopped by stop.sh or the watchdog below. The shell records
# its own pid, which `exec` hands to ministack. Its working directory is the cache, so what it
# writes stays out of the source tree.
env ${unset_args[@]+"${unset_args[@]}"} TMPDIR="$tmpdir" GATEWAY_PORT="$port" BIND_HOST=127.0.0.1 AWS_ENDPOINT_URL="$endpoint" MINISTACK_HOST=localhost \
  setsid bash -c 'echo $$ >"$1"; cd "$2" && exec "$3" -m ministack' ministack "$pidfile" "$cache" "$python" \
  >"$logfile" 2>&1 </dev/null &
for _ in $(seq 50); do [[ -s "$pidfile" ]] && break; sleep 0.1; done

if [[ -n "${MINISTACK_PARENT_PID:-}" ]]; then
  ms_pid="$(cat "$pidfile")"
  # A watchdog, detached like ministack: polls the parent once a second, then stops
  # ministack's process group (ministack and the function processes it spawned). The log is kept
  # (it has the functions' output) until stop.sh or the next start on this port.
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
    kill -- "-$2" 2>/dev/null
    rm -f "$3"
    sleep 1
    rm -rf "$4"
  ' watchdog "$MINISTACK_PARENT_PID" "$ms_pid" "$pidfile" "$tmpdir" >/dev/null 2>&1 </dev/null &
fi

deadline=$((SECONDS + 60))
until answers; do
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "ministack: it exited; log follows" >&2
    cat "$logfile" >&2
    rm -f "$pidfile"
    exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "ministack: no answer from $endpoint within 60s; log follows" >&2
    cat "$logfile" >&2
    exit 1
  fi
  sleep 0.2
done
echo "ministack: $endpoint (log: $logfile)" >&2
echo "$endpoint"
