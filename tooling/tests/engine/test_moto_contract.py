"""The contract between the engine and moto: everything the adapter relies on in moto, checked on the installed moto.

One test per symbol (pipeline_tooling/engine/adapter/*.MOTO_SYMBOLS) resolves it and checks the
parameters the engine relies on; one test per attribute (*.MOTO_ATTRIBUTES) reads it off a real
object moto made and checks its type; the behavioural tests below check what the adapter reads
from moto's objects, and that each fix is still needed (moto still has the bug), so a moto
upgrade that moves a symbol or fixes a bug fails here, by name, instead of deep in an e2e run.
These run moto in-process (mock_aws); no engine is started. The IAM adapter's behaviour is
checked in test_iam_adapter_contract.py.
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
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.awslambda.utils import get_backend
from moto.core.base_backend import BackendDict
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.dynamodb.responses import DynamoHandler
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends
from moto.s3.responses import S3Response
from moto.sts.models import sts_backends
from pipeline_tooling.engine import adapter
from pipeline_tooling.engine.adapter import awslambda as moto_lambda
from pipeline_tooling.engine.adapter import core as moto_core
from pipeline_tooling.engine.adapter import dynamodb as moto_dynamodb
from pipeline_tooling.engine.adapter import logs as moto_logs
from pipeline_tooling.engine.adapter import moto_app
from pipeline_tooling.engine.adapter import s3 as moto_s3
from pipeline_tooling.engine.adapter import sqs as moto_sqs
from pipeline_tooling.engine.adapter.dependencies import MotoAttribute, MotoSymbol
from pipeline_tooling.engine.adapter.moto_errors import MotoJsonError
from pipeline_tooling.engine.awslambda.spec import AsyncConfig
from pipeline_tooling.engine.errors import DynamoDBError, TooManyRequests

from tests.log_table import LOG_TABLE

MOTO = adapter.installed_moto()
ACCOUNT, REGION = "123456789012", "us-east-1"
ALLOW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@pytest.mark.parametrize("symbol", adapter.MOTO_SYMBOLS, ids=lambda symbol: symbol.symbol)
def test_the_symbol_is_where_the_engine_expects_it(symbol: MotoSymbol):
    try:
        found = symbol.resolve()
    except (ImportError, AttributeError) as error:
        pytest.fail(f"moto {MOTO}: {symbol.symbol} is gone ({error}); the engine {symbol.use} it to {symbol.why}")
    if symbol.parameters is None:
        return
    actual = tuple(inspect.signature(found).parameters)
    assert actual[: len(symbol.parameters)] == symbol.parameters, (
        f"moto {MOTO}: {symbol.symbol} now takes {actual}; the engine {symbol.use} it, relying on "
        f"{symbol.parameters}, to {symbol.why}"
    )


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", source)
    return buffer.getvalue()


def _handler_of(monkeypatch: pytest.MonkeyPatch, cls: type, method: str, call: Any) -> Any:
    """The response handler moto makes for one real request (``call``), caught in ``cls.method``."""
    seen: list[Any] = []
    original = getattr(cls, method)

    def catching(self: Any) -> Any:
        seen.append(self)
        return original(self)

    with monkeypatch.context() as patched:
        patched.setattr(cls, method, catching)
        call()
    return seen[0]


def _real_moto_objects(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """One real object moto made for every class the adapter reads attributes of, by the class's dotted path."""
    iam = boto3.client("iam", region_name=REGION)
    lambda_ = boto3.client("lambda", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    role_arn = iam.create_role(RoleName="contract", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName="contract", PolicyName="inline", PolicyDocument=json.dumps(ALLOW))
    policy_arn = iam.create_policy(PolicyName="attached", PolicyDocument=json.dumps(ALLOW))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="contract", PolicyArn=policy_arn)
    lambda_.create_function(
        FunctionName="contract",
        Runtime="python3.12",
        Role=role_arn,
        Handler="index.handler",
        Code={"ZipFile": zip_of("def handler(e, c):\n    return 1\n")},
    )
    lambda_.put_function_event_invoke_config(FunctionName="contract", MaximumRetryAttempts=1)
    function = get_backend(ACCOUNT, REGION).get_function("contract")
    bucket_name = "contract-bucket"
    s3.create_bucket(Bucket=bucket_name)
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket_name, Key="k", Body=b"1")
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"}
    s3.put_bucket_policy(Bucket=bucket_name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    s3.put_bucket_notification_configuration(
        Bucket=bucket_name,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": function.function_arn, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    bucket = s3_backends[ACCOUNT]["aws"].get_bucket(bucket_name)
    assert bucket.notification_configuration is not None
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="/aws/lambda/contract")
    logs = logs_backends[ACCOUNT][REGION]
    dynamodb.create_table(TableName="t", **LOG_TABLE)
    item = {"requestId": {"S": "r"}, "timestamp": {"S": "0"}, "objectKey": {"S": "k"}}
    dynamodb_handler = _handler_of(
        monkeypatch, DynamoHandler, "put_item", lambda: dynamodb.put_item(TableName="t", Item=item)
    )
    s3_response = _handler_of(
        monkeypatch, S3Response, "list_object_versions", lambda: s3.list_object_versions(Bucket=bucket_name)
    )
    role = iam_backends[ACCOUNT]["aws"].get_role_by_arn(role_arn)
    attached = role.managed_policies[policy_arn]
    assumed = sts_backends[ACCOUNT]["aws"].assume_role(
        region_name=REGION,
        role_session_name="contract",
        role_arn=role_arn,
        policy="",
        duration=900,
        external_id="",
    )
    return {
        "moto.awslambda.models.LambdaFunction": function,
        "moto.awslambda.models.EventInvokeConfig": function.event_invoke_config[-1],
        "moto.s3.models.FakeBucket": bucket,
        "moto.s3.models.FakeKey": s3_backends[ACCOUNT]["aws"].get_object(bucket_name, "k"),
        "moto.s3.models.NotificationConfiguration": bucket.notification_configuration,
        "moto.s3.models.Notification": bucket.notification_configuration.cloud_function[0],
        "moto.s3.responses.S3Response": s3_response,
        "moto.core.responses.ActionResult": ActionResult({"Versions": []}),
        "moto.dynamodb.responses.DynamoHandler": dynamodb_handler,
        "moto.logs.models.LogsBackend": logs,
        "moto.logs.models.LogGroup": logs.groups["/aws/lambda/contract"],
        "moto.iam.models.Role": role,
        "moto.iam.models.ManagedPolicy": attached,
        "moto.iam.models.PolicyVersion": attached.versions[0],
        "moto.sts.models.AssumedRole": assumed,
        "moto.core.exceptions.JsonRESTError": JsonRESTError("ContractException", "a message"),
    }


@pytest.fixture(scope="module")
def read_off_moto() -> dict[str, tuple[type, dict[str, Any]]]:
    """Every declared attribute, read off a real object while moto holds it: by the class's dotted path, the
    object's class and the values found (a missing attribute is left out)."""
    with mock_aws(), pytest.MonkeyPatch.context() as monkeypatch:
        objects = _real_moto_objects(monkeypatch)
        return {
            owner: (
                type(instance),
                {
                    a.name: getattr(instance, a.name)
                    for a in adapter.MOTO_ATTRIBUTES
                    if a.owner == owner and hasattr(instance, a.name)
                },
            )
            for owner, instance in objects.items()
        }


@pytest.mark.parametrize("attribute", adapter.MOTO_ATTRIBUTES, ids=lambda a: f"{a.owner}.{a.name}")
def test_the_attribute_is_on_moto_s_objects_as_the_engine_expects(attribute: MotoAttribute, read_off_moto):
    try:
        owner = attribute.resolve_owner()
    except (ImportError, AttributeError) as error:
        pytest.fail(f"moto {MOTO}: {attribute.owner} is gone ({error}); the engine reads its {attribute.name}")
    assert attribute.owner in read_off_moto, f"_real_moto_objects makes no {attribute.owner}: add one"
    made, found = read_off_moto[attribute.owner]
    assert issubclass(made, owner)
    assert attribute.name in found, (
        f"moto {MOTO}: a {attribute.owner} has no {attribute.name} now; the engine relies on it: {attribute.why}"
    )
    value = found[attribute.name]
    assert isinstance(value, attribute.expected), (
        f"moto {MOTO}: {attribute.owner}.{attribute.name} is of type {type(value).__name__} now, "
        f"not {attribute.expected}; the engine relies on it: {attribute.why}"
    )


def test_backend_dict_is_still_a_dict():
    # adapter/core.py reads an account's backend with dict.__getitem__ (speed_up_backend_lookup).
    assert issubclass(BackendDict, dict), f"moto {MOTO}: BackendDict no longer subclasses dict"
    assert moto_core.backend_dict_is_a_dict()
    assert adapter.check_moto() == MOTO


def test_the_engine_refuses_to_start_when_backend_dict_is_not_a_dict(monkeypatch):
    monkeypatch.setattr(moto_core, "backend_dict_is_a_dict", lambda: False)

    with pytest.raises(adapter.UnsupportedMoto) as refused:
        adapter.check_moto()

    assert "BackendDict no longer subclasses dict" in str(refused.value)
    assert "adapter/core.py" in str(refused.value)


def test_the_installed_moto_is_in_the_supported_range():
    assert adapter.check_moto_version() == MOTO


@pytest.mark.parametrize("found", ["5.1.9", "5.3.0", "6.0.0"])
def test_another_moto_is_refused_with_the_bound_and_the_remedy(found):
    with pytest.raises(adapter.UnsupportedMoto) as refused:
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


# -- the fixes: moto still has each bug (when this fails, moto fixed it: drop the fix) --------------------


def test_moto_still_lists_object_versions_unencoded(aws):
    aws["s3"].create_bucket(Bucket="contract-bucket")
    aws["s3"].put_object(Bucket="contract-bucket", Key="a b+c", Body=b"1")

    listing = aws["s3"].list_object_versions(Bucket="contract-bucket", EncodingType="url")

    assert "EncodingType" not in listing, f"moto {MOTO} encodes keys now: drop url_encode_listed_object_versions"
    assert [v["Key"] for v in listing["Versions"]] == ["a b+c"]


def test_the_listing_fix_encodes_once_and_leaves_an_encoded_listing_alone():
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
        f"moto {MOTO} no longer sends the extra Put: drop drop_extra_put_event_on_multipart_completion"
    )


def test_moto_still_accepts_an_empty_string_expression_value(aws):
    aws["dynamodb"].create_table(TableName="t", **LOG_TABLE)

    found = aws["dynamodb"].scan(
        TableName="t", FilterExpression="begins_with(objectKey, :p)", ExpressionAttributeValues={":p": {"S": ""}}
    )

    assert found["Count"] == 0, f"moto {MOTO} rejects it now: drop reject_empty_string_expression_values"


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


# -- the engine's errors, answered by moto ------------------------------------------------------------


def test_moto_answers_an_engine_error_with_its_status_type_and_body():
    throttled = TooManyRequests("ConcurrentInvocationLimitExceeded")

    answered = MotoJsonError(throttled)

    assert answered.code == 429
    assert json.loads(answered.get_body()) == {
        "Reason": "ConcurrentInvocationLimitExceeded",
        "Type": "User",
        "message": "Rate Exceeded.",
    }
    assert ("X-Amzn-ErrorType", "TooManyRequestsException") in answered.get_headers()


def test_an_engine_error_raised_in_put_item_reaches_the_client_in_dynamodb_s_shape(aws):
    aws["dynamodb"].create_table(TableName="t", **LOG_TABLE)

    def refuse(table: str) -> None:
        raise DynamoDBError("InternalServerError", f"no writes to {table}", 500)

    try:
        moto_dynamodb.before_put_item(refuse)
        with pytest.raises(ClientError) as refused:
            aws["dynamodb"].put_item(
                TableName="t", Item={"requestId": {"S": "r"}, "timestamp": {"S": "0"}, "objectKey": {"S": "k"}}
            )
    finally:
        adapter.restore_all()

    error = refused.value.response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == ("InternalServerError", "no writes to t")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500


# -- patches come off ---------------------------------------------------------------------------------


def test_every_patch_can_be_undone(aws):
    changed = [s for s in adapter.MOTO_SYMBOLS if s.use in ("patched", "wrapped")]
    before = {s.symbol: s.resolve() for s in changed}
    try:
        moto_lambda.take_over_invoke(lambda spec, payload, headers, response: b"")
        moto_lambda.on_change(lambda spec: None)
        moto_s3.route_lambda_notifications(lambda *_: {}, lambda *_: None)
        moto_s3.evaluate_bucket_policies(lambda *_: "NEUTRAL")
        moto_s3.guard_notification_configuration(lambda *_: [])
        moto_dynamodb.before_put_item(lambda table: None)
        moto_app.wsgi_app()
        adapter.install_fixes()
        assert {s.symbol for s in changed if s.resolve() is not before[s.symbol]} == set(before)
    finally:
        adapter.restore_all()

    assert {s.symbol for s in changed if s.resolve() is not before[s.symbol]} == set()
