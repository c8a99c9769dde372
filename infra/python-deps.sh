#!/usr/bin/env bash
# Prints the path of a python3 that has everything in infra/requirements.txt (boto3, the aws
# CLI v1 as `python -m awscli`, moto in server mode), installed into the cached venv `py` by
# infra/venv.sh (which documents the exit codes and the cache directory).
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/venv.sh" py "$here/requirements.txt" 'import boto3, awscli, moto.server'
