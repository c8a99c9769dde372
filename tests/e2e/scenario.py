"""End-to-end scenario against a running `statecraft serve`, with the clients users have:
boto3 and the aws CLI (v1).

    python scenario.py --endpoint http://127.0.0.1:PORT --outbox DIR

The server must run with a statecraft.toml that maps (see tests/tests/serve_e2e.rs):
  - the Lambda function PriceOrder to handlers/price_order.py (a command resolver), and
  - arn:aws:states:::sqs:sendMessage.waitForTaskToken to handlers/request_approval.py, which
    files each approval request (with its callback URL) in DIR.

The scenario: an order is priced by the function, waits, and is approved by a person through
the callback URL (the page is fetched, then the Approve form posted); the history is checked;
a version is published and the machine updated while an execution of the version runs; the
aws CLI lists and describes; StartSyncExecution runs an Express machine. Exits 0 when every
check passed, and prints one line per check.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config

from checks import ROLE, check, eventually, passed

def definition(endpoint, tag):
    callback = f"States.Format('{endpoint}/callback/{{}}', $$.Task.Token)"
    return json.dumps({
        "Comment": "Price an order, let it settle, have a person approve it",
        "StartAt": "Price",
        "States": {
            "Price": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:PriceOrder",
                "ResultPath": "$.price",
                "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                "Catch": [{"ErrorEquals": ["InvalidOrder"], "ResultPath": "$.error", "Next": "Rejected"}],
                "Next": "Settle",
            },
            "Settle": {"Type": "Wait", "Seconds": 1, "Next": "Approve"},
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": "approvals",
                    "MessageBody": {"orderId.$": "$.orderId", "total.$": "$.price.total", "url.$": callback},
                },
                "ResultPath": "$.approval",
                "TimeoutSeconds": 600,
                "Next": "Done",
            },
            "Done": {"Type": "Pass", "Result": tag, "ResultPath": "$.release", "End": True},
            "Rejected": {"Type": "Fail", "Error": "OrderRejected", "Cause": "the order was invalid"},
        },
    })


def wait_done(sfn, arn):
    d = eventually(
        f"{arn} to finish",
        lambda: (lambda d: d if d["status"] != "RUNNING" else None)(sfn.describe_execution(executionArn=arn)),
    )
    return d


def approve_through_callback(outbox, order_id, endpoint):
    """Reads the 'mail', opens the link like a browser, and presses Approve."""
    path = os.path.join(outbox, f"{order_id}.json")
    request = eventually(f"the approval request for {order_id}", lambda: os.path.exists(path) and json.load(open(path)))
    url = request["MessageBody"]["url"]
    check(url.startswith(f"{endpoint}/callback/"), f"{order_id}: the request carries a callback URL")
    with urllib.request.urlopen(url) as page:
        html = page.read().decode()
        check(page.status == 200 and "Approve" in html and "/approve" in html, f"{order_id}: the callback page offers Approve")
    form = urllib.parse.urlencode({"comment": f"ok for {order_id}"}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{url}/approve", data=form, method="POST")) as r:
        check(r.status == 200, f"{order_id}: Approve accepted")
    # The link works once.
    try:
        urllib.request.urlopen(urllib.request.Request(f"{url}/approve", data=form, method="POST"))
        check(False, f"{order_id}: a second Approve is refused")
    except urllib.error.HTTPError as e:
        check(e.code == 410, f"{order_id}: a second Approve is refused ({e.code})")


def history(sfn, arn, reverse=False):
    events, token = [], None
    while True:
        kw = {"executionArn": arn, "reverseOrder": reverse, "maxResults": 7}
        if token:
            kw["nextToken"] = token
        page = sfn.get_execution_history(**kw)
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def aws_cli(endpoint, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run(
        [sys.executable, "-m", "awscli", "stepfunctions", "--endpoint-url", endpoint, "--output", "json", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )
    if out.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout) if out.stdout.strip() else {}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--outbox", required=True)
    a = ap.parse_args()
    endpoint = a.endpoint.rstrip("/")
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        # StartSyncExecution and TestState go to a sync- host prefix otherwise.
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )

    machine = sfn.create_state_machine(name="OrderPipeline", definition=definition(endpoint, "v1"), roleArn=ROLE)["stateMachineArn"]
    check(machine.endswith(":stateMachine:OrderPipeline"), "state machine created")

    # 1. The whole path: function, Wait, approval through the callback URL.
    order = {"orderId": "o-1", "items": [{"qty": 2, "unitPrice": 10.0}, {"qty": 1, "unitPrice": 5.5}]}
    arn = sfn.start_execution(stateMachineArn=machine, name="o-1", input=json.dumps(order))["executionArn"]
    approve_through_callback(a.outbox, "o-1", endpoint)
    d = wait_done(sfn, arn)
    check(d["status"] == "SUCCEEDED", f"o-1 succeeded ({d['status']}: {d.get('error')} {d.get('cause')})")
    out = json.loads(d["output"])
    check(out["price"] == {"orderId": "o-1", "subtotal": 25.5, "total": 30.6, "pricedBy": "PriceOrder"}, f"the function priced it: {out['price']}")
    check(out["approval"] == {"approved": True, "comment": "ok for o-1"}, f"the approval is the task result: {out['approval']}")
    check(out["release"] == "v1", "it ran v1")

    # 2. The history, as GetExecutionHistory pages it.
    events = history(sfn, arn)
    types = [e["type"] for e in events]
    check([e["id"] for e in events] == list(range(1, len(events) + 1)), "event ids are 1..n")
    check(types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded", "started first, succeeded last")
    for t in ["LambdaFunctionScheduled", "LambdaFunctionSucceeded", "WaitStateEntered", "WaitStateExited", "TaskScheduled", "TaskSubmitted", "TaskSucceeded"]:
        check(types.count(t) == 1, f"one {t}")
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    check(entered == ["Price", "Settle", "Approve", "Done"], f"states in order: {entered}")
    wait_in = next(e for e in events if e["type"] == "WaitStateEntered")["timestamp"]
    wait_out = next(e for e in events if e["type"] == "WaitStateExited")["timestamp"]
    check((wait_out - wait_in).total_seconds() >= 0.99, f"the Wait lasted {(wait_out - wait_in).total_seconds():.2f} s")
    check([e["id"] for e in history(sfn, arn, reverse=True)] == list(range(len(events), 0, -1)), "reverseOrder pages back")
    lam = next(e for e in events if e["type"] == "LambdaFunctionSucceeded")
    check(json.loads(lam["lambdaFunctionSucceededEventDetails"]["output"])["total"] == 30.6, "the function's output is in the history")

    # 3. A caught function error goes down the Catch path.
    bad = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"orderId": "o-bad", "items": []}))["executionArn"]
    d = wait_done(sfn, bad)
    check(d["status"] == "FAILED" and d["error"] == "OrderRejected", f"an invalid order is rejected ({d['status']}, {d.get('error')})")

    # 4. Versions: an execution of version 1 keeps running v1 while the machine is updated.
    v1 = sfn.publish_state_machine_version(stateMachineArn=machine, description="first")["stateMachineVersionArn"]
    check(v1 == machine + ":1", "version 1 published")
    on_v1 = sfn.start_execution(stateMachineArn=v1, name="o-2", input=json.dumps({**order, "orderId": "o-2"}))["executionArn"]
    eventually("o-2 to wait for approval", lambda: os.path.exists(os.path.join(a.outbox, "o-2.json")))
    upd = sfn.update_state_machine(stateMachineArn=machine, definition=definition(endpoint, "v2"), publish=True, versionDescription="second")
    check(upd.get("stateMachineVersionArn") == machine + ":2", "update published version 2")
    on_latest = sfn.start_execution(stateMachineArn=machine, name="o-3", input=json.dumps({**order, "orderId": "o-3"}))["executionArn"]
    approve_through_callback(a.outbox, "o-2", endpoint)
    approve_through_callback(a.outbox, "o-3", endpoint)
    d2, d3 = wait_done(sfn, on_v1), wait_done(sfn, on_latest)
    check(json.loads(d2["output"])["release"] == "v1", "the version-1 execution ran v1 after the update")
    check(d2.get("stateMachineVersionArn") == v1, "it records the version it ran")
    check(json.loads(d3["output"])["release"] == "v2", "a new execution runs the update")
    versions = sfn.list_state_machine_versions(stateMachineArn=machine)["stateMachineVersions"]
    check(sorted(v["stateMachineVersionArn"] for v in versions) == [machine + ":1", machine + ":2"], "two versions listed")
    check("v1" in sfn.describe_state_machine(stateMachineArn=v1)["definition"], "version 1 keeps its definition")

    # 5. The aws CLI sees the same.
    listed = aws_cli(endpoint, "list-executions", "--state-machine-arn", machine)["executions"]
    check(len(listed) == 4, f"aws stepfunctions list-executions: {len(listed)} executions")
    ok = aws_cli(endpoint, "list-executions", "--state-machine-arn", machine, "--status-filter", "SUCCEEDED")["executions"]
    check(len(ok) == 3, "... 3 of them SUCCEEDED")
    desc = aws_cli(endpoint, "describe-execution", "--execution-arn", arn)
    check(desc["status"] == "SUCCEEDED" and desc["name"] == "o-1", "aws stepfunctions describe-execution")
    hist = aws_cli(endpoint, "get-execution-history", "--execution-arn", arn, "--reverse-order", "--max-items", "1")
    check(hist["events"][0]["type"] == "ExecutionSucceeded", "aws stepfunctions get-execution-history --reverse-order")

    # 6. StartSyncExecution on an Express machine (the host prefix is not injected).
    express = sfn.create_state_machine(
        name="Quote", type="EXPRESS", roleArn=ROLE,
        definition=json.dumps({"StartAt": "Price", "States": {"Price": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:PriceOrder", "End": True}}}),
    )["stateMachineArn"]
    r = sfn.start_sync_execution(stateMachineArn=express, input=json.dumps(order))
    check(r["status"] == "SUCCEEDED" and json.loads(r["output"])["total"] == 30.6, f"StartSyncExecution: {r['status']}")

    print(f"e2e scenario: {passed()} checks passed", flush=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"not ok - {e}", flush=True)
        sys.exit(1)
