"""The log table's key schema, as the module creates it, for tables the tests make themselves."""

from __future__ import annotations

from typing import Any

LOG_TABLE: dict[str, Any] = {
    "KeySchema": [
        {"AttributeName": "requestId", "KeyType": "HASH"},
        {"AttributeName": "timestamp", "KeyType": "RANGE"},
    ],
    "AttributeDefinitions": [
        {"AttributeName": "requestId", "AttributeType": "S"},
        {"AttributeName": "timestamp", "AttributeType": "S"},
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
