"""Deploy a stack, hand it to the tests, destroy it, and check nothing is left."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from .clients import Clients
from .progress import Progress
from .stack import Stack


def _gone(call: Any, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        gone_codes = ("ResourceNotFoundException", "NoSuchEntity", "NoSuchBucket", "404", "QueueDoesNotExist")
        return code in gone_codes or "NonExistentQueue" in code or status == 404
    return False


def leftovers(stack: Stack, clients: Clients, account_id: str) -> list[str]:
    """What of the stack still exists (names derived as the module derives them)."""
    suffix = stack.suffix
    names = {
        "bucket": f"lambda-trigger-bucket-{suffix}-{account_id}",
        "table": f"lambda-invocation-logs-{suffix}",
        "function": f"s3-processor-{suffix}",
        "role": f"s3-processor-{suffix}",
        "log group": f"/aws/lambda/s3-processor-{suffix}",
    }
    remaining = []
    if not _gone(clients.s3.head_bucket, Bucket=names["bucket"]):
        remaining.append(f"bucket {names['bucket']}")
    if not _gone(clients.dynamodb.describe_table, TableName=names["table"]):
        remaining.append(f"table {names['table']}")
    if not _gone(clients.lambda_.get_function, FunctionName=names["function"]):
        remaining.append(f"function {names['function']}")
    if not _gone(clients.iam.get_role, RoleName=names["role"]):
        remaining.append(f"role {names['role']}")
    queue = f"s3-processor-failures-{suffix}"
    if not _gone(clients.sqs.get_queue_url, QueueName=queue):
        remaining.append(f"queue {queue}")
    groups = clients.logs.describe_log_groups(logGroupNamePrefix=names["log group"])["logGroups"]
    remaining += [f"log group {g['logGroupName']}" for g in groups if g["logGroupName"] == names["log group"]]
    return remaining


@contextmanager
def deployed(stack: Stack, clients: Clients, progress: Progress) -> Iterator[Stack]:
    """init -> plan (exactly the expected resources) -> apply -> outputs; then destroy and check."""
    tf = stack.terraform
    account_id = clients.sts.get_caller_identity()["Account"]
    with progress.phase(f"terraform init [{stack.suffix}]"):
        tf.init()
    with progress.phase(f"terraform plan [{stack.suffix}]"):
        changes = tf.plan()
    planned = {c.address for c in changes}
    expected = stack.expected_resources()
    if planned != expected or any(c.actions != ("create",) for c in changes):
        raise AssertionError(
            f"unexpected plan: missing {sorted(expected - planned)}, "
            f"extra {sorted(planned - expected)}, actions {[(c.address, c.actions) for c in changes]}"
        )
    try:
        with progress.phase(f"terraform apply [{stack.suffix}]"):
            tf.apply()
        stack.outputs = tf.outputs()["stack"]
        progress.count("resources deployed", len(planned))
        progress.say(f"deployed {stack.suffix}: bucket {stack.bucket}, table {stack.table}, function {stack.function}")
        yield stack
    finally:
        with progress.phase(f"terraform destroy [{stack.suffix}]"):
            tf.destroy()
        remaining = leftovers(stack, clients, account_id)
        assert not remaining, f"destroy left these behind: {remaining}"
