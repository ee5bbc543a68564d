"""The Runtime API of one environment, spoken to as awslambdaric speaks to it."""

from __future__ import annotations

import http.client
from collections.abc import Iterator

import pytest
from pipeline_tooling.engine.awslambda.runtime_api import Invocation, RuntimeApi

NEXT = "/2018-06-01/runtime/invocation/next"


@pytest.fixture
def api() -> Iterator[RuntimeApi]:
    runtime_api = RuntimeApi()
    runtime_api.start()
    yield runtime_api
    runtime_api.stop()


def runtime_round(api: RuntimeApi, invocation: Invocation) -> tuple[str, int]:
    """Take the invocation as the runtime does and post its response; the request id and the status."""
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        api.submit(invocation)
        connection.request("GET", NEXT)
        taken = connection.getresponse()
        taken.read()
        request_id = taken.headers["Lambda-Runtime-Aws-Request-Id"]
        connection.request("POST", f"/2018-06-01/runtime/invocation/{request_id}/response", body=b'"done"')
        posted = connection.getresponse()
        posted.read()
        return request_id, posted.status
    finally:
        connection.close()


def invocation(request_id: str, *, environment_killed: bool = False) -> Invocation:
    return Invocation(
        request_id, b"{}", "arn:aws:lambda:us-east-1:123456789012:function:f", 0, environment_killed=environment_killed
    )


def test_a_posted_response_resolves_the_invocation(api):
    ordinary = invocation("req-1")

    assert runtime_round(api, ordinary) == ("req-1", 202)
    assert ordinary.done.is_set()
    assert (ordinary.response, ordinary.error_type) == (b'"done"', None)


def test_the_response_of_an_invocation_whose_environment_is_killed_is_never_taken(api):
    """A kill that lands after the handler returned but before Lambda had its result still fails the attempt:
    the worker resolves it as the runtime's exit, so every injected kill costs its event one attempt."""
    killed = invocation("req-2", environment_killed=True)

    assert runtime_round(api, killed) == ("req-2", 202)
    assert not killed.done.wait(0.2)
    assert killed.started.is_set()


def test_a_response_for_another_request_is_refused(api):
    ordinary = invocation("req-3")
    api.submit(ordinary)
    host, port = api.address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", NEXT)
    connection.getresponse().read()
    connection.request("POST", "/2018-06-01/runtime/invocation/someone-else/response", body=b"{}")
    refused = connection.getresponse()
    body = refused.read()
    connection.close()

    assert (refused.status, body) == (
        400,
        b'{"errorType": "InvalidRequestID", "errorMessage": "no such invocation in flight"}',
    )
    assert not ordinary.done.is_set()
