"""Objects in, log items out: the deployed stack end to end."""

from __future__ import annotations

import ipaddress
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from pipeline_tooling.harness.items import by_key, exactly, wait_for_items, wait_for_object
from pipeline_tooling.harness.polling import wait_until

DELIVERY_TIMEOUT = 60  # seconds for an object's item to appear; AWS usually needs well under 5


def put(clients, stack, key: str, body: bytes = b"x") -> str:
    """Upload; return the object's ETag without quotes."""
    return str(clients.s3.put_object(Bucket=stack.bucket, Key=key, Body=body)["ETag"]).strip('"')


def test_one_object_gives_one_complete_item(clients, stack, progress, outcomes):
    body = b"id,value\n" + b"1,2\n" * 300
    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    etag = put(clients, stack, "single/report.csv", body)
    progress.count("objects uploaded")

    [item] = wait_for_object(
        clients.dynamodb, stack.table, stack.index, "single/report.csv", timeout=DELIVERY_TIMEOUT, outcomes=outcomes
    )

    assert uuid.UUID(item["requestId"]).version == 5
    event_time = datetime.strptime(item["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert before <= event_time <= datetime.now(timezone.utc) + timedelta(seconds=5)
    assert item["bucketName"] == stack.bucket
    assert item["objectKey"] == "single/report.csv"
    assert item["eventName"] == "ObjectCreated:Put"
    assert item["functionName"] == stack.function
    assert uuid.UUID(item["awsRequestId"])
    assert item["objectSize"] == len(body)
    assert item["eTag"] == etag
    assert item["sequencer"]
    assert datetime.fromisoformat(item["processedAt"]) >= event_time
    # Who uploaded, as the engine's event says: each engine fills these its own way (AWS: the uploader's
    # principal, its address, S3's ids of the PUT), so their shape is what every one of them promises.
    assert ipaddress.ip_address(item["uploaderSourceIp"])
    assert all(isinstance(item[a], str) and item[a] for a in ("uploaderPrincipalId", "s3RequestId", "s3HostId"))
    progress.count("items verified")


ODD_KEYS = [
    "odd/with space/file name.txt",
    "odd/plus+sign/a+b=c.txt",
    "odd/unicode/caf\u00e9-\u65e5\u672c\u8a9e-\U0001f600.txt",
    "odd/percent%20literal.txt",
    "odd/deeply/nested/prefix/a/b/c/d/e/leaf.txt",
    "odd/long/" + "k" * (1000 - len("odd/long/")),
]


def test_odd_keys_are_logged_decoded(clients, stack, progress, outcomes):
    assert len(ODD_KEYS[-1].encode()) == 1000
    for key in ODD_KEYS:
        put(clients, stack, key)
    progress.count("objects uploaded", len(ODD_KEYS))

    grouped = wait_for_items(
        clients.dynamodb, stack.table, "odd/", ODD_KEYS, timeout=DELIVERY_TIMEOUT, outcomes=outcomes
    )

    assert sorted(grouped) == sorted(ODD_KEYS)
    assert all(len(items) == 1 for items in grouped.values()), {k: len(v) for k, v in grouped.items()}
    progress.count("items verified", len(ODD_KEYS))


def test_zero_byte_object(clients, stack, progress, outcomes):
    put(clients, stack, "empty/nothing.bin", b"")
    progress.count("objects uploaded")

    [item] = wait_for_object(
        clients.dynamodb, stack.table, stack.index, "empty/nothing.bin", timeout=DELIVERY_TIMEOUT, outcomes=outcomes
    )
    assert item["objectSize"] == 0
    progress.count("items verified")


def test_multipart_upload_is_logged_as_such(clients, stack, progress, outcomes):
    key = "multipart/big.bin"
    upload = clients.s3.create_multipart_upload(Bucket=stack.bucket, Key=key)
    parts = []
    for number, chunk in enumerate([b"a" * (5 * 1024 * 1024), b"b" * 1024], start=1):
        part = clients.s3.upload_part(
            Bucket=stack.bucket, Key=key, UploadId=upload["UploadId"], PartNumber=number, Body=chunk
        )
        parts.append({"PartNumber": number, "ETag": part["ETag"]})
    clients.s3.complete_multipart_upload(
        Bucket=stack.bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
    )
    progress.count("objects uploaded")

    [item] = wait_for_object(
        clients.dynamodb, stack.table, stack.index, key, timeout=DELIVERY_TIMEOUT, outcomes=outcomes
    )
    assert item["eventName"] == "ObjectCreated:CompleteMultipartUpload"
    assert item["objectSize"] == 5 * 1024 * 1024 + 1024
    progress.count("items verified")


def test_copy_is_logged_with_its_own_event(clients, stack, progress, outcomes):
    put(clients, stack, "copy/source.txt", b"original")
    clients.s3.copy_object(
        Bucket=stack.bucket, Key="copy/target.txt", CopySource={"Bucket": stack.bucket, "Key": "copy/source.txt"}
    )
    progress.count("objects uploaded", 2)

    grouped = wait_for_items(
        clients.dynamodb,
        stack.table,
        "copy/",
        ["copy/source.txt", "copy/target.txt"],
        timeout=DELIVERY_TIMEOUT,
        outcomes=outcomes,
    )

    assert [i["eventName"] for i in grouped["copy/source.txt"]] == ["ObjectCreated:Put"]
    assert [i["eventName"] for i in grouped["copy/target.txt"]] == ["ObjectCreated:Copy"]
    progress.count("items verified", 2)


BURST = 200


def test_burst_gives_exactly_one_item_per_object(clients, stack, progress, outcomes):
    keys = [f"burst/{n:04d}.json" for n in range(BURST)]
    with progress.phase(f"upload {BURST} objects"), ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda k: put(clients, stack, k, b'{"n": 1}'), keys))
    progress.count("objects uploaded", BURST)

    with progress.phase(f"wait for {BURST} items"):
        final = exactly(clients.dynamodb, stack.table, "burst/", BURST, timeout=120, settle=1.0, outcomes=outcomes)
    assert sorted(by_key(final)) == keys
    assert len({i["requestId"] for i in final}) == BURST
    progress.count("items verified", BURST)


def test_handler_log_lines_reach_cloudwatch(clients, stack, outcomes):
    key = "logged/line.txt"
    put(clients, stack, key)
    group = stack.outputs["log_group_name"]

    def written_lines() -> list[str]:
        events = clients.logs.filter_log_events(logGroupName=group, filterPattern='"log item written"')["events"]
        return [e["message"] for e in events if key in e["message"]]

    lines = wait_until(
        written_lines,
        bool,
        timeout=DELIVERY_TIMEOUT,
        what=f"the handler's log line for {key}",
        give_up=lambda: outcomes.gave_up([key]),
    )
    assert '"level": "INFO"' in lines[0]
    assert f'"bucket": "{stack.bucket}"' in lines[0]


def test_second_plan_shows_no_changes(stack, progress):
    with progress.phase("terraform plan (expect no changes)"):
        assert stack.root.terraform.plan_has_changes() is False


@pytest.mark.parametrize("name", ["bucket", "table", "function"])
def test_outputs_name_the_deployed_resources(clients, stack, name):
    if name == "bucket":
        clients.s3.head_bucket(Bucket=stack.bucket)
    elif name == "table":
        assert clients.dynamodb.describe_table(TableName=stack.table)["Table"]["TableStatus"] == "ACTIVE"
    else:
        config = clients.lambda_.get_function(FunctionName=stack.function)["Configuration"]
        assert config["Handler"] == "index.lambda_handler"
        assert config["Environment"]["Variables"]["TABLE_NAME"] == stack.table
