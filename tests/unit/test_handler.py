"""The handler against a moto table: items, idempotency, malformed input, AWS failures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import ANY, Stubber

from tests.unit.loaded import LAMBDA_DIR, index
from tests.unit.s3_events import s3_event, s3_record


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_one_record_writes_one_complete_item(table, items, context):
    record = s3_record("reports/2026/summary.csv", size=1234)

    result = index.lambda_handler(s3_event(record), context)

    assert result == {"statusCode": 200, "written": 1, "duplicates": 0, "rejected": 0}
    [item] = items()
    assert uuid.UUID(item["requestId"]).version == 5
    assert item["timestamp"] == "2026-11-25T10:00:00.123Z"
    assert item["bucketName"] == "lambda-trigger-bucket-test-123456789012"
    assert item["objectKey"] == "reports/2026/summary.csv"
    assert item["eventName"] == "ObjectCreated:Put"
    assert item["functionName"] == "s3-processor-test"
    assert item["awsRequestId"] == context.aws_request_id
    assert item["objectSize"] == 1234
    assert item["eTag"] == "d41d8cd98f00b204e9800998ecf8427e"
    assert item["sequencer"] == "0065A1B2C3D4E5F601"
    assert item["processedAt"].endswith("+00:00")
    assert "expiresAt" not in item


def test_several_records_write_one_item_each(table, items, context):
    records = [s3_record(f"batch/{n}.txt", sequencer=f"00{n:016X}") for n in range(5)]

    result = index.lambda_handler(s3_event(*records), context)

    assert result["statusCode"] == 200
    assert result["written"] == 5
    assert sorted(i["objectKey"] for i in items()) == [f"batch/{n}.txt" for n in range(5)]


@pytest.mark.parametrize(
    "key",
    [
        "with space/file name.txt",
        "plus+sign/a+b=c.txt",
        "unicode/caf\u00e9/\u65e5\u672c\u8a9e/\U0001f600.txt",
        "percent%20literal/100%.txt",
        "deep/" * 50 + "leaf",
    ],
)
def test_keys_are_url_decoded(table, items, context, key):
    index.lambda_handler(s3_event(s3_record(key)), context)

    [item] = items()
    assert item["objectKey"] == key


def test_same_event_twice_writes_one_item(table, items, context, capsys):
    event = s3_event(s3_record("dup/once.txt"))

    first = index.lambda_handler(event, context)
    second = index.lambda_handler(event, type(context)(aws_request_id="another-invocation"))

    assert first["written"] == 1
    assert second == {"statusCode": 200, "written": 0, "duplicates": 1, "rejected": 0}
    [item] = items()
    assert item["awsRequestId"] == context.aws_request_id  # the first write wins
    assert any(line["message"].startswith("duplicate delivery") for line in log_lines(capsys))


def test_different_events_on_one_key_are_distinct_items(table, items, context):
    index.lambda_handler(s3_event(s3_record("k", sequencer="01", event_time="2026-11-25T10:00:00.000Z")), context)
    index.lambda_handler(s3_event(s3_record("k", sequencer="02", event_time="2026-11-25T10:00:01.000Z")), context)

    assert len(items()) == 2


def _without(mapping: dict[str, Any], *path: str) -> dict[str, Any]:
    *parents, last = path
    target = mapping
    for name in parents:
        target = target[name]
    del target[last]
    return mapping


MALFORMED_RECORDS: dict[str, Any] = {
    "not a mapping": "just a string",
    "not from s3": {**s3_record("a"), "eventSource": "aws:sqs"},
    "no bucket": _without(s3_record("a"), "s3", "bucket"),
    "no bucket name": _without(s3_record("a"), "s3", "bucket", "name"),
    "no object key": _without(s3_record("a"), "s3", "object", "key"),
    "key not a string": {**s3_record("a"), "s3": {"bucket": {"name": "b"}, "object": {"key": 7}}},
    "empty key": {**s3_record("a"), "s3": {"bucket": {"name": "b"}, "object": {"key": ""}}},
    "size not a number": {**s3_record("a"), "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "size": "9"}}},
    "negative size": {**s3_record("a"), "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "size": -1}}},
    "no eventTime": _without(s3_record("a"), "eventTime"),
    "bad eventTime": {**s3_record("a"), "eventTime": "yesterday"},
    "eventName not a string": {**s3_record("a"), "eventName": ["ObjectCreated:Put"]},
    "key not utf-8": {**s3_record("a"), "s3": {"bucket": {"name": "b"}, "object": {"key": "%FF%FE"}}},
}


@pytest.mark.parametrize("record", MALFORMED_RECORDS.values(), ids=MALFORMED_RECORDS.keys())
def test_malformed_record_is_rejected_without_raising_or_writing(table, items, context, capsys, record):
    result = index.lambda_handler(s3_event(record), context)

    assert result["statusCode"] == 400
    assert result["written"] == 0
    assert result["rejected"] == 1
    assert result["errors"][0]["index"] == 0
    assert result["errors"][0]["reason"]
    assert items() == []
    errors = [line for line in log_lines(capsys) if line["level"] == "ERROR"]
    assert [e["message"] for e in errors] == ["malformed record skipped"]


# The key each malformed record's log line names (the harness ties a rejection to its object by it).
KEY_LOGGED = {
    "not a mapping": None,
    "no bucket": "a",
    "no object key": None,
    "key not a string": None,
    "empty key": None,
    "size not a number": "k",
    "bad eventTime": "a",
    "key not utf-8": "\ufffd\ufffd",
}


@pytest.mark.parametrize("case", KEY_LOGGED)
def test_a_rejected_records_line_names_its_key_when_it_has_one(table, context, capsys, case):
    index.lambda_handler(s3_event(MALFORMED_RECORDS[case]), context)

    [line] = [line for line in log_lines(capsys) if line["message"] == "malformed record skipped"]
    assert line.get("key") == KEY_LOGGED[case]
    assert ("key" in line) is (KEY_LOGGED[case] is not None)


@pytest.mark.parametrize("event", [None, "text", [], {}, {"Records": None}, {"Records": []}, {"Records": {"a": 1}}])
def test_malformed_event_is_rejected_without_raising(table, items, context, event):
    result = index.lambda_handler(event, context)

    assert result["statusCode"] == 400
    assert result["rejected"] == 1
    assert result["errors"][0]["index"] is None
    assert items() == []


def test_good_records_are_written_around_a_malformed_one(table, items, context):
    event = s3_event(s3_record("first"), {"eventSource": "aws:s3"}, s3_record("third", sequencer="03"))

    result = index.lambda_handler(event, context)

    assert result["statusCode"] == 400
    assert (result["written"], result["rejected"]) == (2, 1)
    assert result["errors"][0]["index"] == 1
    assert sorted(i["objectKey"] for i in items()) == ["first", "third"]


def _stubbed_client(monkeypatch: pytest.MonkeyPatch) -> Stubber:
    client = boto3.client("dynamodb", region_name="us-east-1")
    stubber = Stubber(client)
    monkeypatch.setattr(index, "dynamodb_client", lambda: client)
    return stubber


@pytest.mark.parametrize(
    ("code", "status", "transient"),
    [
        ("ProvisionedThroughputExceededException", 400, True),
        ("ThrottlingException", 400, True),
        ("InternalServerError", 500, True),
        ("ServiceUnavailable", 503, True),
        ("AccessDeniedException", 400, False),
        ("ResourceNotFoundException", 400, False),
    ],
)
def test_aws_error_is_logged_and_raised_so_lambda_retries(  # noqa: PLR0917 - fixtures and parameters
    monkeypatch, context, capsys, code, status, transient
):
    stubber = _stubbed_client(monkeypatch)
    stubber.add_client_error("put_item", service_error_code=code, http_status_code=status)

    with stubber, pytest.raises(ClientError) as raised:
        index.lambda_handler(s3_event(s3_record("k")), context)

    assert raised.value.response["Error"]["Code"] == code
    [failure] = [line for line in log_lines(capsys) if line["level"] == "ERROR"]
    assert failure["transient"] is transient
    assert failure["key"] == "k"


def test_network_error_is_raised(monkeypatch, context):
    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://dynamodb.invalid")

    client = boto3.client("dynamodb", region_name="us-east-1")
    monkeypatch.setattr(client, "put_item", unreachable)
    monkeypatch.setattr(index, "dynamodb_client", lambda: client)

    with pytest.raises(EndpointConnectionError):
        index.lambda_handler(s3_event(s3_record("k")), context)


def test_write_is_conditional_on_the_item_not_existing(monkeypatch, context):
    stubber = _stubbed_client(monkeypatch)
    record = s3_record("k")
    expected_item = index.build_item(
        index.parse_record(record),
        function_name=context.function_name,
        aws_request_id=context.aws_request_id,
        processed_at=datetime.now(timezone.utc),
    )
    stubber.add_response(
        "put_item",
        {},
        {
            "TableName": "lambda-invocation-logs-test",
            "Item": {**expected_item, "processedAt": ANY},
            "ConditionExpression": "attribute_not_exists(requestId)",
        },
    )
    with stubber:
        assert index.lambda_handler(s3_event(record), context)["written"] == 1
    stubber.assert_no_pending_responses()


def test_missing_table_name_is_a_clear_error(monkeypatch, context):
    monkeypatch.delenv("TABLE_NAME")

    with pytest.raises(index.ConfigurationError, match="TABLE_NAME is not set"):
        index.lambda_handler(s3_event(s3_record("k")), context)


def test_bad_ttl_setting_is_a_clear_error(monkeypatch, context):
    monkeypatch.setenv("ITEM_TTL_DAYS", "soon")

    with pytest.raises(index.ConfigurationError, match="ITEM_TTL_DAYS"):
        index.lambda_handler(s3_event(s3_record("k")), context)


# With the table (moto): a handler that failed to raise would write there, not try AWS.
def test_ttl_days_without_the_attribute_is_a_clear_error(table, monkeypatch, context):
    monkeypatch.setenv("ITEM_TTL_DAYS", "7")

    with pytest.raises(
        index.ConfigurationError,
        match=r"^ITEM_TTL_DAYS is 7 but ITEM_TTL_ATTRIBUTE is not set: the function does not know which attribute",
    ):
        index.lambda_handler(s3_event(s3_record("k")), context)


@pytest.mark.parametrize("attribute", ["expiresAt", "purgeAfter"])  # the module's name, and any other it could give
def test_ttl_stamps_expiry_in_the_attribute_the_module_names(table, items, context, monkeypatch, attribute):
    monkeypatch.setenv("ITEM_TTL_DAYS", "7")
    monkeypatch.setenv("ITEM_TTL_ATTRIBUTE", attribute)

    index.lambda_handler(s3_event(s3_record("k")), context)

    [item] = items()
    processed = datetime.fromisoformat(item["processedAt"]).timestamp()
    assert int(item[attribute]) == int(processed) + 7 * 86400
    [other] = {"expiresAt", "purgeAfter"} - {attribute}
    assert other not in item


def test_the_ttl_attribute_is_ignored_without_ttl_days(table, items, context, monkeypatch):
    monkeypatch.setenv("ITEM_TTL_ATTRIBUTE", "expiresAt")

    index.lambda_handler(s3_event(s3_record("k")), context)

    [item] = items()
    assert "expiresAt" not in item


def test_build_item_needs_the_attribute_with_ttl_days(context):
    event = index.parse_record(s3_record("k"))

    with pytest.raises(ValueError, match="ttl_days needs ttl_attribute"):
        index.build_item(
            event,
            function_name=context.function_name,
            aws_request_id=context.aws_request_id,
            processed_at=datetime.now(timezone.utc),
            ttl_days=7,
        )


def test_follows_aws_endpoint_url(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:4566")

    assert index.dynamodb_client().meta.endpoint_url == "https://127.0.0.1:4566"


def test_client_is_created_once_per_container():
    assert index.dynamodb_client() is index.dynamodb_client()


def test_one_json_log_line_per_record_outcome(table, context, capsys):
    index.lambda_handler({"Records": [s3_record("a"), s3_record("b"), 5]}, context)

    lines = log_lines(capsys)
    assert [line["message"] for line in lines] == [
        "log item written",
        "log item written",
        "malformed record skipped",
        "batch done",
    ]
    assert lines[0]["key"] == "a"
    assert lines[0]["requestId"]
    assert lines[-1]["written"] == 2


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("2026-11-25T10:00:00.123Z", "2026-11-25T10:00:00.123Z"),
        ("2026-11-25T10:00:00Z", "2026-11-25T10:00:00.000Z"),
        ("2026-11-25T12:00:00.500+02:00", "2026-11-25T10:00:00.500Z"),
        ("2026-11-25T10:00:00.123456", "2026-11-25T10:00:00.123Z"),
    ],
)
def test_event_time_is_normalised_to_utc_milliseconds(raw, normalised):
    assert index.normalise_event_time(raw) == normalised


def test_request_id_depends_on_the_event_only():
    a = index.parse_record(s3_record("k"))
    assert index.request_id(a) == index.request_id(index.parse_record(s3_record("k")))
    assert index.request_id(a) != index.request_id(index.parse_record(s3_record("k", sequencer="99")))
    assert index.request_id(a) != index.request_id(index.parse_record(s3_record("k", event_name="ObjectCreated:Copy")))


@pytest.mark.parametrize(("in_lambda", "clients_made"), [(True, 1), (False, 0)])
def test_in_lambda_the_client_is_made_at_import(in_lambda, clients_made):
    env = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    env.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="t", AWS_SECRET_ACCESS_KEY="t")
    if in_lambda:
        env["AWS_LAMBDA_FUNCTION_NAME"] = "s3-processor-test"
    probe = "import index; print(index.dynamodb_client.cache_info().currsize)"

    made = subprocess.run(
        [sys.executable, "-c", probe], cwd=LAMBDA_DIR, env=env, capture_output=True, text=True, timeout=60, check=True
    )

    assert made.stdout.strip() == str(clients_made)


def test_the_item_records_who_uploaded_as_s3s_event_says(table, items, context):
    record = s3_record("uploads/report.csv")
    record["userIdentity"] = {"principalId": "AWS:AIDAEXAMPLEUSER"}
    record["requestParameters"] = {"sourceIPAddress": "203.0.113.7"}
    record["responseElements"] = {
        "x-amz-request-id": "C3D13FE58DE4C810",
        "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
    }

    index.lambda_handler(s3_event(record), context)

    [item] = items()
    assert (item["uploaderPrincipalId"], item["uploaderSourceIp"]) == ("AWS:AIDAEXAMPLEUSER", "203.0.113.7")
    assert (item["s3RequestId"], item["s3HostId"]) == (
        "C3D13FE58DE4C810",
        "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
    )


@pytest.mark.parametrize(
    "metadata",
    [{}, {"userIdentity": {}, "requestParameters": {}, "responseElements": {}}, {"userIdentity": "AWS:x"}],
    ids=["absent", "empty", "not-an-object"],
)
def test_an_event_without_uploader_fields_writes_its_item_without_them(table, items, context, metadata):
    record = {**s3_record("uploads/anonymous.csv"), **metadata}

    result = index.lambda_handler(s3_event(record), context)

    assert result["written"] == 1
    [item] = items()
    assert not {"uploaderPrincipalId", "uploaderSourceIp", "s3RequestId", "s3HostId"} & item.keys()


@pytest.mark.parametrize(
    ("configured", "levels"),
    [
        (None, ["INFO", "INFO"]),
        ("INFO", ["INFO", "INFO"]),
        ("WARN", []),
        ("debug", ["INFO", "INFO"]),
        ("bogus", ["INFO", "INFO"]),
    ],
)
def test_lines_below_lambdas_application_log_level_are_dropped(  # noqa: PLR0917 - fixtures and parameters
    table, context, capsys, monkeypatch, configured, levels
):
    if configured is None:
        monkeypatch.delenv("AWS_LAMBDA_LOG_LEVEL", raising=False)
    else:
        monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", configured)

    index.lambda_handler(s3_event(s3_record("levels/one.txt")), context)

    assert [line["level"] for line in log_lines(capsys)] == levels


def test_an_error_line_is_written_under_an_error_level(table, context, capsys, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR")

    index.lambda_handler(s3_event({"eventSource": "aws:sqs"}), context)

    [line] = log_lines(capsys)
    assert (line["level"], line["message"]) == ("ERROR", "malformed record skipped")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["timestamp"])
