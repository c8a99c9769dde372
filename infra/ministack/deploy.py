"""Deploys Statecraft's template.yaml into a running ministack, as `sam deploy` would into AWS,
for the deployed-shape tests (functions/step/tests/ministack/main.rs). Prints one JSON object with
what the tests need (API id, function names, queue URLs).

    python deploy.py ENDPOINT --template template.yaml --step BOOTSTRAP --api BOOTSTRAP \
        --worker WORKER_BOOTSTRAP [--stack NAME] [--max-delay SECONDS]

What it does, in order:
1. Zips each bootstrap (a file named `bootstrap`, mode 755, as `cargo lambda build` packages
   it) into ministack's S3, and rewrites the template's `CodeUri: .` to those objects (the
   only change to template.yaml: SAM would upload the same zips).
2. Creates what the stack takes as parameters: an activity's SNS topic and the SQS queue
   subscribed to it (`Activities`), a start queue (`StartSources`), and the target function
   Task states call (`statecraft-task-worker`, a provided.al2023 custom runtime written in
   Python: functions/step/tests/fixtures/worker_bootstrap.py).
3. Creates the stack through ministack's CloudFormation, which applies the SAM transform
   (aws-sam-translator): the two tables, the queues with their dead-letter queues, the three
   functions (provided.al2023, x86_64, the Globals' environment, MaxDelaySeconds lowered to
   2 s so long Waits chain delays), their SQS event source mappings (ReportBatchItemFailures),
   the HTTP API and its stage.
4. Adds what ministack's CloudFormation does not: the HTTP API's routes. SAM expresses them as
   an OpenAPI `Body` on AWS::ApiGatewayV2::Api, which ministack 1.5's provisioner ignores
   (the API is created with no routes), so the same routes and the AWS_PROXY integration
   (payload format 2.0) are created through the API Gateway v2 API.
5. Subscribes the start queue to the step function (the template leaves that to the user).
"""

import argparse
import io
import json
import re
import sys
import time
import zipfile

import boto3

ACCOUNT = "000000000000"
REGION = "us-east-1"


def zipped(path, name):
    out = io.BytesIO()
    # Level 1: the debug bootstraps are ~200 MB (debug info); the zips only cross loopback.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(path, "rb") as f:
            zf.writestr(info, f.read(), compresslevel=1)
    return out.getvalue()


def template_with_code(text, bucket):
    """`CodeUri: .` of each function -> its zip in S3, chosen by the Binary of its Metadata."""
    out, binary = [], None
    for line in text.splitlines():
        m = re.search(r"Binary:\s*(\S+)", line)
        if m:
            binary = m.group(1)
        if line.strip() == "CodeUri: .":
            key = "api.zip" if binary == "statecraft-api" else "step.zip"
            line = line.replace("CodeUri: .", f"CodeUri: s3://{bucket}/{key}")
        out.append(line)
    rewritten = "\n".join(out) + "\n"
    if rewritten.count("CodeUri: s3://") != 3:
        sys.exit("deploy.py: expected three `CodeUri: .` in the template")
    return rewritten


def main():
    p = argparse.ArgumentParser()
    p.add_argument("endpoint")
    p.add_argument("--template", required=True)
    p.add_argument("--step", required=True)
    p.add_argument("--api", required=True)
    p.add_argument("--worker", required=True)
    p.add_argument("--stack", default="statecraft")
    p.add_argument("--max-delay", default="2")
    a = p.parse_args()
    kw = dict(endpoint_url=a.endpoint, region_name=REGION, aws_access_key_id="test",
              aws_secret_access_key="test")
    s3, cfn = boto3.client("s3", **kw), boto3.client("cloudformation", **kw)
    sqs, sns, lam = boto3.client("sqs", **kw), boto3.client("sns", **kw), boto3.client("lambda", **kw)
    apigw = boto3.client("apigatewayv2", **kw)
    timings = {}

    bucket = f"{a.stack}-code"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="step.zip", Body=zipped(a.step, "bootstrap"))
    s3.put_object(Bucket=bucket, Key="api.zip", Body=zipped(a.api, "bootstrap"))

    # The stack's parameters: an activity (topic -> queue) and a start queue.
    topic = sns.create_topic(Name="statecraft-activity-review")["TopicArn"]
    activity_queue = sqs.create_queue(QueueName="statecraft-activity-review",
                                      Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs",
                  Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:statecraft-activity-review")
    start_queue = sqs.create_queue(QueueName=f"{a.stack}-starts",
                                   Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    start_queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{a.stack}-starts"
    activity_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:activity:review"
    started_machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:started-by-queue"
    lam.create_function(FunctionName="statecraft-task-worker", Runtime="provided.al2023",
                        Handler="bootstrap", Role=f"arn:aws:iam::{ACCOUNT}:role/worker",
                        Code={"ZipFile": zipped(a.worker, "bootstrap")}, Timeout=30)

    with open(a.template) as f:
        body = template_with_code(f.read(), bucket)
    params = {
        "Architecture": "x86_64",
        "MaxDelaySeconds": a.max_delay,
        "Activities": json.dumps({activity_arn: {"topic": topic, "queue": activity_queue}}),
        "StartSources": json.dumps({start_queue_arn: started_machine}),
    }
    t0 = time.time()
    cfn.create_stack(StackName=a.stack, TemplateBody=body,
                     Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()])
    deadline = time.time() + 120
    while True:
        stack = cfn.describe_stacks(StackName=a.stack)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS"):
            break
        if time.time() > deadline:
            sys.exit(f"deploy.py: stack still {stack['StackStatus']} after 120 s")
        time.sleep(0.2)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        events = cfn.describe_stack_events(StackName=a.stack)["StackEvents"]
        reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events
                   if e.get("ResourceStatusReason")]
        sys.exit(f"deploy.py: stack {stack['StackStatus']}: {stack.get('StackStatusReason')}\n"
                 + "\n".join(reasons))
    timings["create_stack_s"] = round(time.time() - t0, 2)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                 for r in cfn.describe_stack_resources(StackName=a.stack)["StackResources"]}

    # The HTTP API's routes, as SAM's OpenAPI body declares them.
    api_id = resources["HttpApi"]
    api_fn = outputs["ApiFunctionName"]
    fn_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{api_fn}"
    integration = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationMethod="POST",
        IntegrationUri=fn_arn, PayloadFormatVersion="2.0")["IntegrationId"]
    for key, auth in (("POST /", "AWS_IAM"), ("GET /callback/{token}", "NONE"),
                      ("POST /callback/{token}/{answer}", "NONE")):
        apigw.create_route(ApiId=api_id, RouteKey=key, AuthorizationType=auth,
                           Target=f"integrations/{integration}")

    lam.create_event_source_mapping(
        EventSourceArn=start_queue_arn, FunctionName=outputs["StepFunctionName"], BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"])

    print(json.dumps({
        "api_id": api_id,
        "code_bucket": bucket,
        "outputs": outputs,
        "start_queue_url": start_queue,
        "started_machine": started_machine,
        "activity_arn": activity_arn,
        "worker_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:statecraft-task-worker",
        "timings": timings,
    }))


if __name__ == "__main__":
    main()
