"""moto's DynamoDB: where faults are injected into PutItem, and where DynamoDB is stricter than moto.

The fix: DynamoDB rejects an empty string among ExpressionAttributeValues (``ValidationException:
ExpressionAttributeValues contains invalid value: One or more parameter values were invalid:
An AttributeValue may not contain an empty string for key :p``); moto accepts it and compares
against "". A suite green here must not rely on that, so the engine rejects it as DynamoDB does
(Query, Scan, PutItem, UpdateItem, DeleteItem). moto's own check runs first: once moto rejects
it itself, the fix never acts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.responses import DynamoHandler

from .dependencies import MotoAttribute, MotoSymbol
from .moto_errors import answered_by_moto
from .patching import replace

MOTO_SYMBOLS = (
    MotoSymbol("moto.dynamodb.responses.DynamoHandler.put_item", "wrapped", ("self",), "inject PutItem faults"),
    MotoSymbol(
        "moto.dynamodb.responses.DynamoHandler._get_expr_attr_values",
        "wrapped",
        ("self",),
        "reject empty-string expression values, as DynamoDB does",
    ),
    MotoSymbol("moto.dynamodb.exceptions.MockValidationException", "called", ("message",), "a ValidationException"),
)

MOTO_ATTRIBUTES = (
    MotoAttribute("moto.dynamodb.responses.DynamoHandler", "body", dict, "the PutItem request's table name"),
)

EMPTY_VALUE = (
    "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
    "An AttributeValue may not contain an empty string for key {key}"
)


def before_put_item(check: Callable[[str], None]) -> None:
    """``check(table name)`` runs before every PutItem; an engine error it raises (``errors.JsonError``) is the
    response."""
    original = DynamoHandler.put_item

    def put_item(self: DynamoHandler) -> Any:
        with answered_by_moto():
            check(str(self.body.get("TableName", "")))
        return original(self)

    replace(DynamoHandler, "put_item", put_item)


def _empty_string_key(values: dict[str, Any]) -> str | None:
    for key, value in values.items():
        if isinstance(value, dict) and (value.get("S") == "" or value.get("B") in ("", b"")):
            return str(key)
    return None


def reject_empty_string_expression_values() -> None:
    """An empty string among ExpressionAttributeValues gets DynamoDB's ValidationException (moto accepts it)."""
    original = DynamoHandler._get_expr_attr_values

    def get_expr_attr_values(self: DynamoHandler) -> dict[str, dict[str, str]]:
        values = original(self)
        key = _empty_string_key(values)
        if key is not None:
            raise MockValidationException(EMPTY_VALUE.format(key=key))
        return values

    replace(DynamoHandler, "_get_expr_attr_values", get_expr_attr_values)
