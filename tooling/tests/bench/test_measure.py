"""The bench's reads of a stack, page after page: a count of the items under a prefix, the function's log lines.

moto's table and log group, asked for two items or events at a time (the bench sets no limit), so that a few
answer in several pages, as a large table or a long log does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from pipeline_tooling.bench import measure
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.targets import Target

from tests.log_table import LOG_TABLE

GROUP = "/aws/lambda/s3-processor-bench"
STREAM = "2026/12/01/[$LATEST]a"


def two_a_page(params: dict[str, Any], **_: Any) -> None:
    params["Limit" if "TableName" in params else "limit"] = 2


def two_keys_a_page(params: dict[str, Any], **_: Any) -> None:
    params["MaxKeys"] = 2


@pytest.fixture
def clients() -> Iterator[Clients]:
    with mock_aws():
        clients = Clients.for_target(Target("aws", None, "us-east-1"))
        clients.dynamodb.create_table(TableName="t", **LOG_TABLE)
        clients.logs.create_log_group(logGroupName=GROUP)
        clients.logs.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
        clients.dynamodb.meta.events.register("provide-client-params.dynamodb.Scan", two_a_page)
        clients.logs.meta.events.register("provide-client-params.cloudwatch-logs.FilterLogEvents", two_a_page)
        clients.s3.meta.events.register("provide-client-params.s3.ListObjectsV2", two_keys_a_page)
        yield clients


def calls_of(clients: Clients) -> list[str]:
    """The operations the clients call from now on, in order."""
    called: list[str] = []
    for client in (clients.dynamodb, clients.logs, clients.s3):
        client.meta.events.register("after-call", lambda model, **_: called.append(model.name))
    return called


def test_the_count_under_a_prefix_adds_up_every_page(clients: Clients) -> None:
    for n in range(7):
        key = f"bench-burst/{n:06d}" if n < 5 else f"elsewhere/{n}"
        item = {"requestId": {"S": f"r{n}"}, "timestamp": {"S": f"2026-12-01T10:00:0{n}.000Z"}, "objectKey": {"S": key}}
        clients.dynamodb.put_item(TableName="t", Item=item)
    called = calls_of(clients)

    assert measure._count(clients, "t", "bench-burst/") == 5
    assert called.count("Scan") >= 4  # seven items, two a page


def test_the_log_lines_come_from_every_page_in_order(clients: Clients) -> None:
    now = int(time.time() * 1000)  # moto keeps events of the last 14 days only
    lines = [f"REPORT RequestId: r{n}\tDuration: 1.0 ms" if n % 2 == 0 else f"START RequestId: r{n}" for n in range(9)]
    clients.logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=STREAM,
        logEvents=[{"timestamp": now + n, "message": line} for n, line in enumerate(lines)],
    )
    called = calls_of(clients)

    assert measure._log_events(clients, GROUP, '"REPORT RequestId"') == [line for line in lines if "REPORT" in line]
    assert called.count("FilterLogEvents") >= 3  # five lines match, two a page


def test_the_floors_scratch_bucket_is_emptied_page_after_page_and_removed(clients: Clients) -> None:
    with measure.Scratch(clients, measure.table_shape(clients.dynamodb, "t")) as scratch:
        for n in range(5):
            measure.floor_pair(scratch, n)
        called = calls_of(clients)

    assert called.count("ListObjectsV2") >= 3  # five objects, two a page
    assert scratch.bucket not in [bucket["Name"] for bucket in clients.s3.list_buckets()["Buckets"]]
    assert scratch.table not in clients.dynamodb.list_tables()["TableNames"]
