#!/usr/bin/env bash
# Prints the path of a python3 with ministack and aws-sam-translator (infra/ministack/
# requirements.txt), installing them with pip into a venv under the cache directory the first
# time (a changed requirements file reinstalls). Kept apart from infra/python-deps.sh's venv
# because ministack pins botocore exactly (see requirements.txt). Everything but the path goes
# to stderr.
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
venv="$cache/ministack-venv"
py="$venv/bin/python"
stamp="$venv/.requirements"

ready() { [ -x "$py" ] && cmp -s "$req" "$stamp" && "$py" -c 'import ministack, samtranslator, boto3' >/dev/null 2>&1; }

if ready; then echo "$py"; exit 0; fi
base="${PYTHON:-python3}"
command -v "$base" >/dev/null || { echo "ministack-deps: $base not found" >&2; exit 2; }
mkdir -p "$cache"
exec 9>"$cache/ministack-venv.lock"
command -v flock >/dev/null && flock 9
if ready; then echo "$py"; exit 0; fi
rm -rf "$venv"
if ! "$base" -m venv "$venv" >&2 || ! "$py" -m pip --version >/dev/null 2>&1; then
  echo "ministack-deps: cannot create a venv with pip using $base (Debian: apt-get install python3-venv)" >&2
  rm -rf "$venv"
  exit 2
fi
echo "ministack-deps: installing $req into $venv" >&2
if ! "$py" -m pip install --quiet --disable-pip-version-check -r "$req" >&2; then
  echo "ministack-deps: pip install -r $req failed" >&2
  rm -rf "$venv"
  exit 1
fi
cp "$req" "$stamp"
ready || { echo "ministack-deps: ministack is still not importable from $py" >&2; exit 1; }
echo "$py"
