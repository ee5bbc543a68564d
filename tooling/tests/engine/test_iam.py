"""IAM for functions: each call is evaluated against the execution role, action and resource, as AWS does."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.targets import Target

from tests.engine.conftest import function_maker, invoke, running_engine
from tests.log_table import LOG_TABLE

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration

ACCOUNT, REGION = "123456789012", "us-east-1"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/iam-allowed"
LOGS_ALLOWED = {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}

# One handler for every case: it makes the call the event names, with the environment's credentials.
CALLER = """
import json, os, boto3
from botocore.exceptions import ClientError

def lambda_handler(event, context):
    client = boto3.client(event["service"])
    try:
        getattr(client, event["call"])(**event.get("args", {}))
    except ClientError as error:
        return {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
    return {"code": "ok"}
"""


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [LOGS_ALLOWED, *statements]}


PUT_ITEM_ON_ONE_TABLE = policy({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE_ARN})


@pytest.fixture(scope="module")
def tables(aws: Clients) -> list[str]:
    for name in ("iam-allowed", "iam-other"):
        aws.dynamodb.create_table(TableName=name, **LOG_TABLE)
    return ["iam-allowed", "iam-other"]


def put(table: str) -> dict[str, Any]:
    return {
        "service": "dynamodb",
        "call": "put_item",
        "args": {"TableName": table, "Item": {"requestId": {"S": "a"}, "timestamp": {"S": "b"}}},
    }


def call(aws: Clients, name: str, event: dict[str, Any]) -> dict[str, Any]:
    error, result = invoke(aws, name, event)
    assert error is None, result
    return dict(result)


def role_session(aws: Clients, name: str) -> str:
    role = aws.lambda_.get_function(FunctionName=name)["Configuration"]["Role"].rsplit("/", 1)[-1]
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{name}"


@pytest.fixture
def caller(engine: Target) -> Callable[[dict[str, Any]], str]:
    return lambda role_policy: function_maker(engine, role_policy)(CALLER)


def test_a_call_the_role_allows_goes_through(aws, tables, caller):
    name = caller(PUT_ITEM_ON_ONE_TABLE)

    assert call(aws, name, put("iam-allowed")) == {"code": "ok"}


def test_an_action_the_role_lacks_is_denied_naming_action_and_resource(aws, tables, caller):
    name = caller(PUT_ITEM_ON_ONE_TABLE)

    result = call(aws, name, {"service": "dynamodb", "call": "describe_table", "args": {"TableName": "iam-allowed"}})

    assert result == {
        "code": "AccessDeniedException",
        "message": f"User: {role_session(aws, name)} is not authorized to perform: dynamodb:DescribeTable on "
        f"resource: {TABLE_ARN} because no identity-based policy allows the dynamodb:DescribeTable action",
    }


def test_the_same_action_on_another_table_is_denied(aws, tables, caller):
    name = caller(PUT_ITEM_ON_ONE_TABLE)

    result = call(aws, name, put("iam-other"))

    assert result["code"] == "AccessDeniedException"
    assert f"dynamodb:PutItem on resource: arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/iam-other" in result["message"]


def test_s3_refuses_in_its_own_shape_with_the_object_arn(aws, tables, caller):
    aws.s3.create_bucket(Bucket="iam-bucket")
    name = caller(PUT_ITEM_ON_ONE_TABLE)

    result = call(aws, name, {"service": "s3", "call": "put_object", "args": {"Bucket": "iam-bucket", "Key": "k"}})

    assert result == {
        "code": "AccessDenied",
        "message": f"User: {role_session(aws, name)} is not authorized to perform: s3:PutObject on resource: "
        "arn:aws:s3:::iam-bucket/k because no identity-based policy allows the s3:PutObject action",
    }


def test_an_explicit_deny_wins_over_an_allow(aws, tables, caller):
    name = caller(
        policy(
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": TABLE_ARN},
        )
    )

    denied = call(aws, name, put("iam-allowed"))

    assert denied["message"].endswith("with an explicit deny in an identity-based policy")
    assert call(aws, name, put("iam-other")) == {"code": "ok"}


def test_known_condition_keys_are_evaluated(aws, tables, caller):
    over_tls_only = {"Bool": {"aws:SecureTransport": "true"}}
    name = caller(
        policy({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*", "Condition": over_tls_only})
    )

    assert call(aws, name, put("iam-allowed")) == {"code": "ok"}  # the function's endpoint is HTTPS


def test_an_unknown_condition_key_denies_naming_the_key(aws, tables, caller):
    unknown = {"StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}}
    name = caller(policy({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*", "Condition": unknown}))

    result = call(aws, name, put("iam-allowed"))

    assert result["code"] == "AccessDeniedException"
    assert result["message"].endswith(
        "because the embedded engine cannot evaluate the policy's condition key aws:CalledVia"
    )


def test_a_policy_changed_out_of_band_applies_to_the_next_call(aws, tables, caller):
    name = caller(PUT_ITEM_ON_ONE_TABLE)
    assert call(aws, name, put("iam-allowed")) == {"code": "ok"}
    role = aws.lambda_.get_function(FunctionName=name)["Configuration"]["Role"].rsplit("/", 1)[-1]

    aws.iam.put_role_policy(RoleName=role, PolicyName="access", PolicyDocument=json.dumps(policy()))

    assert call(aws, name, put("iam-allowed"))["code"] == "AccessDeniedException"


def test_the_function_runs_as_its_role(aws, engine):
    name = function_maker(engine, policy())(
        """
        import boto3, os
        def lambda_handler(event, context):
            return {"arn": boto3.client("sts").get_caller_identity()["Arn"],
                    "token": bool(os.environ.get("AWS_SESSION_TOKEN")),
                    "key": os.environ["AWS_ACCESS_KEY_ID"][:4]}
        """
    )

    assert call(aws, name, {}) == {"arn": role_session(aws, name), "token": True, "key": "ASIA"}


def test_without_log_permissions_the_output_goes_nowhere(aws, engine):
    quiet = function_maker(
        engine, {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    name = quiet("def lambda_handler(e, c):\n    print('a line')\n    return 1\n")

    assert invoke(aws, name) == (None, 1)  # the sink has run by the time the invoke returns

    assert aws.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"] == []


def test_a_malformed_policy_is_refused_when_it_is_put(aws):
    role = aws.iam.create_role(RoleName="malformed", AssumeRolePolicyDocument="{}")["Role"]["RoleName"]
    bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}

    with pytest.raises(ClientError) as refused:
        aws.iam.put_role_policy(RoleName=role, PolicyName="bad", PolicyDocument=json.dumps(bad))

    assert refused.value.response["Error"]["Code"] == "MalformedPolicyDocument"


@pytest.fixture(scope="module")
def unenforced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with running_engine(tmp_path_factory.mktemp("no-iam"), "--no-enforce-iam") as target:
        yield target


def test_with_enforcement_off_the_role_is_not_consulted(unenforced):
    aws = Clients.for_target(unenforced)
    aws.dynamodb.create_table(TableName="iam-allowed", **LOG_TABLE)
    name = function_maker(unenforced, PUT_ITEM_ON_ONE_TABLE)(CALLER)

    result = call(aws, name, {"service": "dynamodb", "call": "describe_table", "args": {"TableName": "iam-allowed"}})

    assert result == {"code": "ok"}
