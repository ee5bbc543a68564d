"""Deploy a stack, hand it to the tests, destroy it, and check nothing is left."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from botocore.exceptions import ClientError

from .clients import Clients
from .progress import Progress
from .stack import Deployment, Stack
from .targets import TargetError

_GONE_CODES = ("ResourceNotFoundException", "NoSuchEntity", "NoSuchBucket", "404", "QueueDoesNotExist")


def _gone(call: Any, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code in _GONE_CODES or "NonExistentQueue" in code or status == 404
    return False


def leftovers(outputs: dict[str, Any], clients: Clients) -> list[str]:
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


def check_function_runs(stack: Stack, clients: Clients) -> None:
    """Invoke the deployed function once with an empty batch: an engine that cannot run it says so here.

    (MiniStack runs the function on its own interpreter: without boto3 there, every event
    would fail to import the handler, and nothing else would say why no item appears.)
    """
    response = clients.lambda_.invoke(FunctionName=stack.function, Payload=b'{"Records": []}')
    body = response["Payload"].read()
    if "FunctionError" not in response:
        return
    try:
        error = json.loads(body)
        reason = f"{error.get('errorType')}: {error.get('errorMessage')}"
    except ValueError:
        reason = body.decode(errors="replace")[:500]
    hint = ""
    if "boto3" in reason:
        hint = (
            " The engine runs the function on an interpreter without boto3 (for MiniStack: its own venv; "
            "`make ministack` installs boto3 there)."
        )
    raise TargetError(f"{stack.target.label} cannot run the deployed function {stack.function}: {reason}.{hint}")


def _create(deployment: Deployment, clients: Clients, progress: Progress, applying: set[str]) -> None:
    """init -> plan (exactly the expected resources, all created) -> apply -> outputs -> the function runs.

    ``applying`` gets the deployment's label once its apply starts: from then on it has to be destroyed."""
    tf, names = deployment.terraform, deployment.label
    with progress.phase(f"terraform init [{names}]"):
        tf.init()
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
    for stack in deployment.stacks:
        progress.say(f"deployed {stack.suffix}: bucket {stack.bucket}, table {stack.table}, function {stack.function}")
        check_function_runs(stack, clients)


def _destroy(deployment: Deployment, clients: Clients, progress: Progress) -> None:
    try:
        deployment.before_destroy(clients.s3, progress.say)
    finally:
        with progress.phase(f"terraform destroy [{deployment.label}]"):
            deployment.terraform.destroy(refresh=False)  # the state is the harness's own: nothing to refresh


class Deploying:
    """Terraform roots being created in the background: ``ready()`` waits for them, ``close()`` destroys them.

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
        self._created = [self._pool.submit(_create, d, clients, progress, self._applying) for d in self.deployments]

    def ready(self) -> tuple[Deployment, ...]:
        """Every root created (their outputs read), or the first creation failure raised."""
        try:
            for future in self._created:
                future.result()
        except BaseException as error:
            self.failure = self.failure or error
            raise
        return self.deployments

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
                unmade = future.exception()
                if unmade is None:
                    continue
                if failure is None:
                    raise unmade
                self._progress.say(f"and the destroy after that failure failed too: {unmade}")
        finally:
            self._pool.shutdown()
        if unreported is not None:
            raise unreported
        if failure is None:
            stacks = [stack for d in self.deployments for stack in d.stacks]
            remaining = [what for stack in stacks for what in leftovers(stack.outputs, self._clients)]
            assert not remaining, f"destroy left these behind: {remaining}"
