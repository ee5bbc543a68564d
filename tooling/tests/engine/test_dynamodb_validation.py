"""DynamoDB's validation where moto is laxer: the engine rejects what DynamoDB rejects."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.log_table import LOG_TABLE

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


EMPTY_VALUE_MESSAGE = (
    "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
    "An AttributeValue may not contain an empty string for key :p"
)


@pytest.fixture(scope="module")
def table(aws) -> str:
    aws.dynamodb.create_table(TableName="validation", **LOG_TABLE)
    return "validation"


@pytest.mark.parametrize(
    "call",
    [
        {"operation": "scan", "FilterExpression": "begins_with(objectKey, :p)"},
        {"operation": "query", "KeyConditionExpression": "requestId = :p"},
    ],
    ids=["scan", "query"],
)
def test_an_empty_string_expression_value_is_a_validation_error(aws, table, call):
    kwargs = {k: v for k, v in call.items() if k != "operation"}
    with pytest.raises(ClientError) as rejected:
        getattr(aws.dynamodb, call["operation"])(TableName=table, ExpressionAttributeValues={":p": {"S": ""}}, **kwargs)

    assert rejected.value.response["Error"] == {"Code": "ValidationException", "Message": EMPTY_VALUE_MESSAGE}


def test_a_non_empty_value_still_works(aws, table):
    found = aws.dynamodb.scan(
        TableName=table, FilterExpression="begins_with(objectKey, :p)", ExpressionAttributeValues={":p": {"S": "x"}}
    )
    assert found["Count"] == 0
