#!/usr/bin/env bash
# Prints the path of a python3 that has everything in infra/requirements.txt (boto3, the aws
# CLI v1 as `python -m awscli`, moto in server mode), installing them with pip into one venv
# under the cache directory the first time (later runs reuse it; a changed requirements file
# reinstalls). Everything but the path goes to stderr, so `py=$(infra/python-deps.sh)` works.
#
# Exit codes: 0 ready; 2 Python, venv or pip unavailable (callers may skip, unless
# STATECRAFT_E2E_REQUIRED=1); 1 pip failed.
#
#   STATECRAFT_CACHE   cache directory (default: $XDG_CACHE_HOME/statecraft or ~/.cache/statecraft)
#   PYTHON             the interpreter to build the venv from (default: python3)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
req="$here/requirements.txt"
cache="${STATECRAFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
venv="$cache/py"
py="$venv/bin/python"
stamp="$venv/.requirements"

ready() { [ -x "$py" ] && cmp -s "$req" "$stamp" && "$py" -c 'import boto3, awscli, moto.server' >/dev/null 2>&1; }

if ready; then echo "$py"; exit 0; fi
base="${PYTHON:-python3}"
command -v "$base" >/dev/null || { echo "python-deps: $base not found" >&2; exit 2; }
mkdir -p "$cache"
# One installer at a time: test binaries start in parallel.
exec 9>"$cache/py.lock"
command -v flock >/dev/null && flock 9
if ready; then echo "$py"; exit 0; fi
rm -rf "$venv"
if ! "$base" -m venv "$venv" >&2 || ! "$py" -m pip --version >/dev/null 2>&1; then
  echo "python-deps: cannot create a venv with pip using $base (Debian: apt-get install python3-venv)" >&2
  rm -rf "$venv"
  exit 2
fi
echo "python-deps: installing $(grep -cv '^#' "$req") requirements into $venv" >&2
if ! "$py" -m pip install --quiet --disable-pip-version-check -r "$req" >&2; then
  echo "python-deps: pip install -r $req failed" >&2
  rm -rf "$venv"
  exit 1
fi
cp "$req" "$stamp"
ready || { echo "python-deps: the requirements are still not importable from $py" >&2; exit 1; }
echo "$py"
