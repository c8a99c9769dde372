#!/usr/bin/env bash
# Prints the path of a python3 with ministack and aws-sam-translator (infra/ministack/
# requirements.txt), installed into the cached venv `ministack-venv` by infra/venv.sh (which
# documents the exit codes and the cache directory). Kept apart from infra/python-deps.sh's venv
# because ministack pins botocore exactly (see requirements.txt).
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../venv.sh" ministack-venv "$here/requirements.txt" 'import ministack, samtranslator, boto3'
