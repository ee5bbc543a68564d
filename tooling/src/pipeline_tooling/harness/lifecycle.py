"""Deploy a stack, hand it to the tests, destroy it, and check nothing is left."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote_plus

from botocore.exceptions import ClientError

from .clients import Clients
from .items import items_under
from .progress import Progress
from .stack import DeployedStack, Deployment
from .targets import TargetError

CHECK_PREFIX = "harness-check/"  # the key of the event each deployed function is checked with, then removed
_GONE_CODES = ("ResourceNotFoundException", "NoSuchEntity", "NoSuchBucket", "404", "QueueDoesNotExist")


def _gone(call: Any, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in _GONE_CODES or "NonExistentQueue" in code or status == 404
    return False


def leftovers(outputs: Mapping[str, Any], clients: Clients) -> list[str]:
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


def _create(
    deployment: Deployment, clients: Clients, progress: Progress, applying: set[str], initialised: threading.Event
) -> None:
    """init -> plan (exactly the expected resources, all created) -> apply -> outputs -> the function runs.

    ``initialised`` is set once init has succeeded; ``applying`` gets the deployment's label once its
    apply starts: from then on it has to be destroyed."""
    tf, names = deployment.terraform, deployment.label
    with progress.phase(f"terraform init [{names}]"):
        tf.init()
    initialised.set()
    with progress.phase(f"terraform plan [{names}]"):
        changes = tf.plan()
    planned = {c.address for c in changes}
    expected = deployment.expected_resources()
    if planned != expected or any(c.actions != ("create",) for c in changes):
        raise AssertionError(
            f"unexpected plan [{names}]: missing {sorted(expected - planned)}, "
            f"extra {sorted(planned - expected)}, actions {[(c.address, c.actions) for c in changes]}"
        )
    applying.add(names)
    with progress.phase(f"terraform apply [{names}]"):
        tf.apply()
    deployment.read_outputs()
    progress.count("resources deployed", len(planned))
    for stack in deployment.deployed:
        progress.say(f"deployed {stack.suffix}: bucket {stack.bucket}, table {stack.table}, function {stack.function}")
        check_function_runs(stack, clients)


def _destroy(deployment: Deployment, clients: Clients, progress: Progress) -> None:
    try:
        deployment.before_destroy(clients.s3, progress.say)
    finally:
        with progress.phase(f"terraform destroy [{deployment.label}]"):
            deployment.terraform.destroy(refresh=False)  # the state is the harness's own: nothing to refresh


class Deploying:
    """Terraform roots being created in the background: ``ready(n)`` waits for one, ``close()`` destroys them.

    Each is one Terraform root (its stacks go through each step in the same run); the roots
    are created side by side and destroyed side by side, each in a thread of its own: most of
    an apply is waiting on the engine, and the caller can do other work meanwhile. Only a root
    whose apply started is destroyed (a failed init or plan created nothing), and a destroy that
    fails after another failure is reported beside it rather than in its place.
    """

    def __init__(self, deployments: Sequence[Deployment], clients: Clients, progress: Progress) -> None:
        self.deployments = tuple(deployments)
        self._clients, self._progress = clients, progress
        self._applying: set[str] = set()
        self.failure: BaseException | None = None
        self._pool = ThreadPoolExecutor(max_workers=len(self.deployments), thread_name_prefix="terraform")
        self._initialised = [threading.Event() for _ in self.deployments]
        self._created = [
            self._pool.submit(_create, d, clients, progress, self._applying, initialised)
            for d, initialised in zip(self.deployments, self._initialised)
        ]

    def initialised(self) -> None:
        """Once every root's ``terraform init`` has succeeded (a second or two); the first failure raised
        (no provider, say), so the session can stop on it before any test runs."""
        for initialised, future in zip(self._initialised, self._created):
            while not initialised.wait(0.05):
                if future.done():
                    future.result()  # raises the failure; a creation that ended without init cannot succeed
                    break

    def failed(self) -> BaseException | None:
        """The failure of a creation that has already ended in one, without waiting for the others."""
        for future in self._created:
            if future.done() and not future.cancelled() and future.exception() is not None:
                return future.exception()
        return None

    def ready(self, index: int) -> Deployment:
        """Root ``index`` created (its outputs read), or its creation failure raised."""
        try:
            self._created[index].result()
        except BaseException as error:
            self.failure = self.failure or error
            raise
        return self.deployments[index]

    def close(self, failure: BaseException | None = None) -> None:
        """Destroy what was applied, then check it left nothing behind (unless something failed before).

        A creation failure nobody waited for (``ready()`` never called) is raised here, after the destroy."""
        unreported: BaseException | None = None
        try:
            for future in self._created:
                future.cancel()
            wait(self._created)  # an apply still running must end before its destroy starts
            if failure is None and self.failure is None:
                errors = (f.exception() for f in self._created if not f.cancelled())
                unreported = next((error for error in errors if error is not None), None)
            failure = failure or self.failure or unreported
            applied = [d for d in self.deployments if d.label in self._applying]
            destroyed = [self._pool.submit(_destroy, d, self._clients, self._progress) for d in applied]
            for future in destroyed:
                destroy_error = future.exception()
                if destroy_error is None:
                    continue
                if failure is None:
                    raise destroy_error
                self._progress.say(f"and the destroy after that failure failed too: {destroy_error}")
        finally:
            self._pool.shutdown()
        if unreported is not None:
            raise unreported
        if failure is None:
            stacks = [stack for d in self.deployments for stack in d.deployed]
            remaining = [what for stack in stacks for what in leftovers(stack.outputs, self._clients)]
            assert not remaining, f"destroy left these behind: {remaining}"
