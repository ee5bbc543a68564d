"""The embedded engine in its own process, and helpers to deploy throwaway functions to it."""

from __future__ import annotations

import io
import json
import textwrap
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.control import EngineControl
from pipeline_tooling.harness.engines.embedded import EmbeddedEngine
from pipeline_tooling.harness.polling import wait_until
from pipeline_tooling.harness.targets import Target

if TYPE_CHECKING:
    from mypy_boto3_lambda.type_defs import CreateFunctionRequestTypeDef, LoggingConfigTypeDef

ACCOUNT = "123456789012"  # the account the engine runs as
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@contextmanager
def running_engine(state: Path, *args: str) -> Iterator[Target]:
    engine = EmbeddedEngine(state, args)
    try:
        yield engine.start()
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with running_engine(tmp_path_factory.mktemp("engine")) as target:
        yield target


@pytest.fixture(scope="session")
def aws(engine: Target) -> Clients:
    return Clients.for_target(engine)


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", textwrap.dedent(source))
    return buffer.getvalue()


ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def function_maker(engine: Target, policy: dict[str, Any] | None = None) -> Callable[..., str]:
    """Create functions from handler source (with a role and a log group each); returns the name
    once the environment the engine starts for a new function is up (so tests meet that one).

    The role has ``policy`` (default: everything allowed, for the tests about other things than IAM).
    """
    aws = Clients.for_target(engine)
    role = aws.iam.create_role(RoleName=f"role-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=json.dumps(TRUST))
    aws.iam.put_role_policy(
        RoleName=role["Role"]["RoleName"], PolicyName="access", PolicyDocument=json.dumps(policy or ALLOW_ALL)
    )

    def create(
        source: str,
        *,
        timeout: int = 10,
        env: dict[str, str] | None = None,
        reserved: int | None = None,
        logging_config: LoggingConfigTypeDef | None = None,
    ) -> str:
        name = f"fn-{uuid.uuid4().hex[:10]}"
        aws.logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
        request: CreateFunctionRequestTypeDef = {
            "FunctionName": name,
            "Runtime": "python3.13",
            "Role": role["Role"]["Arn"],
            "Handler": "index.lambda_handler",
            "Code": {"ZipFile": zip_of(source)},
            "Timeout": timeout,
            "Environment": {"Variables": env or {}},
        }
        if logging_config:
            request["LoggingConfig"] = logging_config
        aws.lambda_.create_function(**request)
        if reserved is not None:
            aws.lambda_.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
        quiet(engine)
        return name

    return create


@pytest.fixture(scope="session")
def make_function(engine: Target) -> Callable[..., str]:
    return function_maker(engine)


@pytest.fixture(scope="module")
def slow_retry_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """An engine of its own whose asynchronous retries wait 5 s, long enough to watch one wait."""
    with running_engine(tmp_path_factory.mktemp("slow-retries"), "--retry-delays", "5") as target:
        yield target


@pytest.fixture(scope="module")
def slow_retry_engine(slow_retry_target: Target) -> Clients:
    return Clients.for_target(slow_retry_target)


@pytest.fixture(scope="module")
def make_slow_retry_function(slow_retry_target: Target) -> Callable[..., str]:
    return function_maker(slow_retry_target)


def invoke(aws: Clients, name: str, payload: Any = None) -> tuple[str | None, Any]:
    """Synchronous invoke: (FunctionError or None, decoded payload)."""
    response = aws.lambda_.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode())
    return response.get("FunctionError"), json.loads(response["Payload"].read() or b"null")


def stats(engine: Target) -> dict[str, Any]:
    return EngineControl(engine).stats()


def quiet(engine: Target) -> dict[str, Any]:
    """The engine's counters once no asynchronous event is queued, running or waiting for a retry,
    and no environment is being started ahead of its first event."""
    return wait_until(
        lambda: stats(engine),
        lambda s: s["pending_async"] == 0 and s["warming"] == 0,
        timeout=30,
        what="a quiet engine",
    )


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def notify(aws: Clients, bucket: str, function_arn: str) -> None:
    """The bucket tells the function of every object created in it."""
    aws.s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )


def allow_s3(aws: Clients, name: str, bucket: str, *, account: str = ACCOUNT) -> None:
    """The function's resource policy lets S3 invoke it for ``bucket`` of ``account``."""
    aws.lambda_.add_permission(
        FunctionName=name,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount=account,
    )
