"""S3 as the module relies on it: TLS-only policies, permission checks, asynchronous delivery."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError
from pipeline_tooling.harness.clients import client
from pipeline_tooling.harness.polling import wait_until

from tests.engine.conftest import allow_s3, lines_of, notify

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


@pytest.fixture
def bucket(aws) -> str:
    name = f"bucket-{uuid.uuid4().hex[:12]}"
    aws.s3.create_bucket(Bucket=name)
    return name


def tls_only(bucket: str) -> str:
    arn = f"arn:aws:s3:::{bucket}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [arn, f"{arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def test_tls_only_policy_denies_plain_http_and_allows_https(aws, engine, bucket):
    plain = client(engine, "s3", endpoint=engine.plain_http_endpoint)
    plain.put_object(Bucket=bucket, Key="before-policy", Body=b"1")  # no policy: plain HTTP is fine

    aws.s3.put_bucket_policy(Bucket=bucket, Policy=tls_only(bucket))

    aws.s3.put_object(Bucket=bucket, Key="over-tls", Body=b"1")
    with pytest.raises(ClientError) as denied:
        plain.put_object(Bucket=bucket, Key="over-http", Body=b"1")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError):
        plain.get_object(Bucket=bucket, Key="over-tls")
    assert aws.s3.get_object(Bucket=bucket, Key="over-tls")["Body"].read() == b"1"


def test_notification_needs_the_invoke_permission(aws, bucket, make_function):
    name = make_function("def lambda_handler(e, c):\n    return 1\n")
    arn = aws.lambda_.get_function(FunctionName=name)["Configuration"]["FunctionArn"]

    with pytest.raises(ClientError) as refused:
        notify(aws, bucket, arn)
    assert refused.value.response["Error"]["Code"] == "InvalidArgument"
    assert "Unable to validate the following destination configurations" in str(refused.value)

    allow_s3(aws, name, "some-other-bucket")
    with pytest.raises(ClientError):
        notify(aws, bucket, arn)  # a permission for another bucket does not do

    aws.lambda_.remove_permission(FunctionName=name, StatementId="s3")
    allow_s3(aws, name, bucket)
    notify(aws, bucket, arn)
    config = aws.s3.get_bucket_notification_configuration(Bucket=bucket)
    assert config["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"] == arn


def test_put_returns_before_the_function_runs(aws, bucket, make_function, tmp_path):
    seen = tmp_path / "events"
    name = make_function(
        f"""
        import json, time
        def lambda_handler(event, context):
            time.sleep(2)
            with open({str(seen)!r}, "a") as f:
                f.write(json.dumps(event) + "\\n")
        """
    )
    arn = aws.lambda_.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    allow_s3(aws, name, bucket)
    notify(aws, bucket, arn)

    started = time.monotonic()
    aws.s3.put_object(Bucket=bucket, Key="dir/a file+plus.txt", Body=b"12345")
    put_seconds = time.monotonic() - started

    [line] = wait_until(lambda: lines_of(seen), bool, timeout=20, what="the S3 event")
    assert put_seconds < 1.5  # the 2 s handler did not run inside the PUT
    record = json.loads(line)["Records"][0]
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == bucket
    assert record["s3"]["object"]["key"] == "dir/a+file%2Bplus.txt"
    assert record["s3"]["object"]["size"] == 5
    assert record["s3"]["object"]["sequencer"]


@pytest.mark.parametrize("key", ["percent%20literal.txt", "a b+c/caf\u00e9 %2F.txt", "encoded%2Fslash"])
def test_keys_arrive_as_they_were_sent(aws, bucket, key):
    aws.s3.put_object(Bucket=bucket, Key=key, Body=b"1")

    listed = [o["Key"] for o in aws.s3.list_objects_v2(Bucket=bucket)["Contents"]]

    assert listed == [key]  # decoded once, not twice
    assert aws.s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"1"


@pytest.mark.parametrize(
    ("operation", "args"),
    [
        ("list_objects_v2", {}),
        ("get_bucket_policy", {}),
        ("list_object_versions", {}),
        ("get_bucket_location", {}),
    ],
)
def test_tls_only_policy_denies_plain_http_bucket_requests_too(aws, engine, bucket, operation, args):
    aws.s3.put_bucket_policy(Bucket=bucket, Policy=tls_only(bucket))
    plain = client(engine, "s3", endpoint=engine.plain_http_endpoint)

    with pytest.raises(ClientError) as denied:
        getattr(plain, operation)(Bucket=bucket, **args)

    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    getattr(aws.s3, operation)(Bucket=bucket, **args)  # over TLS it is allowed
