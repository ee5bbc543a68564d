"""moto's DynamoDB: where faults are injected into PutItem, its errors, and where DynamoDB is stricter than moto.

Mend: DynamoDB rejects an empty string among ExpressionAttributeValues (``ValidationException:
ExpressionAttributeValues contains invalid value: One or more parameter values were invalid:
An AttributeValue may not contain an empty string for key :p``); moto accepts it and compares
against "". A suite green here must not rely on that, so the engine rejects it as DynamoDB does
(Query, Scan, PutItem, UpdateItem, DeleteItem). moto's own check runs first: once moto rejects
it itself, the mend never acts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.responses import DynamoHandler

from .seams import Seam, replace

SEAMS = (
    Seam("moto.dynamodb.responses.DynamoHandler.put_item", "wrapped", ("self",), "inject PutItem faults"),
    Seam(
        "moto.dynamodb.responses.DynamoHandler._get_expr_attr_values",
        "wrapped",
        ("self",),
        "reject empty-string expression values, as DynamoDB does",
    ),
    Seam("moto.core.exceptions.JsonRESTError", "subclassed", None, "answer with DynamoDB's JSON error shape"),
    Seam("moto.dynamodb.exceptions.MockValidationException", "called", ("message",), "a ValidationException"),
)

_PREFIX = "com.amazonaws.dynamodb.v20120810#"

EMPTY_VALUE = (
    "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
    "An AttributeValue may not contain an empty string for key {key}"
)


class DynamoDBError(JsonRESTError):
    """An error in DynamoDB's wire shape: ``DynamoDBError("InternalServerError", message, 500)``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(_PREFIX + code, message)
        self.code = status


def before_put_item(check: Callable[[str], None]) -> None:
    """``check(table name)`` runs before every PutItem; an exception it raises is the response."""
    original = DynamoHandler.put_item

    def put_item(self: DynamoHandler) -> Any:
        check(str(self.body.get("TableName", "")))
        return original(self)

    replace(DynamoHandler, "put_item", put_item)


def _empty_string_key(values: dict[str, Any]) -> str | None:
    for key, value in values.items():
        if isinstance(value, dict) and (value.get("S") == "" or value.get("B") in ("", b"")):
            return str(key)
    return None


def mend_empty_string_expression_values() -> None:
    original = DynamoHandler._get_expr_attr_values

    def get_expr_attr_values(self: DynamoHandler) -> dict[str, dict[str, str]]:
        values = original(self)
        key = _empty_string_key(values)
        if key is not None:
            raise MockValidationException(EMPTY_VALUE.format(key=key))
        return values

    replace(DynamoHandler, "_get_expr_attr_values", get_expr_attr_values)
