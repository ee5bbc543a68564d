"""The embedded emulator in its own process, and helpers to deploy throwaway functions to it."""

from __future__ import annotations

import io
import json
import textwrap
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.clients import Clients
from harness.engines.embedded import EmbeddedEngine
from harness.targets import Target

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    engine = EmbeddedEngine(tmp_path_factory.mktemp("emulator"))
    try:
        yield engine.start()
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def aws(emulator: Target) -> Clients:
    return Clients.for_target(emulator)


@pytest.fixture(scope="session")
def role_arn(aws: Clients) -> str:
    return str(aws.iam.create_role(RoleName="emulator-test", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"])


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", textwrap.dedent(source))
    return buffer.getvalue()


@pytest.fixture
def make_function(aws: Clients, role_arn: str) -> Callable[..., str]:
    """Create a function from handler source; returns its name. Its log group is created too."""

    def create(source: str, *, timeout: int = 10, env: dict[str, str] | None = None) -> str:
        name = f"fn-{uuid.uuid4().hex[:10]}"
        aws.logs.create_log_group(logGroupName=f"/aws/lambda/{name}")
        aws.lambda_.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role_arn,
            Handler="index.lambda_handler",
            Code={"ZipFile": zip_of(source)},
            Timeout=timeout,
            Environment={"Variables": env or {}},
        )
        return name

    return create


def invoke(aws: Clients, name: str, payload: Any = None) -> tuple[str | None, Any]:
    """Synchronous invoke: (FunctionError or None, decoded payload)."""
    response = aws.lambda_.invoke(FunctionName=name, Payload=json.dumps(payload or {}).encode())
    return response.get("FunctionError"), json.loads(response["Payload"].read() or b"null")


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []
