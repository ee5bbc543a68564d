"""The stack deployed with a key filter (prefix incoming/, suffix .csv) logs only the objects the filter admits."""

from __future__ import annotations

from harness.items import by_key, items_under, wait_for_items

REJECTED = ("incoming/wrong-suffix.txt", "elsewhere/wrong-prefix.csv", "incoming.csv")


def test_only_matching_keys_are_logged(clients, filtered_stack):
    s3, bucket = clients.s3, filtered_stack.bucket
    for key in REJECTED:
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    # The positive control, uploaded last: once its item is there, the others had their chance.
    s3.put_object(Bucket=bucket, Key="incoming/match.csv", Body=b"1")

    wait_for_items(clients.dynamodb, filtered_stack.table, "incoming/", ["incoming/match.csv"], timeout=60)

    assert sorted(by_key(items_under(clients.dynamodb, filtered_stack.table, ""))) == ["incoming/match.csv"]
