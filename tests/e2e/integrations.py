"""Service integrations through `statecraft serve`, against moto in server mode, with boto3.

    python integrations.py --endpoint http://127.0.0.1:PORT --moto http://127.0.0.1:PORT

The server runs with the standard AWS configuration pointing at moto (AWS_ENDPOINT_URL and
friends, see tests/tests/serve_integrations.rs) and nothing about AWS in statecraft.toml: the
same binary would talk to real AWS.

One order state machine: sends the order to a queue; puts an item and updates it under a
condition, then updates it again under the same (now false) condition, catching
DynamoDB.ConditionalCheckFailedException by name; publishes to a topic an SQS queue is
subscribed to; puts an event that a rule delivers to a queue; sends a task token through a
queue, answered by a worker thread with SendTaskSuccess; and runs a child execution with
`.sync:2`. Each result is checked in the output and in the service. Exits 0 when every check
passed, printing one line per check.
"""

import argparse
import json
import threading
import time

import boto3
from botocore.config import Config

from checks import ROLE, check, eventually, passed

REGION = "us-east-1"


def aws(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )


def receive_one(sqs, url, what):
    def probe():
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1)
        return got.get("Messages", [None])[0]

    return eventually(what, probe)


def order_machine(orders_url, table, topic, approvals_url, child_arn):
    update = {
        "Type": "Task",
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": table,
            "Key": {"pk": {"S.$": "$.order.id"}},
            "UpdateExpression": "SET #s = :paid",
            "ConditionExpression": "#s = :new",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":paid": {"S": "PAID"}, ":new": {"S": "NEW"}},
            "ReturnValues": "UPDATED_NEW",
        },
    }
    return {
        "Comment": "An order through every optimized integration",
        "StartAt": "Queue",
        "States": {
            "Queue": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": orders_url, "MessageBody.$": "$.order"},
                "ResultPath": "$.sent",
                "Next": "Store",
            },
            "Store": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"pk": {"S.$": "$.order.id"}, "status": {"S": "NEW"}},
                },
                "ResultPath": None,
                "Next": "Pay",
            },
            "Pay": {**update, "ResultSelector": {"status.$": "$.Attributes.status.S"}, "ResultPath": "$.paid", "Next": "PayAgain"},
            "PayAgain": {
                **update,
                "ResultPath": None,
                "Catch": [
                    {"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.conflict", "Next": "Announce"}
                ],
                "Next": "PaidTwice",
            },
            "PaidTwice": {"Type": "Fail", "Error": "PaidTwice", "Cause": "the condition should have failed"},
            "Announce": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic, "Message.$": "$.order.id", "Subject": "paid"},
                "ResultPath": "$.published",
                "Next": "Emit",
            },
            "Emit": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents",
                "Parameters": {
                    "Entries": [
                        {"Source": "statecraft.e2e", "DetailType": "OrderPaid", "Detail.$": "$.order", "EventBusName": "default"}
                    ]
                },
                "ResultPath": "$.emitted",
                "Next": "Approve",
            },
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": approvals_url,
                    "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"},
                },
                "TimeoutSeconds": 60,
                "ResultPath": "$.approval",
                "Next": "Ship",
            },
            "Ship": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {
                    "StateMachineArn": child_arn,
                    "Input": {
                        "amount.$": "$.order.amount",
                        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
                    },
                },
                "ResultSelector": {"output.$": "$.Output", "status.$": "$.Status"},
                "ResultPath": "$.shipped",
                "End": True,
            },
        },
    }


CHILD = {
    "StartAt": "Double",
    "States": {
        "Double": {
            "Type": "Pass",
            "Parameters": {"doubled.$": "States.MathAdd($.amount, $.amount)", "parent.$": "$$.Execution.Input.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"},
            "End": True,
        }
    },
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--moto", required=True)
    args = ap.parse_args()
    sfn = aws("stepfunctions", args.endpoint)
    sqs, ddb, sns, events = (aws(s, args.moto) for s in ("sqs", "dynamodb", "sns", "events"))

    # The resources, as an application's infrastructure would have them.
    orders = sqs.create_queue(QueueName="orders")["QueueUrl"]
    approvals = sqs.create_queue(QueueName="approvals")["QueueUrl"]
    announced = sqs.create_queue(QueueName="announced")["QueueUrl"]
    routed = sqs.create_queue(QueueName="routed")["QueueUrl"]
    arn_of = lambda url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    topic = sns.create_topic(Name="paid")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn_of(announced))
    events.put_rule(Name="paid-orders", EventPattern=json.dumps({"source": ["statecraft.e2e"]}))
    events.put_targets(Rule="paid-orders", Targets=[{"Id": "q", "Arn": arn_of(routed)}])

    child = sfn.create_state_machine(name="Ship", definition=json.dumps(CHILD), roleArn=ROLE)["stateMachineArn"]
    machine = sfn.create_state_machine(
        name="Orders",
        definition=json.dumps(order_machine(orders, "orders", topic, approvals, child)),
        roleArn=ROLE,
    )["stateMachineArn"]

    # The approver: reads the token from the queue and answers through the Step Functions API.
    answered = {}

    def worker():
        msg = receive_one(sqs, approvals, "the approval request")
        body = json.loads(msg["Body"])
        answered["order"] = body["order"]
        sfn.send_task_success(taskToken=body["token"], output=json.dumps({"approved": True, "by": "worker"}))
        sqs.delete_message(QueueUrl=approvals, ReceiptHandle=msg["ReceiptHandle"])

    approver = threading.Thread(target=worker, daemon=True)
    approver.start()

    order = {"id": "o-42", "amount": 21}
    execution = sfn.start_execution(stateMachineArn=machine, name="o-42", input=json.dumps({"order": order}))["executionArn"]

    def finished():
        d = sfn.describe_execution(executionArn=execution)
        return d if d["status"] != "RUNNING" else None

    done = eventually("the execution to finish", finished)
    approver.join(timeout=5)
    check(done["status"] == "SUCCEEDED", f"the execution succeeded ({done['status']} {done.get('error')} {done.get('cause')})")
    out = json.loads(done["output"])

    # SQS sendMessage: the result shape and the message in the queue.
    sent = receive_one(sqs, orders, "the order message")
    check(out["sent"]["MessageId"] == sent["MessageId"], "sendMessage returned the id of the message in the queue")
    check(json.loads(sent["Body"]) == order, "the queued body is the order as JSON")
    check(len(out["sent"]["MD5OfMessageBody"]) == 32, "sendMessage returned the body's MD5")

    # DynamoDB: the conditional update applied once, the second caught by name.
    item = ddb.get_item(TableName="orders", Key={"pk": {"S": "o-42"}})["Item"]
    check(item["status"]["S"] == "PAID", "the item was put and conditionally updated")
    check(out["paid"] == {"status": "PAID"}, "updateItem returned the updated attributes")
    check(out["conflict"]["Error"] == "DynamoDB.ConditionalCheckFailedException", "the failed condition was caught by its AWS name")

    # SNS publish reaches the subscribed queue.
    note = json.loads(receive_one(sqs, announced, "the SNS delivery")["Body"])
    check(note["Message"] == "o-42" and note["TopicArn"] == topic, "publish reached the SQS subscriber")
    check(note["MessageId"] == out["published"]["MessageId"], "publish returned the delivered message's id")

    # EventBridge putEvents: the rule delivered the event.
    event = json.loads(receive_one(sqs, routed, "the routed event")["Body"])
    check(event["detail"] == order and event["detail-type"] == "OrderPaid", "the rule delivered the event to its queue")
    check(out["emitted"]["FailedEntryCount"] == 0 and len(out["emitted"]["Entries"]) == 1, "putEvents returned one entry")

    # The task token went through the queue and came back through SendTaskSuccess.
    check(answered.get("order") == order, "the worker got the order with the task token")
    check(out["approval"] == {"approved": True, "by": "worker"}, "SendTaskSuccess's output is the state's result")

    # The child ran here, with .sync:2's JSON output and the parent's execution id.
    check(out["shipped"]["status"] == "SUCCEEDED", "the child execution succeeded")
    check(out["shipped"]["output"] == {"doubled": 42, "parent": execution}, ".sync:2 returned the child's output as JSON, the parent id passed")
    children = sfn.list_executions(stateMachineArn=child)["executions"]
    check(len(children) == 1 and children[0]["status"] == "SUCCEEDED", "the child is listed under its state machine")

    types = [e["type"] for e in sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]]
    check(types.count("TaskSucceeded") == 7 and types.count("TaskFailed") == 1, "history: seven tasks succeeded, one failed")
    check("TaskSubmitted" in types, "history: the .sync child task was submitted")
    print(f"{passed()} checks passed")


if __name__ == "__main__":
    main()
