"""DynamoDB's request validation where moto is laxer than DynamoDB.

DynamoDB rejects an empty string among ExpressionAttributeValues (``ValidationException:
ExpressionAttributeValues contains invalid value: One or more parameter values were invalid:
An AttributeValue may not contain an empty string for key :p``); moto accepts it and
compares against "". A suite green here must not rely on that, so the engine rejects it as
DynamoDB does (Query, Scan, PutItem, UpdateItem, DeleteItem).
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.responses import DynamoHandler


def _empty_string_key(values: dict[str, Any]) -> str | None:
    for key, value in values.items():
        if isinstance(value, dict) and (value.get("S") == "" or value.get("B") in ("", b"")):
            return str(key)
    return None


def install() -> None:
    original = DynamoHandler._get_expr_attr_values

    def get_expr_attr_values(self: DynamoHandler) -> dict[str, dict[str, str]]:
        values = original(self)
        key = _empty_string_key(values)
        if key is not None:
            raise MockValidationException(
                "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
                f"An AttributeValue may not contain an empty string for key {key}"
            )
        return values

    DynamoHandler._get_expr_attr_values = get_expr_attr_values  # type: ignore[method-assign]
