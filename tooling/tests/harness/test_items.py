"""Reading log items back: by prefix from the table, and one object's through the index by object."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws
from pipeline_tooling.harness.items import items_of, items_under, wait_for_object
from pipeline_tooling.harness.polling import DeadlineExceeded

from tests.log_table import LOG_TABLE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@pytest.fixture
def dynamodb() -> Iterator[DynamoDBClient]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", **LOG_TABLE)
        yield client


def put(dynamodb: DynamoDBClient, request_id: str, key: str, timestamp: str) -> None:
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


def two_items_a_page(params: dict[str, Any], **_: Any) -> None:
    """A Scan or Query asked for two items at a time (the harness sets no limit)."""
    params["Limit"] = 2


def test_small_pages_give_the_same_items_in_the_same_order_as_one(dynamodb):
    for n in range(5):
        put(dynamodb, f"r{n}", "in/a.csv", f"2026-12-01T10:00:0{n}.000Z")
    put(dynamodb, "other", "out/b.csv", "2026-12-01T10:00:09.000Z")
    deserializer = TypeDeserializer()
    whole = dynamodb.scan(TableName="t", ConsistentRead=True)["Items"]  # one page: six small items
    in_one_page = [{k: deserializer.deserialize(v) for k, v in item.items()} for item in whole]
    dynamodb.meta.events.register("provide-client-params.dynamodb.Scan", two_items_a_page)
    dynamodb.meta.events.register("provide-client-params.dynamodb.Query", two_items_a_page)
    called: list[str] = []
    dynamodb.meta.events.register("after-call.dynamodb", lambda model, **_: called.append(model.name))

    assert items_under(dynamodb, "t", "") == in_one_page
    assert items_under(dynamodb, "t", "in/") == [i for i in in_one_page if i["objectKey"] == "in/a.csv"]
    assert [i["requestId"] for i in items_of(dynamodb, "t", "by-object-key", "in/a.csv")] == [
        "r4",
        "r3",
        "r2",
        "r1",
        "r0",
    ]
    assert called.count("Scan") >= 6  # two items a page
    assert called.count("Query") >= 3


def test_the_wait_for_one_object_says_what_it_waited_for(dynamodb):
    with pytest.raises(DeadlineExceeded, match=r"waiting for a log item for 'in/never\.csv' \(index by-object-key\)"):
        wait_for_object(dynamodb, "t", "by-object-key", "in/never.csv", timeout=0.2)
