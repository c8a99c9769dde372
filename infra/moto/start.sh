#!/usr/bin/env bash
# Starts moto in server mode (a real process speaking AWS's wire protocols) on 127.0.0.1 for
# the integration tests, from the test venv (infra/python-deps.sh installs it when missing). Prints the endpoint (http://127.0.0.1:PORT) as the last line of stdout.
#
#   infra/moto/start.sh [PORT]        PORT defaults to $MOTO_PORT, else a free port
#
# Environment:
#   STATECRAFT_CACHE       where the venv and the pid/log files live
#                          (default ${XDG_CACHE_HOME:-$HOME/.cache}/statecraft)
#   MOTO_PARENT_PID        stop this moto when that process exits (test binaries pass their
#                          own pid, so no moto outlives `cargo test`)
#   MOTO_THREADED          1 (default): a thread per request. 0: one request at a
#                          time. moto's backends are not thread-safe: concurrent DynamoDB
#                          transactions fail with HTTP 500 ("dictionary changed size during
#                          iteration") and are not atomic against each other, so tests that
#                          commit concurrently (crates/serverless) ask for 0.
#
# Exit codes: 0 started (or already running on PORT), 2 Python/venv/pip unavailable (callers
# may skip), 1 moto did not come up.
set -euo pipefail

cache="${STATECRAFT_CACHE:-${STATECRAFT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}}"
mkdir -p "$cache"

# moto comes from the one test venv (infra/python-deps.sh); its exit code 2 (no Python, venv
# or pip) passes through so callers may skip.
status=0
python="$("$(dirname "$0")/../python-deps.sh")" || status=$?
if [[ $status -ne 0 ]]; then
  exit "$status"
fi
venv="$(dirname "$(dirname "$python")")"

port="${1:-${MOTO_PORT:-}}"
if [[ -z "$port" ]]; then
  port="$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
fi
endpoint="http://127.0.0.1:$port"
pidfile="$cache/moto-$port.pid"
logfile="$cache/moto-$port.log"

answers() {
  "$venv/bin/python" - "$endpoint" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=1).read()
except Exception:
    sys.exit(1)
PY
}

if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answers; then
  echo "$endpoint"
  exit 0
fi

# setsid: moto outlives this script and is stopped by stop.sh (or by the caller, by pid).
# server.py is moto's own WSGI app, with a faster (same-outcome) TransactWriteItems rollback.
setsid "$venv/bin/python" "$(dirname "$0")/server.py" 127.0.0.1 "$port" "${MOTO_THREADED:-1}" \
  >"$logfile" 2>&1 < /dev/null &
echo $! >"$pidfile"

if [[ -n "${MOTO_PARENT_PID:-}" ]]; then
  moto_pid="$(cat "$pidfile")"
  # A watchdog, detached like moto: polls the parent once a second.
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
    kill "$2" 2>/dev/null
    rm -f "$3" "$4"
  ' watchdog "$MOTO_PARENT_PID" "$moto_pid" "$pidfile" "$logfile" >/dev/null 2>&1 </dev/null &
fi

deadline=$((SECONDS + 60))
until answers; do
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "moto: moto_server exited; log follows" >&2
    cat "$logfile" >&2
    rm -f "$pidfile"
    exit 1
  fi
  if ((SECONDS > deadline)); then
    echo "moto: no answer from $endpoint within 60s; log follows" >&2
    cat "$logfile" >&2
    exit 1
  fi
  sleep 0.2
done
echo "$endpoint"
