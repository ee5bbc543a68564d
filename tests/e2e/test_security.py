"""What the README claims about security, read back from the deployed stack."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from pipeline_tooling.harness.capabilities import Capability
from pipeline_tooling.harness.clients import client


@pytest.mark.needs(Capability.PLAIN_HTTP_POLICY)
def test_plain_http_is_denied_and_https_allowed(target, clients, stack):
    plain = client(target, "s3", endpoint=target.plain_http_endpoint)

    clients.s3.put_object(Bucket=stack.bucket, Key="tls/allowed.txt", Body=b"1")
    with pytest.raises(ClientError) as denied:
        plain.put_object(Bucket=stack.bucket, Key="tls/denied.txt", Body=b"1")

    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError):
        clients.s3.head_object(Bucket=stack.bucket, Key="tls/denied.txt")
    for bucket_request in (plain.list_objects_v2, plain.get_bucket_policy):  # the bucket itself, too
        with pytest.raises(ClientError) as refused:
            bucket_request(Bucket=stack.bucket)
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_bucket_is_private_encrypted_and_tls_only(clients, stack):
    block = clients.s3.get_public_access_block(Bucket=stack.bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rules = clients.s3.get_bucket_encryption(Bucket=stack.bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    ownership = clients.s3.get_bucket_ownership_controls(Bucket=stack.bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    [statement] = json.loads(clients.s3.get_bucket_policy(Bucket=stack.bucket)["Policy"])["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] in ("*", {"AWS": "*"})
    assert statement["Action"] in ("s3:*", ["s3:*"])
    assert sorted(statement["Resource"]) == [stack.outputs["s3_bucket_arn"], stack.outputs["s3_bucket_arn"] + "/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_role_allows_only_what_the_function_needs(clients, stack):
    role = stack.outputs["lambda_role_arn"].rsplit("/", 1)[-1]
    trust = clients.iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(trust)
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]
    assert clients.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    names = clients.iam.list_role_policies(RoleName=role)["PolicyNames"]
    assert names == ["s3-processor-access"]
    document = clients.iam.get_role_policy(RoleName=role, PolicyName=names[0])["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)

    allowed = {
        "logs:CreateLogStream": {f"{_log_group_arn(stack)}:*"},
        "logs:PutLogEvents": {f"{_log_group_arn(stack)}:*"},
        "s3:GetObject": {stack.outputs["s3_bucket_arn"] + "/*"},
        "dynamodb:PutItem": {stack.outputs["dynamodb_table_arn"]},
        "sqs:SendMessage": {stack.outputs["failure_queue_arn"]},
    }
    granted: dict[str, set[str]] = {}
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            granted.setdefault(action, set()).update(_as_list(statement["Resource"]))
    assert granted == allowed


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _log_group_arn(stack) -> str:
    table_arn = stack.outputs["dynamodb_table_arn"]  # arn:aws:dynamodb:<region>:<account>:table/<name>
    _, partition, _, region, account, _ = table_arn.split(":", 5)
    return f"arn:{partition}:logs:{region}:{account}:log-group:{stack.outputs['log_group_name']}"
