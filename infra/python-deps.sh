#!/usr/bin/env bash
# Prints the path of a python3 that can import boto3 and run the aws CLI (v1, `python -m
# awscli`), for the end-to-end tests (tests/e2e/). Installs them with pip into a venv under
# the cache directory the first time; later runs reuse it. Everything but the path goes to
# stderr, so `py=$(infra/python-deps.sh)` works. Exits non-zero when they cannot be had.
#
#   STATECRAFT_CACHE   cache directory (default: $XDG_CACHE_HOME/statecraft or ~/.cache/statecraft)
#   PYTHON             the interpreter to build the venv from (default: python3)
set -euo pipefail
cache="${STATECRAFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
venv="$cache/py-e2e"
py="$venv/bin/python"
check() { "$1" -c 'import boto3, botocore, awscli' >/dev/null 2>&1; }

if [ -x "$py" ] && check "$py"; then
  echo "$py"
  exit 0
fi
base="${PYTHON:-python3}"
command -v "$base" >/dev/null || { echo "python-deps: $base not found" >&2; exit 1; }
mkdir -p "$cache"
rm -rf "$venv"
if ! "$base" -m venv "$venv" >&2; then
  echo "python-deps: cannot create a venv with $base (Debian: apt-get install python3-venv)" >&2
  exit 1
fi
"$py" -m pip install --quiet --disable-pip-version-check boto3 awscli >&2
check "$py" || { echo "python-deps: boto3/awscli still not importable from $py" >&2; exit 1; }
echo "python-deps: installed boto3 and awscli into $venv" >&2
echo "$py"
