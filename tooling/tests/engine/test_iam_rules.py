"""The engine's policy evaluator and its request-to-action mapping, without an engine."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pipeline_tooling.engine.iam.actions import Call, Signed, Unmapped, calls, s3_calls
from pipeline_tooling.engine.iam.policy import Decision, evaluate

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/t"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(**more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **more}


@pytest.mark.parametrize(
    ("statement", "action", "resource", "effect"),
    [
        (allow(Action="dynamodb:PutItem", Resource=TABLE), "dynamodb:PutItem", TABLE, "Allow"),
        (allow(Action="dynamodb:Put*", Resource="arn:aws:dynamodb:*:*:table/*"), "dynamodb:PutItem", TABLE, "Allow"),
        (allow(Action="DynamoDB:putitem", Resource=TABLE), "dynamodb:PutItem", TABLE, "Allow"),  # actions ignore case
        (allow(Action="dynamodb:PutItem", Resource=TABLE.upper()), "dynamodb:PutItem", TABLE, "Neutral"),
        (allow(Action="dynamodb:PutItem", Resource=TABLE + "?"), "dynamodb:PutItem", TABLE, "Neutral"),
        (allow(NotAction="dynamodb:DeleteItem", Resource="*"), "dynamodb:PutItem", TABLE, "Allow"),
        (allow(NotAction="dynamodb:PutItem", Resource="*"), "dynamodb:PutItem", TABLE, "Neutral"),
        (allow(Action="*", NotResource=TABLE), "dynamodb:PutItem", TABLE, "Neutral"),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, "dynamodb:PutItem", TABLE, "Deny"),
    ],
)
def test_action_and_resource_decide(statement, action, resource, effect):
    assert evaluate([doc(statement)], action, resource, {}) == Decision(effect)


@pytest.mark.parametrize(
    ("condition", "context", "effect"),
    [
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:securetransport": "true"}, "Allow"),
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:securetransport": "false"}, "Neutral"),
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws:sourceip": "127.0.0.1"}, "Allow"),
        ({"NotIpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, {"aws:sourceip": "127.0.0.1"}, "Neutral"),
        (
            {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app-*"}},
            {"aws:principalarn": "arn:aws:iam::1:role/app-x"},
            "Allow",
        ),
        ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {}, "Allow"),
        ({"StringEquals": {"aws:SourceAccount": "1"}}, {}, "Neutral"),
        ({"Null": {"aws:SourceArn": "true"}}, {}, "Allow"),
        ({"StringNotEquals": {"aws:SourceAccount": "1"}}, {"aws:sourceaccount": "2"}, "Allow"),
    ],
)
def test_conditions_on_known_keys(condition, context, effect):
    statement = allow(Action="*", Resource="*", Condition=condition)

    assert evaluate([doc(statement)], "s3:GetObject", "arn:aws:s3:::b/k", context) == Decision(effect)


@pytest.mark.parametrize(
    ("condition", "named"),
    [
        ({"StringEquals": {"aws:CalledVia": "x"}}, "condition key aws:CalledVia"),
        ({"StringEquals": {"s3:prefix": "x"}}, "condition key s3:prefix"),
        ({"NumericLessThan": {"aws:SourceAccount": "1"}}, "condition operator NumericLessThan"),
        ({"ForAnyValue:StringEquals": {"aws:SourceAccount": "1"}}, "condition operator ForAnyValue:StringEquals"),
    ],
)
def test_what_cannot_be_evaluated_denies_and_is_named(condition, named):
    statement = allow(Action="*", Resource="*", Condition=condition)

    assert evaluate([doc(statement)], "s3:GetObject", "arn:aws:s3:::b/k", {}) == Decision("Deny", named)


def test_resource_policies_apply_to_the_principals_they_name():
    statement = allow(Principal={"Service": "s3.amazonaws.com"}, Action="lambda:InvokeFunction", Resource="*")

    assert evaluate(
        [doc(statement)], "lambda:InvokeFunction", "f", {}, principal={"Service": "s3.amazonaws.com"}
    ).allowed
    assert not evaluate(
        [doc(statement)], "lambda:InvokeFunction", "f", {}, principal={"AWS": "arn:aws:iam::1:root"}
    ).allowed
    assert not evaluate([doc(statement)], "lambda:InvokeFunction", "f", {}).allowed  # an identity policy names none


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/b/k", "", [Call("s3:GetObject", "arn:aws:s3:::b/k")]),
        ("HEAD", "/b/dir/a%20b", "", [Call("s3:GetObject", "arn:aws:s3:::b/dir/a b")]),
        ("PUT", "/b/k", "", [Call("s3:PutObject", "arn:aws:s3:::b/k")]),
        ("PUT", "/b/k", "partNumber=1&uploadId=u", [Call("s3:PutObject", "arn:aws:s3:::b/k")]),
        ("DELETE", "/b/k", "", [Call("s3:DeleteObject", "arn:aws:s3:::b/k")]),
        ("GET", "/b", "list-type=2&prefix=p", [Call("s3:ListBucket", "arn:aws:s3:::b")]),
        ("GET", "/b", "versions&encoding-type=url", [Call("s3:ListBucketVersions", "arn:aws:s3:::b")]),
        ("GET", "/b", "policy", [Call("s3:GetBucketPolicy", "arn:aws:s3:::b")]),
        ("GET", "/", "", [Call("s3:ListAllMyBuckets", "*")]),
    ],
)
def test_s3_requests_map_to_action_and_arn(method, path, query, expected):
    assert s3_calls(method, path, query, {}, b"") == expected


def test_a_copy_needs_the_source_too_and_a_batch_delete_each_key():
    copy = s3_calls("PUT", "/b/to", "", {"x-amz-copy-source": "/src/from%20here"}, b"")
    delete = s3_calls("POST", "/b", "delete", {}, b"<Delete><Object><Key>a</Key></Object><Object><Key>b</Key></Object>")

    assert copy == [Call("s3:PutObject", "arn:aws:s3:::b/to"), Call("s3:GetObject", "arn:aws:s3:::src/from here")]
    assert delete == [Call("s3:DeleteObject", "arn:aws:s3:::b/a"), Call("s3:DeleteObject", "arn:aws:s3:::b/b")]


def test_an_s3_request_it_does_not_know_is_unmapped_by_name():
    assert s3_calls("PUT", "/b", "lifecycle", {}, b"") == Unmapped("S3 PUT bucket ?lifecycle")


def environ(target: str) -> dict[str, Any]:
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_X_AMZ_TARGET": target}


SIGNED = Signed("ASIA", "us-east-1", "dynamodb")


@pytest.mark.parametrize(
    ("target", "body", "expected"),
    [
        ("DynamoDB_20120810.PutItem", {"TableName": "t"}, [Call("dynamodb:PutItem", TABLE)]),
        ("DynamoDB_20120810.Query", {"TableName": "t", "IndexName": "i"}, [Call("dynamodb:Query", TABLE + "/index/i")]),
        (
            "DynamoDB_20120810.BatchWriteItem",
            {"RequestItems": {"t": [], "u": []}},
            [Call("dynamodb:BatchWriteItem", TABLE), Call("dynamodb:BatchWriteItem", TABLE[:-1] + "u")],
        ),
        ("DynamoDB_20120810.ListTables", {}, [Call("dynamodb:ListTables", "*")]),
        ("DynamoDB_20120810.DescribeTable", {}, Unmapped("dynamodb:DescribeTable names no table the engine can read")),
    ],
)
def test_dynamodb_requests_name_their_tables(target, body, expected):
    assert calls(environ(target), json.dumps(body).encode(), SIGNED, "123456789012") == expected


def test_log_writes_name_the_stream_and_queues_their_arn():
    logs = Signed("ASIA", "us-east-1", "logs")
    sqs = Signed("ASIA", "us-east-1", "sqs")
    put = {"logGroupName": "/aws/lambda/f", "logStreamName": "s"}
    send = {"QueueUrl": "https://127.0.0.1/123456789012/q"}

    assert calls(environ("Logs_20140328.PutLogEvents"), json.dumps(put).encode(), logs, "123456789012") == [
        Call("logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:log-stream:s")
    ]
    assert calls(environ("AmazonSQS.SendMessage"), json.dumps(send).encode(), sqs, "123456789012") == [
        Call("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q")
    ]
