"""Runs a Lambda-style handler under statecraft's command resolver: the event as JSON on
stdin, the return value as JSON on stdout; an exception becomes a Lambda error document
({"errorType", "errorMessage"}) on stdout with a non-zero exit, which Retry and Catch match
on by errorType, as with Lambda."""

import json
import os
import sys


class Context:
    """The few attributes handlers read from Lambda's context object."""

    function_name = os.environ.get("STATECRAFT_RESOURCE", "local").rsplit(":", 1)[-1]
    aws_request_id = "local"

    @staticmethod
    def get_remaining_time_in_millis():
        return 300_000


def run(handler):
    event = json.load(sys.stdin)
    try:
        result = handler(event, Context())
    except Exception as e:  # noqa: BLE001 - every error is reported, as Lambda does
        print(json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)}))
        sys.exit(1)
    print(json.dumps(result))
