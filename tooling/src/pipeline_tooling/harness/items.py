"""Reading the log items back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer

from .outcomes import Outcomes
from .polling import holds_for, wait_until

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import QueryOutputTypeDef, ScanOutputTypeDef

_deserializer = TypeDeserializer()


def items_under(dynamodb: DynamoDBClient, table: str, prefix: str) -> list[dict[str, Any]]:
    """Every item whose objectKey starts with ``prefix`` (consistent read); every item for ``""``.

    (DynamoDB rejects an empty-string expression value, so "" means no filter, not an empty one.)
    """
    scan = dynamodb.get_paginator("scan")
    if prefix:
        pages = scan.paginate(
            TableName=table,
            ConsistentRead=True,
            FilterExpression="begins_with(objectKey, :p)",
            ExpressionAttributeValues={":p": {"S": prefix}},
        )
    else:
        pages = scan.paginate(TableName=table, ConsistentRead=True)
    return _plain(pages)


def _plain(pages: Iterable[ScanOutputTypeDef | QueryOutputTypeDef]) -> list[dict[str, Any]]:
    """Every item of every page of a Scan or Query, in order, as plain Python values."""
    return [{k: _deserializer.deserialize(v) for k, v in item.items()} for page in pages for item in page["Items"]]


def items_of(dynamodb: DynamoDBClient, table: str, index: str, key: str) -> list[dict[str, Any]]:
    """Every item of one object, newest first: one Query of the table's index by object (the module's
    ``dynamodb_object_key_index_name``). An index is eventually consistent: right for waiting, not for
    proving that something is absent (``items_under`` reads the table consistently)."""
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        IndexName=index,
        KeyConditionExpression="objectKey = :k",
        ExpressionAttributeValues={":k": {"S": key}},
        ScanIndexForward=False,
    )
    return _plain(pages)


def wait_for_object(
    dynamodb: DynamoDBClient, table: str, index: str, key: str, *, timeout: float, outcomes: Outcomes | None = None
) -> list[dict[str, Any]]:
    """Poll the index by object until ``key`` has an item; its items, newest first. ``outcomes`` as for
    ``wait_for_items``."""
    return wait_until(
        lambda: items_of(dynamodb, table, index, key),
        bool,
        timeout=timeout,
        what=f"a log item for {key!r} (index {index})",
        describe=(lambda _: outcomes.describe([key])) if outcomes is not None else None,
        give_up=(lambda: outcomes.gave_up([key])) if outcomes is not None else None,
    )


def by_key(items: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        grouped.setdefault(str(item["objectKey"]), []).append(item)
    return grouped


def wait_for_items(
    dynamodb: DynamoDBClient,
    table: str,
    prefix: str,
    keys: Iterable[str],
    *,
    timeout: float,
    outcomes: Outcomes | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Poll until every key in ``keys`` has an item; return all items under ``prefix`` by key.

    With ``outcomes`` (the stack's log group and failure queue), the wait fails as soon as one of
    the keys' events can no longer succeed, quoting why, and a wait that runs out of time says what
    the pipeline reported for the keys still missing."""
    wanted = set(keys)

    def all_there(grouped: dict[str, list[dict[str, Any]]]) -> bool:
        return wanted <= grouped.keys()

    def missing(grouped: dict[str, list[dict[str, Any]]]) -> str:
        absent = sorted(wanted - grouped.keys())
        said = f"items for {len(grouped)} keys; missing {absent!r:.400}"
        return f"{said}; {outcomes.describe(absent)}" if outcomes is not None else said

    return wait_until(
        lambda: by_key(items_under(dynamodb, table, prefix)),
        all_there,
        timeout=timeout,
        what=f"{len(wanted)} log item(s) under {prefix!r}",
        describe=missing,
        give_up=(lambda: outcomes.gave_up(wanted)) if outcomes is not None else None,
    )


def exactly(
    dynamodb: DynamoDBClient,
    table: str,
    prefix: str,
    count: int,
    *,
    timeout: float,
    settle: float,
    outcomes: Outcomes | None = None,
) -> list[dict[str, Any]]:
    """Wait until ``count`` items exist under ``prefix``, then check no more arrive for ``settle`` seconds
    (late duplicates would). Returns the items. ``outcomes`` as for ``wait_for_items``, for every key under
    ``prefix``."""
    wait_until(
        lambda: len(items_under(dynamodb, table, prefix)),
        lambda n: n >= count,
        timeout=timeout,
        what=f"{count} items under {prefix!r}",
        describe=(lambda n: f"{n} items; {outcomes.describe([])}") if outcomes is not None else None,
        give_up=(lambda: outcomes.gave_up(lambda key: key.startswith(prefix))) if outcomes is not None else None,
    )
    return holds_for(
        lambda: items_under(dynamodb, table, prefix),
        lambda items: len(items) == count,
        duration=settle,
        what=f"exactly {count} items under {prefix!r}",
    )
