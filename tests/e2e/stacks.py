"""The module's own facts and checks for the e2e session: what a fresh stack's plan creates, what is checked
once a stack is applied, what a destroyed one may not leave behind, and examples/complete as the session
deploys it. The session's fixtures (conftest.py) hand these to the tooling's lifecycle as its ``Checks``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from botocore.exceptions import ClientError
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.items import items_under
from pipeline_tooling.harness.lifecycle import Checks
from pipeline_tooling.harness.progress import Progress
from pipeline_tooling.harness.roots import Root
from pipeline_tooling.harness.stack import DeployedStack, Deployment, ExampleDeployment, Stack
from pipeline_tooling.harness.targets import Target, TargetError

# What `terraform plan` must create for a fresh stack, and nothing else (plus the failure queue when the stack
# asks for one).
MODULE_RESOURCES = (
    "aws_cloudwatch_log_group.lambda",
    "aws_dynamodb_table.logs",
    "aws_iam_role.lambda",
    "aws_iam_role_policy.lambda",
    "aws_lambda_function.processor",
    "aws_lambda_function_event_invoke_config.processor",
    "aws_lambda_permission.allow_s3",
    "aws_s3_bucket.trigger",
    "aws_s3_bucket_notification.trigger",
    "aws_s3_bucket_ownership_controls.trigger",
    "aws_s3_bucket_policy.trigger",
    "aws_s3_bucket_public_access_block.trigger",
    "aws_s3_bucket_server_side_encryption_configuration.trigger",
)
ALARMS = ("errors", "throttles", "destination-delivery-failures", "failure-queue-age")  # examples/complete's
# What examples/complete creates beside the module.
COMPLETE_OWN_RESOURCES = (
    "aws_kms_key.logger",
    "aws_kms_alias.logger",
    "aws_iam_policy.boundary",
    "aws_sns_topic.alerts",
    *(f'module.s3_object_logger.aws_cloudwatch_metric_alarm.pipeline["{name}"]' for name in ALARMS),
)
CHECK_PREFIX = "harness-check/"  # the key of the event each deployed function is checked with, then removed
_GONE_CODES = ("ResourceNotFoundException", "NoSuchEntity", "NoSuchBucket", "404", "QueueDoesNotExist")


def stack_resources(stack: Stack) -> frozenset[str]:
    resources = set(MODULE_RESOURCES)
    if stack.async_invocation.get("failure_queue") is not None:
        resources.add("aws_sqs_queue.failures[0]")
    return frozenset(f"module.{stack.name}.{r}" for r in resources)


def expected_resources(root: Root) -> frozenset[str]:
    """Every resource a fresh plan of one of the session's roots creates."""
    assert isinstance(root, Deployment), root
    own = frozenset(COMPLETE_OWN_RESOURCES) if isinstance(root, ExampleDeployment) else frozenset()
    return own.union(*(stack_resources(s) for s in root.stacks))


def complete_example(target: Target, workdir: Path, suffix: str) -> ExampleDeployment:
    """examples/complete as written, with a reservation of 5: every option of the module, its own KMS key."""
    stack = Stack(
        "s3_object_logger",  # the module call's name in the example
        suffix,
        notification_filter={"prefix": "incoming/", "suffix": ".csv"},
        async_invocation={"failure_queue": {"message_retention_seconds": 345600}},
    )
    return ExampleDeployment(
        target,
        workdir,
        [stack],
        variables={"reserved_concurrent_executions": 5},  # null by default: the example applies on any account
    )


def check_record(bucket: str, key: str, region: str) -> dict[str, Any]:
    """An S3 notification with one ObjectCreated:Put record, as S3 sends it (the key URL-encoded)."""
    now = datetime.now(timezone.utc)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {"key": quote_plus(key, safe="/"), "size": 0, "sequencer": f"{now.timestamp():.6f}"},
                },
            }
        ]
    }


def check_function_runs(stack: DeployedStack, clients: Clients) -> None:
    """Invoke the deployed function once, synchronously, with one record of its own bucket, and take the item
    it wrote away again: a function that cannot run (cannot import, cannot write, raises) says so here, before
    any test waits on an event, and the session stops with the error it returned.

    (MiniStack runs the function on its own interpreter: without boto3 there, every event
    would fail to import the handler, and nothing else would say why no item appears.)
    """
    key = f"{CHECK_PREFIX}{stack.suffix}.txt"
    payload = json.dumps(check_record(stack.bucket, key, stack.target.region)).encode()
    response = clients.lambda_.invoke(FunctionName=stack.function, Payload=payload)
    body = response["Payload"].read()
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if "FunctionError" in response:
        if isinstance(answer, dict):
            reason = f"{answer.get('errorType')}: {answer.get('errorMessage')}"
        else:
            reason = body.decode(errors="replace")[:500]
        hint = ""
        if "boto3" in reason:
            hint = (
                " The engine runs the function on an interpreter without boto3 (for MiniStack: its own venv; "
                "`make ministack` installs boto3 there)."
            )
        raise TargetError(
            f"{stack.target.label} cannot run the deployed function {stack.function}: an event for {key!r} "
            f"failed with {reason}.{hint}"
        )
    if not isinstance(answer, dict) or (answer.get("statusCode"), answer.get("written")) != (200, 1):
        raise TargetError(
            f"the deployed function {stack.function} did not write the item of a well-formed event for {key!r}: "
            f"it returned {body.decode(errors='replace')[:500]}"
        )
    for item in items_under(clients.dynamodb, stack.table, CHECK_PREFIX):
        clients.dynamodb.delete_item(
            TableName=stack.table, Key={"requestId": {"S": item["requestId"]}, "timestamp": {"S": item["timestamp"]}}
        )


def after_apply(root: Root, clients: Clients, progress: Progress) -> None:
    assert isinstance(root, Deployment), root
    for stack in root.deployed:
        progress.say(f"deployed {stack.suffix}: bucket {stack.bucket}, table {stack.table}, function {stack.function}")
        check_function_runs(stack, clients)


def _gone(call: Any, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in _GONE_CODES or "NonExistentQueue" in code or status == 404
    return False


def leftovers_of(outputs: Mapping[str, Any], clients: Clients) -> list[str]:
    """What of a destroyed stack still exists, found by the names its outputs gave."""
    role = str(outputs["lambda_role_arn"]).rsplit("/", 1)[-1]
    probes: list[tuple[str, Any, dict[str, Any]]] = [
        (f"bucket {outputs['s3_bucket_name']}", clients.s3.head_bucket, {"Bucket": outputs["s3_bucket_name"]}),
        (
            f"table {outputs['dynamodb_table_name']}",
            clients.dynamodb.describe_table,
            {"TableName": outputs["dynamodb_table_name"]},
        ),
        (
            f"function {outputs['lambda_function_name']}",
            clients.lambda_.get_function,
            {"FunctionName": outputs["lambda_function_name"]},
        ),
        (f"role {role}", clients.iam.get_role, {"RoleName": role}),
    ]
    if outputs.get("failure_queue_url"):
        queue = str(outputs["failure_queue_url"]).rsplit("/", 1)[-1]
        probes.append((f"queue {queue}", clients.sqs.get_queue_url, {"QueueName": queue}))
    remaining = [what for what, call, kwargs in probes if not _gone(call, **kwargs)]
    group = outputs["log_group_name"]
    listed = clients.logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    remaining += [f"log group {g['logGroupName']}" for g in listed if g["logGroupName"] == group]
    return remaining


def leftovers(root: Root, clients: Clients) -> list[str]:
    assert isinstance(root, Deployment), root
    return [what for stack in root.deployed for what in leftovers_of(stack.outputs, clients)]


CHECKS = Checks(expected_resources=expected_resources, after_apply=after_apply, leftovers=leftovers)
