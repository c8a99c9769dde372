#!/usr/bin/env bash
# Provisions one cached venv from a requirements file and prints its python's path: the one
# mechanism behind infra/python-deps.sh, infra/sam-deps.sh and infra/ministack/deps.sh (three
# venvs because their packages pin botocore differently). The first call creates the venv and
# installs the requirements; later calls reuse it; a changed requirements file reinstalls.
# Everything but the path goes to stderr, so `py=$(infra/venv.sh ...)` works.
#
#   infra/venv.sh NAME REQUIREMENTS CHECK
#     NAME          the venv's directory under the cache (py, sam-venv, ministack-venv)
#     REQUIREMENTS  a pip requirements file
#     CHECK         Python that must run without error once installed (e.g. 'import boto3')
#
# Exit codes: 0 ready; 2 Python, venv or pip unavailable (callers may skip, unless
# STATECRAFT_E2E_REQUIRED=1); 1 pip failed.
#
#   STATECRAFT_CACHE   cache directory (default: $XDG_CACHE_HOME/statecraft or ~/.cache/statecraft)
#   PYTHON             the interpreter to build the venv from (default: python3)
set -euo pipefail
name="$1" req="$2" check="$3"
cache="${STATECRAFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/statecraft}"
venv="$cache/$name"
py="$venv/bin/python"
stamp="$venv/.requirements"

ready() { [ -x "$py" ] && cmp -s "$req" "$stamp" && "$py" -c "$check" >/dev/null 2>&1; }

if ready; then echo "$py"; exit 0; fi
base="${PYTHON:-python3}"
command -v "$base" >/dev/null || { echo "$name: $base not found" >&2; exit 2; }
mkdir -p "$cache"
# One installer at a time: test binaries start in parallel.
exec 9>"$cache/$name.lock"
command -v flock >/dev/null && flock 9
if ready; then echo "$py"; exit 0; fi
rm -rf "$venv"
if ! "$base" -m venv "$venv" >&2 || ! "$py" -m pip --version >/dev/null 2>&1; then
  echo "$name: cannot create a venv with pip using $base (Debian: apt-get install python3-venv)" >&2
  rm -rf "$venv"
  exit 2
fi
echo "$name: installing $req into $venv" >&2
if ! "$py" -m pip install --quiet --disable-pip-version-check -r "$req" >&2; then
  echo "$name: pip install -r $req failed" >&2
  rm -rf "$venv"
  exit 1
fi
cp "$req" "$stamp"
ready || { echo "$name: still not usable from $py after installing $req" >&2; exit 1; }
echo "$py"
