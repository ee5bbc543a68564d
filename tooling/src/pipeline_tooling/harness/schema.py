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
        {"AttributeName": "objectKey", "AttributeType": "S"},
    ],
    "GlobalSecondaryIndexes": [
        {
            "IndexName": "by-object-key",
            "KeySchema": [
                {"AttributeName": "objectKey", "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
    "BillingMode": "PAY_PER_REQUEST",
}
