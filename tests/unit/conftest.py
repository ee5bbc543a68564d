"""Fixtures for the handler's unit tests: a moto DynamoDB table and a Lambda context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.log_table import LOG_TABLE
from tests.unit.loaded import index

TABLE_NAME = "lambda-invocation-logs-test"


@dataclass
class FakeContext:
    function_name: str = "s3-processor-test"
    aws_request_id: str = "c0ffee00-0000-4000-8000-000000000001"


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region; no real endpoint; a fresh client per test."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "ITEM_TTL_DAYS", "ITEM_TTL_ATTRIBUTE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)
    index.dynamodb_client.cache_clear()


@pytest.fixture
def table() -> Iterator[Any]:
    """The log table, as the module creates it, in moto."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName=TABLE_NAME, **LOG_TABLE)
        yield boto3.resource("dynamodb", region_name="us-east-1").Table(TABLE_NAME)


@pytest.fixture
def items(table: Any) -> Callable[[], list[dict[str, Any]]]:
    """Read back every item of the table."""

    def scan() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = table.scan(ConsistentRead=True)["Items"]
        return found

    return scan
