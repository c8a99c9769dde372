"""Stands in for a mailer: files the approval request (which carries the callback URL) in the
outbox directory, where the scenario picks it up as a person would open the mail."""

import json
import os
import sys

request = json.load(sys.stdin)
outbox = os.environ["OUTBOX"]
name = os.path.join(outbox, f"{request['MessageBody']['orderId']}.json")
with open(name + ".tmp", "w") as f:
    json.dump(request, f)
os.replace(name + ".tmp", name)  # whole files only
print("{}")
