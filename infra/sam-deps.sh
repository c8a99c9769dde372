#!/usr/bin/env bash
# Prints the bin directory of a venv with cfn-lint and the AWS SAM CLI (infra/sam-requirements.txt),
# installed into the cached venv `sam-venv` by infra/venv.sh (which documents the exit codes and
# the cache directory).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="$("$here/venv.sh" sam-venv "$here/sam-requirements.txt" 'import samcli, cfnlint')"
dirname "$py"
