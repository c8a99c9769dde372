#!/usr/bin/env bash
# statecraft serve over HTTP on loopback, measured with wrk (not part of `make test`):
#
#   1. the ceiling: the same wrk script against nginx answering a fixed body on this machine;
#   2. StartExecution/s and p50/p99 latency against a machine whose first state is a long Wait
#      (so the start is the work), then a check that every acknowledged start is listed;
#   3. memory (RSS of serve) and disk (data dir) per 100,000 waiting executions, and how long
#      a restart takes to recover them;
#   4. hello-world (one Pass) executions completed per second.
#
# usage: bench/serve.sh            (env: DURATION=15 THREADS=2 CONNS=32 WAITING=100000 BIN=...)
# Installs wrk and nginx-light with apt when missing. Prints a table at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-target/release/statecraft}"
DURATION="${DURATION:-15}"
THREADS="${THREADS:-2}"
CONNS="${CONNS:-32}"
WAITING="${WAITING:-100000}"
HERE="$PWD/bench"

[ -x "$BIN" ] || cargo build --release -p statecraft-cli
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  apt-get install -y wrk nginx-light >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk nginx-light >/dev/null; }
fi

work="$(mktemp -d)"
SERVE_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
api() { python3 "$HERE/serve-api.py" "$@"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
declare -a ROWS=()
row() { ROWS+=("$(printf '| %-58s | %s |' "$1" "$2")"); }

# Starts serve on DATA (a new port each time); sets SERVE_PID and EP.
start_serve() {
  local data="$1" log="$work/serve-$RANDOM.log"
  local began
  began=$(date +%s.%N)
  : >"$log"
  "$BIN" serve --bind 127.0.0.1:0 --data-dir "$data" 2>"$log" &
  SERVE_PID=$!
  for _ in $(seq 1 6000); do
    EP=$(sed -n 's/.*listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$log")
    [ -n "$EP" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$log"; echo "serve exited" >&2; exit 1; }
    sleep 0.05 # polling interval
  done
  [ -n "$EP" ] || { echo "serve did not start" >&2; exit 1; }
  STARTUP_S=$(echo "$(date +%s.%N) - $began" | bc)
}

stop_serve() {
  kill -9 "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" 2>/dev/null || true
  SERVE_PID=""
}

run_wrk() { # ENDPOINT SM_ARN [ACK_FILE] -> the RESULT line
  SM_ARN="${2:-}" ACK_FILE="${3:-}" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 10s \
    -s "$HERE/serve-start.lua" "$1/" | grep '^RESULT'
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(load)"
echo "== wrk: $THREADS threads, $CONNS connections, ${DURATION}s per run; serve: $BIN"

# 1. The ceiling: nginx returning a fixed StartExecution answer.
mkdir -p "$work/nginx/logs"
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log stderr error;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/x-amz-json-1.0;
      return 200 '{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:Bench:00000000-0000-4000-8000-000000000000","startDate":1.767225600E9}';
    }
  }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 1 200); do curl -sf -X POST "http://127.0.0.1:$nginx_port/" >/dev/null && break; sleep 0.05; done
echo "== nginx (fixed body), load $(load)"
NGINX=$(run_wrk "http://127.0.0.1:$nginx_port")
echo "$NGINX"
kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""

# 2. StartExecution into a long Wait.
start_serve "$work/waiting"
rss0=$(rss_kb "$SERVE_PID")
disk0=$(du -sb "$work/waiting" | cut -f1)
WAIT_SM=$(api "$EP" create Waiting '{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":86400,"End":true}}}')
echo "== StartExecution (first state: Wait 86400 s), load $(load)"
START=$(run_wrk "$EP" "$WAIT_SM" "$work/acked.txt")
echo "$START"
load_start=$(load)
api "$EP" names "$WAIT_SM" "$work/listed.txt"
acked=$(wc -l <"$work/acked.txt")
listed=$(wc -l <"$work/listed.txt")
missing=$(sort -u "$work/listed.txt" | comm -23 <(sort -u "$work/acked.txt") - | wc -l)
echo "acknowledged $acked, listed $listed, acknowledged but not listed: $missing"

# 3. Top up to WAITING waiting executions, then memory and disk.
runs=0
while [ "$listed" -lt "$WAITING" ] && [ "$runs" -lt 20 ]; do
  run_wrk "$EP" "$WAIT_SM" >/dev/null
  listed=$(api "$EP" count "$WAIT_SM")
  runs=$((runs + 1))
done
running=$(api "$EP" count "$WAIT_SM" RUNNING)
rss1=$(rss_kb "$SERVE_PID")
disk1=$(du -sb "$work/waiting" | cut -f1)
echo "waiting executions: $running; serve RSS ${rss0} -> ${rss1} KiB; data dir ${disk0} -> ${disk1} bytes:"
ls -l "$work/waiting"
stop_serve
start_serve "$work/waiting"
recover_s=$STARTUP_S
rss2=$(rss_kb "$SERVE_PID")
disk2=$(du -sb "$work/waiting" | cut -f1)
echo "restart (SIGKILL) with $running waiting: listening after ${recover_s}s, RSS ${rss2} KiB, data dir ${disk2} bytes:"
ls -l "$work/waiting"
stop_serve

# 4. Hello world: one Pass.
start_serve "$work/hello"
HELLO_SM=$(api "$EP" create Hello '{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Result":"Hello, world!","End":true}}}')
echo "== hello world (one Pass), load $(load)"
HELLO=$(run_wrk "$EP" "$HELLO_SM")
echo "$HELLO"
api "$EP" wait-none-running "$HELLO_SM" 300
read -r hello_n hello_first hello_last <<<"$(api "$EP" span "$HELLO_SM")"
hello_rate=$(echo "scale=1; $hello_n / ($hello_last - $hello_first)" | bc)
load_end=$(load)
stop_serve

per100k() { echo "scale=1; ($2 - $1) * 100000 / $3 / $4" | bc; }
row "machine" "$(nproc) cores; load avg at start of runs: see above; at end $load_end"
row "nginx fixed body (ceiling): requests/s" "$(field rps "$NGINX") (p50 $(field p50_ms "$NGINX") ms, p99 $(field p99_ms "$NGINX") ms)"
row "StartExecution/s (Wait first)" "$(field rps "$START")"
row "StartExecution latency p50 / p90 / p99 / max (ms)" "$(field p50_ms "$START") / $(field p90_ms "$START") / $(field p99_ms "$START") / $(field max_ms "$START")"
row "StartExecution/s as % of the nginx ceiling" "$(echo "scale=1; 100 * $(field rps "$START") / $(field rps "$NGINX")" | bc) %"
row "starts acknowledged (200) / non-200 / socket errors" "$(field ok "$START") / $(field non200 "$START") / $(field sock_errors "$START")"
row "acknowledged starts not listed by ListExecutions" "$missing of $acked"
row "load average after the StartExecution run" "$load_start"
row "waiting executions measured" "$running"
row "serve RSS per 100k waiting, right after the starts (MiB)" "$(per100k "$rss0" "$rss1" "$running" 1024) (total RSS $((rss1 / 1024)) MiB)"
row "serve RSS per 100k waiting, after a restart (MiB)" "$(per100k "$rss0" "$rss2" "$running" 1024) (total RSS $((rss2 / 1024)) MiB)"
row "data dir per 100k waiting executions (MiB, with WAL)" "$(per100k "$disk0" "$disk1" "$running" 1048576) (total $((disk1 / 1048576)) MiB; $((disk2 / 1048576)) MiB after restart)"
row "restart with them: time until listening (s)" "$recover_s"
row "hello-world StartExecution/s (wrk)" "$(field rps "$HELLO") (p50 $(field p50_ms "$HELLO") ms, p99 $(field p99_ms "$HELLO") ms)"
row "hello-world executions completed/s (first start to last stop)" "$hello_rate ($hello_n executions)"
echo
printf '| %-58s | %s |\n' "measure" "value"
printf '|%s|%s|\n' "$(printf -- '-%.0s' $(seq 1 60))" "---"
printf '%s\n' "${ROWS[@]}"
