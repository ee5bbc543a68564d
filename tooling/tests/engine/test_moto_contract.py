"""The contract between the engine and moto: every private symbol it reaches for, checked on the installed moto.

One test per seam (pipeline_tooling/engine/adapter/*.SEAMS) resolves the symbol and checks the parameters
the engine relies on; the behavioural tests below check what the adapter reads from moto's
objects, and that each mend is still needed (moto still has the bug), so a moto upgrade
that moves a symbol or fixes a bug fails here, by name, instead of deep in an e2e run.
These run moto in-process (mock_aws); no engine is started.
"""

from __future__ import annotations

import inspect
import io
import json
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_tooling.engine import adapter
from pipeline_tooling.engine.adapter import awslambda as moto_lambda
from pipeline_tooling.engine.adapter import dynamodb as moto_dynamodb
from pipeline_tooling.engine.adapter import logs as moto_logs
from pipeline_tooling.engine.adapter import s3 as moto_s3
from pipeline_tooling.engine.adapter import server as moto_server
from pipeline_tooling.engine.adapter import sqs as moto_sqs
from pipeline_tooling.engine.adapter.seams import Seam
from pipeline_tooling.engine.awslambda.spec import AsyncConfig
from pipeline_tooling.harness.schema import LOG_TABLE

MOTO = adapter.installed_moto()
ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.mark.parametrize("seam", adapter.SEAMS, ids=lambda seam: seam.symbol)
def test_the_seam_is_where_the_engine_expects_it(seam: Seam):
    try:
        found = seam.resolve()
    except (ImportError, AttributeError) as error:
        pytest.fail(f"moto {MOTO}: {seam.symbol} is gone ({error}); the engine {seam.use} it to {seam.why}")
    if seam.parameters is None:
        return
    actual = tuple(inspect.signature(found).parameters)
    assert actual[: len(seam.parameters)] == seam.parameters, (
        f"moto {MOTO}: {seam.symbol} now takes {actual}; the engine {seam.use} it, relying on {seam.parameters}, "
        f"to {seam.why}"
    )


def test_the_installed_moto_is_in_the_supported_range():
    assert adapter.check_moto_version() == MOTO


@pytest.mark.parametrize("found", ["5.1.9", "5.3.0", "6.0.0"])
def test_another_moto_is_refused_with_the_bound_and_the_remedy(found):
    with pytest.raises(adapter.MotoVersionError) as refused:
        adapter.check_moto_version(found)

    message = str(refused.value)
    assert f"tested with moto {adapter.SUPPORTED_MOTO}" in message
    assert f"but moto {found} is installed" in message
    assert "make setup" in message


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        clients = {s: boto3.client(s, region_name=REGION) for s in ("lambda", "iam", "s3", "dynamodb", "logs", "sqs")}
        yield clients


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


@pytest.fixture
def function(aws) -> str:
    role = aws["iam"].create_role(RoleName="contract", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    aws["lambda"].create_function(
        FunctionName="contract",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": zip_of("def handler(e, c):\n    return 1\n")},
        Environment={"Variables": {"TABLE_NAME": "t"}},
        Timeout=7,
        MemorySize=256,
    )
    return "contract"


def test_the_function_is_read_as_moto_holds_it(aws, function):
    aws["lambda"].put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=3)

    found = moto_lambda.current(ACCOUNT, REGION, function)

    assert found is not None
    spec, config = found
    assert (spec.name, spec.arn) == (function, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}")
    assert (spec.account_id, spec.region, spec.handler, spec.runtime) == (
        ACCOUNT,
        REGION,
        "index.handler",
        "python3.12",
    )
    assert (spec.timeout_s, spec.memory_mb, spec.reserved_concurrency) == (7.0, 256, 3)
    assert spec.environment == {"TABLE_NAME": "t"}
    assert spec.log_group == f"/aws/lambda/{function}"
    assert spec.role == f"arn:aws:iam::{ACCOUNT}:role/contract"
    assert zipfile.ZipFile(io.BytesIO(spec.code)).namelist() == ["index.py"]
    assert config == AsyncConfig()  # no event invoke config: Lambda's defaults
    assert moto_lambda.current(ACCOUNT, REGION, "no-such-function") is None


def test_the_newest_event_invoke_config_is_the_one_read(aws, function):
    queue = aws["sqs"].create_queue(QueueName="failures")["QueueUrl"]
    arn = aws["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws["lambda"].put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=2)
    aws["lambda"].put_function_event_invoke_config(
        FunctionName=function,
        MaximumRetryAttempts=0,
        MaximumEventAgeInSeconds=60,
        DestinationConfig={"OnFailure": {"Destination": arn}},
    )

    _, config = moto_lambda.current(ACCOUNT, REGION, function) or pytest.fail("no function")

    assert config == AsyncConfig(maximum_retry_attempts=0, maximum_event_age_s=60.0, on_failure=arn)


def test_the_resource_policy_is_read_as_a_document(aws, function):
    aws["lambda"].add_permission(
        FunctionName=function, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com"
    )
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"

    policy = moto_lambda.resource_policy(ACCOUNT, REGION, arn)

    assert policy is not None
    assert [s["Principal"] for s in policy["Statement"]] == [{"Service": "s3.amazonaws.com"}]
    assert moto_lambda.resource_policy(ACCOUNT, REGION, arn + "-missing") is None


def test_log_lines_land_in_the_stream_and_a_missing_group_is_reported(aws):
    aws["logs"].create_log_group(logGroupName="/aws/lambda/contract")
    now = int(time.time() * 1000)

    assert moto_logs.put_lines(ACCOUNT, REGION, "/aws/lambda/contract", "s", [(now, "a"), (now + 1, "b")]) is True
    assert moto_logs.put_lines(ACCOUNT, REGION, "/aws/lambda/missing", "s", [(now, "a")]) is False
    events = aws["logs"].get_log_events(logGroupName="/aws/lambda/contract", logStreamName="s")["events"]
    assert [e["message"] for e in events] == ["a", "b"]


def test_a_failure_record_reaches_the_queue(aws):
    url = aws["sqs"].create_queue(QueueName="destination")["QueueUrl"]

    moto_sqs.send(f"arn:aws:sqs:{REGION}:{ACCOUNT}:destination", '{"x": 1}')

    [message] = aws["sqs"].receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"]) == {"x": 1}


# -- the mends: moto still has each bug (when this fails, moto fixed it: drop the mend) ------------------


def test_moto_still_lists_object_versions_unencoded(aws):
    aws["s3"].create_bucket(Bucket="contract-bucket")
    aws["s3"].put_object(Bucket="contract-bucket", Key="a b+c", Body=b"1")

    listing = aws["s3"].list_object_versions(Bucket="contract-bucket", EncodingType="url")

    assert "EncodingType" not in listing, f"moto {MOTO} encodes keys now: drop mend_list_object_versions_encoding"
    assert [v["Key"] for v in listing["Versions"]] == ["a b+c"]


def test_the_listing_mend_encodes_once_and_leaves_an_encoded_listing_alone():
    raw = {"Versions": [{"Key": "a b+c/é"}], "Prefix": "a b", "Name": "b"}

    encoded = moto_s3.url_encoded_listing(raw)

    assert encoded["Versions"] == [{"Key": "a%20b%2Bc/%C3%A9"}]
    assert (encoded["Prefix"], encoded["EncodingType"], encoded["Name"]) == ("a%20b", "url", "b")
    assert moto_s3.url_encoded_listing(encoded) is encoded  # already encoded (as a fixed moto would give)


def test_moto_still_sends_a_put_event_while_completing_a_multipart_upload(aws, monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(
        "moto.s3.notifications._invoke_awslambda",
        lambda account_id, event_body, fn_arn, region_name: sent.append(event_body["Records"][0]["eventName"]),
    )
    s3 = aws["s3"]
    bucket = "contract-bucket"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f", "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"x")
    s3.complete_multipart_upload(
        Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
    )

    assert sent == ["ObjectCreated:Put", "ObjectCreated:CompleteMultipartUpload"], (
        f"moto {MOTO} no longer sends the extra Put: drop mend_multipart_completion_events"
    )


def test_moto_still_accepts_an_empty_string_expression_value(aws):
    aws["dynamodb"].create_table(TableName="t", **LOG_TABLE)

    found = aws["dynamodb"].scan(
        TableName="t", FilterExpression="begins_with(objectKey, :p)", ExpressionAttributeValues={":p": {"S": ""}}
    )

    assert found["Count"] == 0, f"moto {MOTO} rejects it now: drop mend_empty_string_expression_values"


def test_moto_still_keeps_the_first_event_invoke_config(aws, function):
    aws["lambda"].put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=2)
    aws["lambda"].put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=0)

    # What moto answers; the adapter reads the newest itself (test above).
    assert aws["lambda"].get_function_event_invoke_config(FunctionName=function)["MaximumRetryAttempts"] == 2


def test_moto_still_drops_the_logging_config_and_the_engine_answers_it(aws, function):
    aws["lambda"].update_function_configuration(FunctionName=function, LoggingConfig={"LogFormat": "JSON"})
    assert "LoggingConfig" not in aws["lambda"].get_function(FunctionName=function)["Configuration"]

    try:
        moto_lambda.on_change(lambda spec: None)
        moto_lambda.answer_logging_config()
        aws["lambda"].update_function_configuration(
            FunctionName=function, LoggingConfig={"LogFormat": "JSON", "SystemLogLevel": "WARN"}
        )
        answered = aws["lambda"].get_function(FunctionName=function)["Configuration"]["LoggingConfig"]
        found = moto_lambda.current(ACCOUNT, REGION, function)
    finally:
        adapter.restore_all()

    assert answered == {
        "LogFormat": "JSON",
        "LogGroup": f"/aws/lambda/{function}",
        "ApplicationLogLevel": "INFO",
        "SystemLogLevel": "WARN",
    }
    assert found is not None
    assert (found[0].log_format, found[0].application_log_level, found[0].system_log_level) == ("JSON", "INFO", "WARN")


# -- patches come off ---------------------------------------------------------------------------------


def test_every_patch_can_be_undone(aws):
    seams = [s for s in adapter.SEAMS if s.use in ("patched", "wrapped")]
    before = {s.symbol: s.resolve() for s in seams}
    try:
        moto_lambda.take_over_invoke(lambda spec, payload, headers, response: b"")
        moto_lambda.on_change(lambda spec: None)
        moto_s3.route_lambda_notifications(lambda *_: {}, lambda *_: None)
        moto_s3.evaluate_bucket_policies(lambda *_: "NEUTRAL")
        moto_s3.guard_notification_configuration(lambda *_: [])
        moto_dynamodb.before_put_item(lambda table: None)
        moto_server.wsgi_app()
        adapter.install_mends()
        assert {s.symbol for s in seams if s.resolve() is not before[s.symbol]} == set(before)
    finally:
        adapter.restore_all()

    assert {s.symbol for s in seams if s.resolve() is not before[s.symbol]} == set()
