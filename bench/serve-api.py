"""Small Step Functions JSON API client for bench/serve.sh (standard library only).

  serve-api.py ENDPOINT create NAME DEFINITION_JSON     -> prints the state machine ARN
  serve-api.py ENDPOINT count SM_ARN [STATUS]          -> prints how many executions are listed
  serve-api.py ENDPOINT names SM_ARN OUT_FILE          -> writes every listed execution name
  serve-api.py ENDPOINT span SM_ARN                     -> prints count, first start, last stop (s)
  serve-api.py ENDPOINT wait-none-running SM_ARN SECS  -> waits until none is RUNNING
"""

import json
import sys
import time
import urllib.request


def call(endpoint, action, body):
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AWSStepFunctions.{action}"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def executions(endpoint, sm, status=None):
    token = None
    while True:
        body = {"stateMachineArn": sm, "maxResults": 1000}
        if status:
            body["statusFilter"] = status
        if token:
            body["nextToken"] = token
        page = call(endpoint, "ListExecutions", body)
        yield from page["executions"]
        token = page.get("nextToken")
        if not token:
            return


def main():
    endpoint, cmd, *args = sys.argv[1:]
    if cmd == "create":
        name, definition = args
        print(call(endpoint, "CreateStateMachine", {
            "name": name, "definition": definition,
            "roleArn": "arn:aws:iam::123456789012:role/bench"})["stateMachineArn"])
    elif cmd == "count":
        print(sum(1 for _ in executions(endpoint, args[0], args[1] if len(args) > 1 else None)))
    elif cmd == "names":
        with open(args[1], "w") as f:
            for e in executions(endpoint, args[0]):
                f.write(e["name"] + "\n")
    elif cmd == "span":
        n, first, last = 0, float("inf"), 0.0
        for e in executions(endpoint, args[0]):
            n += 1
            first = min(first, e["startDate"])
            last = max(last, e.get("stopDate", 0))
        print(n, first, last)
    elif cmd == "wait-none-running":
        end = time.monotonic() + float(args[1])
        while any(True for _ in executions(endpoint, args[0], "RUNNING")):
            if time.monotonic() > end:
                sys.exit("executions still running")
            time.sleep(0.5)  # polling interval
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
