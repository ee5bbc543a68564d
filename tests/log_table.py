"""The log table's keys and index, as dynamodb.tf creates them (the e2e suite checks a deployed table against it),
for the tables the tests make themselves: the handler's unit tests on moto, and the tooling's tests."""

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
