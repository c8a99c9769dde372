#!/usr/bin/env bash
# Benchmarks on the shared workloads (../shared/bench): per-workload transitions per second of
# the release binary, then the side-by-side comparison with the fastest peer process.
# usage: bench/run.sh [--runs N] [WORKLOAD...]
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${STATECRAFT_SHARED:-../shared}"
BIN="${BIN:-target/release/statecraft}"
[ -x "$BIN" ] || cargo build --release -p statecraft-cli
RUNS=5
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
[ ${#ARGS[@]} -gt 0 ] || ARGS=(pass-chain-1000 choice-loop-10k map-10k parallel-50x20 intrinsics-mix jsonata-loop)
echo "== in-process transitions/s (cargo bench)"
cargo bench -p statecraft-core --bench transitions -- "${ARGS[@]}" || true
echo "== side by side with the fastest peer (whole processes)"
bash "$SHARED/bench/compare.sh" "$BIN" --runs "$RUNS" "${ARGS[@]}"
