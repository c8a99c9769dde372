#!/usr/bin/env bash
# Starts moto in server mode (a real process speaking AWS's wire protocols) on 127.0.0.1 for
# the integration tests, installing `moto[server]` into a venv under the cache dir first if it
# is missing. Prints the endpoint (http://127.0.0.1:PORT) as the last line of stdout.
#
#   infra/moto/start.sh [PORT]        PORT defaults to $MOTO_PORT, else a free port
#
# Environment:
#   STATECRAFT_CACHE_DIR   where the venv and the pid/log files live
#                          (default ${XDG_CACHE_HOME:-$HOME/.cache}/statecraft)
#   MOTO_VERSION           pip requirement for moto (default: moto[server]>=5,<6)
#   MOTO_PARENT_PID        stop this moto when that process exits (test binaries pass their
#                          own pid, so no moto outlives `cargo test`)
#   MOTO_THREADED          1 (default): moto_server, a thread per request. 0: one request at a
#                          time. moto's backends are not thread-safe: concurrent DynamoDB
#                          transactions fail with HTTP 500 ("dictionary changed size during
#                          iteration") and are not atomic against each other, so tests that
#                          commit concurrently (crates/serverless) ask for 0.
#
# Exit codes: 0 started (or already running on PORT), 2 Python/venv/pip unavailable (callers
# may skip), 1 moto did not come up.
set -euo pipefail

cache="${STATECRAFT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
venv="$cache/moto-venv"
req="${MOTO_VERSION:-moto[server]>=5,<6}"
mkdir -p "$cache"

python="$(command -v python3 || true)"
if [[ -z "$python" ]]; then
  echo "moto: python3 not found" >&2
  exit 2
fi

if [[ ! -x "$venv/bin/moto_server" ]]; then
  # One installer at a time: test binaries may start in parallel.
  exec 9>"$cache/moto-install.lock"
  if command -v flock >/dev/null; then flock 9; fi
  if [[ ! -x "$venv/bin/moto_server" ]]; then
    echo "moto: installing '$req' into $venv" >&2
    if ! "$python" -m venv "$venv" >&2; then
      echo "moto: python3 -m venv failed (is the venv module installed?)" >&2
      rm -rf "$venv"
      exit 2
    fi
    if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
      echo "moto: pip is unavailable in the venv" >&2
      rm -rf "$venv"
      exit 2
    fi
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$req" >&2; then
      echo "moto: pip install '$req' failed" >&2
      rm -rf "$venv"
      exit 2
    fi
  fi
  exec 9>&-
fi

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
if [[ "${MOTO_THREADED:-1}" == 0 ]]; then
  setsid "$venv/bin/python" -c '
import sys
from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
app = DomainDispatcherApplication(create_backend_app)
make_server(sys.argv[1], int(sys.argv[2]), app, threaded=False).serve_forever()
' 127.0.0.1 "$port" >"$logfile" 2>&1 < /dev/null &
else
  setsid "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$logfile" 2>&1 < /dev/null &
fi
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
