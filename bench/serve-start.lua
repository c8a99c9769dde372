-- wrk script for bench/serve.sh: every request is a StartExecution of the state machine in
-- $SM_ARN (no name: the server makes one), as the AWS JSON API expects it. Counts the starts
-- acknowledged with 200, keeps their execution names (written to $ACK_FILE at the end, for the
-- check that every acknowledged start is listed), and prints one machine-readable RESULT line.

local sm = os.getenv("SM_ARN") or "arn:aws:states:us-east-1:123456789012:stateMachine:Bench"
local ack_file = os.getenv("ACK_FILE")
local threads = {}

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "AWSStepFunctions.StartExecution"
wrk.body = '{"stateMachineArn":"' .. sm .. '","input":"{\\"order\\":42}"}'

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  bad = 0
  names = {}
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if ack_file then
      local name = string.match(body, ':execution:[^:"]+:([^"]+)"')
      if name then names[#names + 1] = name end
    end
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local ok_total, bad_total = 0, 0
  local out = ack_file and io.open(ack_file, "w")
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok")
    bad_total = bad_total + t:get("bad")
    if out then
      for _, n in ipairs(t:get("names")) do out:write(n, "\n") end
    end
  end
  if out then out:close() end
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d ok=%d non200=%d sock_errors=%d duration_s=%.2f\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests, ok_total, bad_total,
    e.connect + e.read + e.write + e.timeout, summary.duration / 1e6))
end
