"""A stack deployed with a key filter logs only the objects the filter admits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.items import items_under, wait_for_items
from harness.lifecycle import deployed
from harness.polling import holds_for
from harness.stack import Stack
from tests.e2e.conftest import RUN_ID, WORK


@pytest.fixture(scope="module")
def filtered_stack(target, clients, function_zip, progress) -> Iterator[Stack]:
    suffix = f"e2e-{RUN_ID}-flt"
    stack = Stack(target, WORK / suffix, suffix, notification_filter={"prefix": "incoming/", "suffix": ".csv"})
    with deployed(stack, clients, progress) as ready:
        yield ready


def test_only_matching_keys_are_logged(clients, filtered_stack):
    s3, bucket = clients.s3, filtered_stack.bucket
    for key in ("incoming/match.csv", "incoming/wrong-suffix.txt", "elsewhere/wrong-prefix.csv", "incoming.csv"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")

    wait_for_items(clients.dynamodb, filtered_stack.table, "", ["incoming/match.csv"], timeout=60)
    final = holds_for(
        lambda: items_under(clients.dynamodb, filtered_stack.table, ""),
        lambda items: len(items) == 1,
        duration=1.0,
        what="exactly one item (the matching key)",
    )
    assert final[0]["objectKey"] == "incoming/match.csv"
