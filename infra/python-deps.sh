#!/usr/bin/env bash
# Prints the path of a python3 that can import boto3 and run the aws CLI (v1, `python -m
# awscli`), for the end-to-end tests (tests/e2e/). Installs them with pip into a venv under
# the cache directory the first time; later runs reuse it. Everything but the path goes to
# stderr, so `py=$(infra/python-deps.sh)` works. Exits non-zero when they cannot be had.
#
#   infra/python-deps.sh sam   instead prints the bin directory of a venv with cfn-lint and
#                              the AWS SAM CLI (`sam validate --lint`, `sam build`, `sam
#                              deploy`), kept apart because they pin boto3/botocore themselves.
#
#   STATECRAFT_CACHE   cache directory (default: $XDG_CACHE_HOME/statecraft or ~/.cache/statecraft)
#   PYTHON             the interpreter to build the venv from (default: python3)
set -euo pipefail
cache="${STATECRAFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
if [ "${1:-}" = sam ]; then
  venv="$cache/sam-venv"
  packages=(cfn-lint aws-sam-cli)
  check() { "$venv/bin/sam" --version >/dev/null 2>&1 && "$venv/bin/cfn-lint" --version >/dev/null 2>&1; }
  result="$venv/bin"
else
  venv="$cache/py-e2e"
  packages=(boto3 awscli)
  check() { "$venv/bin/python" -c 'import boto3, botocore, awscli' >/dev/null 2>&1; }
  result="$venv/bin/python"
fi
py="$venv/bin/python"

if [ -x "$py" ] && check; then
  echo "$result"
  exit 0
fi
base="${PYTHON:-python3}"
command -v "$base" >/dev/null || { echo "python-deps: $base not found" >&2; exit 1; }
mkdir -p "$cache"
# One installer at a time: test binaries may start in parallel.
exec 9>"$cache/$(basename "$venv").lock"
if command -v flock >/dev/null; then flock 9; fi
if [ -x "$py" ] && check; then
  echo "$result"
  exit 0
fi
rm -rf "$venv"
if ! "$base" -m venv "$venv" >&2; then
  echo "python-deps: cannot create a venv with $base (Debian: apt-get install python3-venv)" >&2
  exit 1
fi
"$py" -m pip install --quiet --disable-pip-version-check "${packages[@]}" >&2
check || { echo "python-deps: ${packages[*]} still not usable from $venv" >&2; exit 1; }
echo "python-deps: installed ${packages[*]} into $venv" >&2
echo "$result"
