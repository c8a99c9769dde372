#!/usr/bin/env bash
# Installs what the serverless integration tests need, from PyPI: moto in server mode (SQS,
# SNS) and cargo-lambda (serves the target functions with `cargo lambda watch`).
set -euo pipefail
python3 -c 'import moto.server, flask' 2>/dev/null || python3 -m pip install --quiet 'moto[server]>=5,<6'
command -v cargo-lambda >/dev/null || python3 -m pip install --quiet 'cargo-lambda>=1.8,<2'
