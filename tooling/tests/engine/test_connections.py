"""Connections are kept alive: a client, and a function's client, make one TLS connection for many requests."""

from __future__ import annotations

import json

import pytest
from pipeline_tooling.harness.clients import client

from tests.engine.conftest import quiet, stats

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


# Each stats call is itself one new connection (urllib does not keep it), counted before it answers.
STATS_CALL = 1


def test_fifty_requests_from_one_client_take_one_tls_handshake(engine):
    dynamodb = client(engine, "dynamodb")
    before = quiet(engine)["tls_connections"]

    for _ in range(50):
        dynamodb.list_tables()

    assert stats(engine)["tls_connections"] - before == 1 + STATS_CALL


def test_a_warm_functions_client_keeps_its_connection_across_invocations(engine, make_function):
    name = make_function(
        """
        import boto3
        s3 = boto3.client("s3")  # once per environment, as the handler does
        def lambda_handler(event, context):
            for _ in range(10):
                s3.list_buckets()
            return "ok"
        """
    )
    invoker = client(engine, "lambda")
    assert invoke_with(invoker, name) == "ok"  # the environment's client is connected now
    before = quiet(engine)["tls_connections"]

    results = [invoke_with(invoker, name) for _ in range(5)]

    assert results == ["ok"] * 5
    assert stats(engine)["tls_connections"] - before == STATS_CALL  # 50 S3 calls and 5 invokes: no new one


def invoke_with(lambda_client, name: str) -> str:
    return str(json.loads(lambda_client.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()))
