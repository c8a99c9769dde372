"""Sends an upload event to the image pipeline on a running `statecraft serve` and prints what
it found. Standard library only: it speaks the Step Functions JSON API directly.

    python3 upload.py uploads/meadow.ppm [--endpoint http://127.0.0.1:8083]

Creates (or updates) the ImagePipeline state machine from definition.asl.json, starts an
execution with {"bucket": "uploads", "key": "meadow.ppm"}, waits for it, and prints its output
and the stored result. Exits 0 when the execution succeeded. With STATECRAFT_TOKEN set, sends
it as the bearer token."""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = "arn:aws:iam::123456789012:role/image-pipeline"


class ApiError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def call(endpoint, action, body):
    req = urllib.request.Request(endpoint, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"AWSStepFunctions.{action}",
    })
    if os.environ.get("STATECRAFT_TOKEN"):
        req.add_header("Authorization", f"Bearer {os.environ['STATECRAFT_TOKEN']}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        err = json.loads(e.read() or b"{}")
        raise ApiError(err.get("__type", str(e.code)), err.get("message", "")) from None


def ensure_machine(endpoint, name):
    with open(os.path.join(HERE, "definition.asl.json")) as f:
        definition = f.read()
    try:
        return call(endpoint, "CreateStateMachine", {"name": name, "definition": definition, "roleArn": ROLE})["stateMachineArn"]
    except ApiError as e:
        if e.code != "StateMachineAlreadyExists":
            raise
    arn = call(endpoint, "ListStateMachines", {})["stateMachines"]
    arn = next(m["stateMachineArn"] for m in arn if m["name"] == name)
    call(endpoint, "UpdateStateMachine", {"stateMachineArn": arn, "definition": definition})
    return arn


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image", help="an image under this directory, e.g. uploads/meadow.ppm")
    ap.add_argument("--endpoint", default=os.environ.get("STATECRAFT_ENDPOINT", "http://127.0.0.1:8083"))
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    rel = os.path.relpath(os.path.abspath(a.image), HERE) if os.path.isabs(a.image) or os.path.exists(a.image) else a.image
    bucket, _, key = rel.partition(os.sep)
    event = {"bucket": bucket, "key": key}

    machine = ensure_machine(a.endpoint, "ImagePipeline")
    arn = call(a.endpoint, "StartExecution", {"stateMachineArn": machine, "input": json.dumps(event)})["executionArn"]
    print(f"started {arn}\n  event: {json.dumps(event)}", flush=True)
    end = time.monotonic() + a.timeout
    while True:
        d = call(a.endpoint, "DescribeExecution", {"executionArn": arn})
        if d["status"] != "RUNNING":
            break
        if time.monotonic() > end:
            print(f"still running after {a.timeout} s", file=sys.stderr)
            return 2
        time.sleep(0.2)  # polling interval
    print(f"  status: {d['status']}")
    if d["status"] != "SUCCEEDED":
        print(f"  error: {d.get('error')}: {d.get('cause')}")
        return 1
    out = json.loads(d["output"])
    print(f"  output: {json.dumps(out, indent=2)}")
    stored = os.path.join(HERE, out["result"]["bucket"], out["result"]["key"])
    print(f"  stored result ({os.path.relpath(stored)}):")
    with open(stored) as f:
        print(f.read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
