"""Tells the approver where to click: the RequestApproval state's notifier.

Deployed (template.yaml here), it is the Lambda function `statecraft-task-notify-approver`
and publishes the link to an SNS topic (subscribe the approver's e-mail address to it).
Locally (statecraft.toml here), `statecraft serve` runs it as a command: the payload on stdin,
the link appended to approvals.log and printed on stderr.

Either way it returns at once: the execution waits for the click, not for this function.
"""

import json
import os
import sys


def message(payload):
    return (
        f"{payload.get('subject', 'Approval needed')}\n\n"
        f"Open this link to approve or reject:\n{payload['approvalUrl']}\n\n"
        "The link works once and expires with the request."
    )


def handler(event, _context):
    """Lambda entry point (python3.12 runtime)."""
    import boto3  # in the Lambda runtime

    topic = os.environ["APPROVAL_TOPIC_ARN"]
    boto3.client("sns").publish(
        TopicArn=topic,
        Subject=event.get("subject", "Approval needed")[:99],
        Message=message(event),
    )
    return {"notified": event.get("approver")}


def main():
    """Command entry point for `statecraft serve`: JSON in on stdin, JSON out on stdout."""
    payload = json.load(sys.stdin)
    text = message(payload)
    with open(os.environ.get("APPROVALS_LOG", "approvals.log"), "a", encoding="utf-8") as f:
        f.write(json.dumps({"approver": payload.get("approver"), "subject": payload.get("subject"), "url": payload["approvalUrl"]}) + "\n")
    print(text, file=sys.stderr)
    json.dump({"notified": payload.get("approver")}, sys.stdout)


if __name__ == "__main__":
    main()
