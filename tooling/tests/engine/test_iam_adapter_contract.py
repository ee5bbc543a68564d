"""The IAM adapter (pipeline_tooling/engine/adapter/iam.py) on the installed moto: a role's policies, its credentials.

test_moto_contract.py resolves the adapter's moto symbols and reads its moto attributes off real
objects; these check what the adapter makes of them, with moto in-process (mock_aws), so a moto
release that stores a role's policies or STS's sessions differently fails here by name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_tooling.engine import adapter
from pipeline_tooling.engine.adapter import iam as moto_iam

ACCOUNT, REGION = "123456789012", "us-east-1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/contract"
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def document(action: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})


@pytest.fixture
def iam() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("iam", region_name=REGION)
        client.create_role(RoleName="contract", AssumeRolePolicyDocument="{}")
        yield client


@pytest.fixture
def iam_with_aws_policies(monkeypatch) -> Iterator[Any]:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # as the engine sets it: AWS managed policies exist
    with mock_aws():
        client = boto3.client("iam", region_name=REGION)
        client.create_role(RoleName="contract", AssumeRolePolicyDocument="{}")
        yield client


def test_the_adapter_s_moto_dependencies_are_in_the_contract():
    assert set(moto_iam.MOTO_SYMBOLS) <= set(adapter.MOTO_SYMBOLS)
    assert set(moto_iam.MOTO_ATTRIBUTES) <= set(adapter.MOTO_ATTRIBUTES)


def test_inline_policies_come_first_then_the_default_version_of_each_attached_one(iam):
    iam.put_role_policy(RoleName="contract", PolicyName="inline", PolicyDocument=document("logs:PutLogEvents"))
    attached = iam.create_policy(PolicyName="attached", PolicyDocument=document("s3:GetObject"))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=attached, PolicyDocument=document("s3:PutObject"), SetAsDefault=True)
    iam.create_policy_version(PolicyArn=attached, PolicyDocument=document("s3:DeleteObject"), SetAsDefault=False)
    iam.attach_role_policy(RoleName="contract", PolicyArn=attached)

    documents = moto_iam.role_policies(ACCOUNT, ROLE_ARN)

    assert documents is not None
    assert [json.loads(d)["Statement"][0]["Action"] for d in documents] == ["logs:PutLogEvents", "s3:PutObject"]


def test_an_aws_managed_policy_is_read_at_its_default_version(iam_with_aws_policies):
    iam = iam_with_aws_policies
    iam.attach_role_policy(RoleName="contract", PolicyArn=S3_READ_ONLY)
    default = iam.get_policy(PolicyArn=S3_READ_ONLY)["Policy"]["DefaultVersionId"]
    expected = iam.get_policy_version(PolicyArn=S3_READ_ONLY, VersionId=default)["PolicyVersion"]["Document"]

    documents = moto_iam.role_policies(ACCOUNT, ROLE_ARN)

    assert documents is not None
    assert [json.loads(d) for d in documents] == [expected]


def test_a_policy_changed_out_of_band_is_read_as_it_is_now(iam):
    iam.put_role_policy(RoleName="contract", PolicyName="inline", PolicyDocument=document("s3:GetObject"))
    before = moto_iam.role_policies(ACCOUNT, ROLE_ARN)

    iam.put_role_policy(RoleName="contract", PolicyName="inline", PolicyDocument=document("s3:PutObject"))

    assert before is not None
    assert [json.loads(d)["Statement"][0]["Action"] for d in before] == ["s3:GetObject"]
    assert [json.loads(d)["Statement"][0]["Action"] for d in moto_iam.role_policies(ACCOUNT, ROLE_ARN) or []] == [
        "s3:PutObject"
    ]


def test_a_missing_role_has_no_policies(iam):
    assert moto_iam.role_policies(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:role/missing") is None


def test_the_role_s_credentials_are_known_to_moto_s_sts(iam):
    credentials = moto_iam.assume_role(ACCOUNT, ROLE_ARN, "fn-contract")

    assert (credentials.role_arn, credentials.account_id) == (ROLE_ARN, ACCOUNT)
    assert credentials.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/contract/fn-contract"
    assert all((credentials.access_key_id, credentials.secret_access_key, credentials.session_token))
    sts = boto3.client(
        "sts",
        region_name=REGION,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
    )
    assert sts.get_caller_identity()["Arn"] == credentials.arn
