#!/usr/bin/env bash
# Stops a moto started by start.sh: `infra/moto/stop.sh PORT`, or every one it started when no
# port is given (by the pids it recorded, never by process name).
set -euo pipefail
cache="${STATECRAFT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
shopt -s nullglob
if [[ $# -gt 0 ]]; then
  pidfiles=("$cache/moto-$1.pid")
else
  pidfiles=("$cache"/moto-*.pid)
fi
for f in "${pidfiles[@]}"; do
  [[ -f "$f" ]] || continue
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" || true
  fi
  rm -f "$f" "${f%.pid}.log"
done
