"""Where engines differ from AWS in ways the suite could come to rely on, AWS's behaviour on the deployed stack.

Each test needs the capability it checks; the engine × capability table
(pipeline_tooling/harness/capabilities.py) says which engines have it, and the others skip by name.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

import pytest
from botocore.exceptions import ClientError
from pipeline_tooling.harness.capabilities import Capability


@pytest.mark.needs(Capability.EMPTY_STRING_VALIDATION)
def test_an_empty_string_expression_value_is_rejected(clients, stack):
    with pytest.raises(ClientError) as rejected:
        clients.dynamodb.scan(
            TableName=stack.table,
            FilterExpression="begins_with(objectKey, :p)",
            ExpressionAttributeValues={":p": {"S": ""}},
        )

    error = rejected.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
        "An AttributeValue may not contain an empty string for key :p"
    )


@pytest.mark.needs(Capability.URL_ENCODED_VERSIONS)
def test_list_object_versions_encodes_keys_when_asked(clients, stack):
    key = "encoding/a b+c%d/caf\u00e9.txt"
    clients.s3.put_object(Bucket=stack.bucket, Key=key, Body=b"1")

    # Asked for explicitly, the keys come back as S3 sent them (botocore decodes only what it asked for itself).
    listing = clients.s3.list_object_versions(Bucket=stack.bucket, Prefix="encoding/", EncodingType="url")

    [returned] = [v["Key"] for v in listing["Versions"]]
    assert listing["EncodingType"] == "url"
    assert returned != key  # encoded, not passed through
    assert unquote_plus(returned) == key
