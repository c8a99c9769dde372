#!/usr/bin/env bash
# Prints the bin directory of a venv with cfn-lint and the AWS SAM CLI (`sam validate --lint`,
# `sam build`, `sam deploy`), installing them with pip under the cache directory the first time.
# Kept apart from infra/python-deps.sh's venv because the SAM CLI pins boto3/botocore itself.
# Everything but the path goes to stderr. Exit 2 when Python, venv or pip is unavailable.
#
#   STATECRAFT_CACHE   cache directory (default: $XDG_CACHE_HOME/statecraft or ~/.cache/statecraft)
#   PYTHON             the interpreter to build the venv from (default: python3)
set -euo pipefail
cache="${STATECRAFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
venv="$cache/sam-venv"
ready() { "$venv/bin/sam" --version >/dev/null 2>&1 && "$venv/bin/cfn-lint" --version >/dev/null 2>&1; }
if ready; then echo "$venv/bin"; exit 0; fi
base="${PYTHON:-python3}"
command -v "$base" >/dev/null || { echo "sam-deps: $base not found" >&2; exit 2; }
mkdir -p "$cache"
exec 9>"$cache/sam-venv.lock"
command -v flock >/dev/null && flock 9
if ready; then echo "$venv/bin"; exit 0; fi
rm -rf "$venv"
if ! "$base" -m venv "$venv" >&2 || ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  echo "sam-deps: cannot create a venv with pip using $base" >&2
  rm -rf "$venv"
  exit 2
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check cfn-lint aws-sam-cli >&2
ready || { echo "sam-deps: cfn-lint/sam still not usable from $venv" >&2; exit 1; }
echo "$venv/bin"
