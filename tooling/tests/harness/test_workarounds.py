"""Known engine bugs: detected on the engine before the harness acts, and acted on visibly."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from pipeline_tooling.harness import workarounds

BUCKET = "b"
ODD_KEY = "odd/a b+c/caf\u00e9.txt"


@pytest.fixture
def s3():
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    with Stubber(client) as stubber:
        yield client, stubber


def listing(keys: list[str], *, encoded: bool) -> dict[str, Any]:
    response: dict[str, Any] = {"Versions": [{"Key": k, "VersionId": "null"} for k in keys], "IsTruncated": False}
    if encoded:
        response["EncodingType"] = "url"
    return response


EXPECTED_LIST = {"Bucket": BUCKET, "EncodingType": "url", "MaxKeys": 1000}


def test_unencoded_keys_without_encoding_type_are_the_bug(s3):
    client, stubber = s3
    stubber.add_response("list_object_versions", listing([ODD_KEY], encoded=False), EXPECTED_LIST)

    assert workarounds.lists_versions_unencoded(client, BUCKET) is True


@pytest.mark.parametrize(
    ("keys", "encoded"),
    [
        (["odd/a%20b%2Bc/caf%C3%A9.txt"], True),  # a fixed engine
        (["plain/key.txt"], False),  # nothing that needs encoding: the bug cannot bite
        ([], False),
    ],
)
def test_a_fixed_engine_or_harmless_keys_are_left_alone(s3, keys, encoded):
    client, stubber = s3
    stubber.add_response("list_object_versions", listing(keys, encoded=encoded), EXPECTED_LIST)

    assert workarounds.lists_versions_unencoded(client, BUCKET) is False


def test_before_destroy_says_what_and_why_then_empties_the_bucket(s3):
    client, stubber = s3
    stubber.add_response("list_object_versions", listing([ODD_KEY, "plain.txt"], encoded=False), EXPECTED_LIST)
    stubber.add_response("list_object_versions", listing([ODD_KEY, "plain.txt"], encoded=False))
    stubber.add_response(
        "delete_objects",
        {},
        {
            "Bucket": BUCKET,
            "Delete": {
                "Objects": [{"Key": ODD_KEY, "VersionId": "null"}, {"Key": "plain.txt", "VersionId": "null"}],
                "Quiet": True,
            },
        },
    )
    said: list[str] = []

    workarounds.before_destroy("ministack", "1.5.33", client, BUCKET, said.append)

    stubber.assert_no_pending_responses()
    assert said[0].startswith(
        "workaround for ministack 1.5.33 (pipeline_tooling/harness/workarounds.py; seen in 1.5.33"
    )
    assert "ListObjectVersions ignores EncodingType=url" in said[0]
    assert "`terraform destroy` loops for ever" in said[0]
    assert said[1] == "emptied b: 2 object versions deleted"


def test_other_engines_are_not_probed(s3):
    client, _ = s3  # no responses queued: any call would fail

    workarounds.before_destroy("embedded", None, client, BUCKET, pytest.fail)
