#!/usr/bin/env bash
# Stops a ministack started by start.sh: `infra/ministack/stop.sh PORT`, or every one it
# started when no port is given (by the pids it recorded, never by process name).
set -euo pipefail
cache="${STATECRAFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
shopt -s nullglob
if [[ $# -gt 0 ]]; then
  pidfiles=("$cache/ministack-$1.pid")
else
  pidfiles=("$cache"/ministack-*.pid)
fi
for f in "${pidfiles[@]}"; do
  [[ -f "$f" ]] || continue
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    # The process group: ministack (a session leader, started with setsid) and the function
    # processes it spawned.
    kill -- "-$pid" 2>/dev/null || kill "$pid" || true
  fi
  rm -f "$f" "${f%.pid}.log"
  rm -rf "${f%.pid}.tmp"
done
