"""Reading the log items back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from .polling import holds_for, wait_until

_deserializer = TypeDeserializer()


def items_under(dynamodb: Any, table: str, prefix: str) -> list[dict[str, Any]]:
    """Every item whose objectKey starts with ``prefix`` (consistent read); every item for ``""``.

    (DynamoDB rejects an empty-string expression value, so "" means no filter, not an empty one.)
    """
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    if prefix:
        kwargs.update(FilterExpression="begins_with(objectKey, :p)", ExpressionAttributeValues={":p": {"S": prefix}})
    while True:
        page = dynamodb.scan(**kwargs)
        found += [{k: _deserializer.deserialize(v) for k, v in item.items()} for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def by_key(items: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(str(item["objectKey"]), []).append(item)
    return grouped


def wait_for_items(
    dynamodb: Any, table: str, prefix: str, keys: Iterable[str], *, timeout: float
) -> dict[str, list[dict[str, Any]]]:
    """Poll until every key in ``keys`` has an item; return all items under ``prefix`` by key."""
    wanted = set(keys)

    def all_there(grouped: dict[str, list[dict[str, Any]]]) -> bool:
        return wanted <= grouped.keys()

    return wait_until(
        lambda: by_key(items_under(dynamodb, table, prefix)),
        all_there,
        timeout=timeout,
        what=f"{len(wanted)} log item(s) under {prefix!r}",
        describe=lambda grouped: f"items for {len(grouped)} keys; missing {sorted(wanted - grouped.keys())!r:.400}",
    )


def exactly(
    dynamodb: Any, table: str, prefix: str, count: int, *, timeout: float, settle: float
) -> list[dict[str, Any]]:
    """Wait until ``count`` items exist under ``prefix``, then check no more arrive for ``settle`` seconds
    (late duplicates would). Returns the items."""
    wait_until(
        lambda: len(items_under(dynamodb, table, prefix)),
        lambda n: n >= count,
        timeout=timeout,
        what=f"{count} items under {prefix!r}",
    )
    return holds_for(
        lambda: items_under(dynamodb, table, prefix),
        lambda items: len(items) == count,
        duration=settle,
        what=f"exactly {count} items under {prefix!r}",
    )
