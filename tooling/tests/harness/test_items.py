"""Reading log items back: by prefix from the table, and one object's through the index by object."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_tooling.harness.items import items_of, items_under, wait_for_object
from pipeline_tooling.harness.polling import DeadlineExceeded
from pipeline_tooling.harness.schema import LOG_TABLE


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", **LOG_TABLE)
        yield client


def put(dynamodb: Any, request_id: str, key: str, timestamp: str) -> None:
    item = {"requestId": {"S": request_id}, "timestamp": {"S": timestamp}, "objectKey": {"S": key}}
    dynamodb.put_item(TableName="t", Item=item)


def test_one_objects_items_come_newest_first_and_only_its_own(dynamodb):
    for n, stamp in enumerate(["2026-12-01T10:00:00.000Z", "2026-12-01T12:00:00.000Z", "2026-12-01T11:00:00.000Z"]):
        put(dynamodb, f"r{n}", "in/a.csv", stamp)
    put(dynamodb, "other", "in/a.csv.bak", "2026-12-01T13:00:00.000Z")

    found = items_of(dynamodb, "t", "by-object-key", "in/a.csv")

    assert [i["timestamp"][11:13] for i in found] == ["12", "11", "10"]
    assert {i["objectKey"] for i in found} == {"in/a.csv"}
    assert {i["objectKey"] for i in items_under(dynamodb, "t", "in/")} == {"in/a.csv", "in/a.csv.bak"}


def test_every_page_is_read(dynamodb):
    for n in range(120):
        item = {
            "requestId": {"S": f"r{n}"},
            "timestamp": {"S": f"2026-12-01T10:00:{n % 60:02d}.{n:03d}Z"},
            "objectKey": {"S": "big/k"},
            "padding": {"S": "x" * 10_000},  # 1.2 MB in all: more than one 1 MB page
        }
        dynamodb.put_item(TableName="t", Item=item)

    assert len(items_of(dynamodb, "t", "by-object-key", "big/k")) == 120
    assert len(items_under(dynamodb, "t", "big/")) == 120


def test_the_wait_for_one_object_says_what_it_waited_for(dynamodb):
    with pytest.raises(DeadlineExceeded, match=r"waiting for a log item for 'in/never\.csv' \(index by-object-key\)"):
        wait_for_object(dynamodb, "t", "by-object-key", "in/never.csv", timeout=0.2)
