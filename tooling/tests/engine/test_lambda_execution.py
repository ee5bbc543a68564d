"""The engine runs real handler code through awslambdaric, as Lambda would."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from pipeline_tooling.harness.polling import wait_until

from tests.engine.conftest import invoke, lines_of, zip_of

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration

REPORTING_HANDLER = """
import os

def lambda_handler(event, context):
    keys = ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_ENDPOINT_URL",
            "AWS_CA_BUNDLE", "GREETING", "AWS_EXECUTION_ENV")
    print("handling", event.get("n"))
    return {"pid": os.getpid(), "env": {k: os.environ.get(k) for k in keys},
            "request_id": context.aws_request_id, "remaining_ms": context.get_remaining_time_in_millis()}
"""


def test_runs_the_handler_with_lambdas_environment(aws, engine, make_function):
    name = make_function(REPORTING_HANDLER, env={"GREETING": "hi"})

    error, result = invoke(aws, name, {"n": 1})

    assert error is None
    env = result["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_ENDPOINT_URL"] == engine.endpoint
    assert env["AWS_CA_BUNDLE"] == engine.ca_bundle
    assert env["GREETING"] == "hi"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert 0 < result["remaining_ms"] <= 10_000


def test_workers_stay_warm_between_invocations(aws, make_function):
    name = make_function(REPORTING_HANDLER)

    first = invoke(aws, name)[1]
    second = invoke(aws, name)[1]

    assert first["pid"] == second["pid"]
    assert first["request_id"] != second["request_id"]


def test_new_code_gets_a_new_worker(aws, make_function):
    name = make_function(REPORTING_HANDLER)
    before = invoke(aws, name)[1]

    aws.lambda_.update_function_code(
        FunctionName=name, ZipFile=zip_of("import os\ndef lambda_handler(e, c):\n    return ['v2', os.getpid()]\n")
    )

    error, (version, pid) = invoke(aws, name)
    assert (error, version) == (None, "v2")
    assert pid != before["pid"]  # new code, new environment


def test_timeout_is_enforced_and_the_worker_replaced(aws, make_function):
    name = make_function(
        """
        import os, time
        def lambda_handler(event, context):
            if event.get("sleep"):
                time.sleep(30)
            return os.getpid()
        """,
        timeout=1,
    )
    stuck_pid = invoke(aws, name)[1]

    started = time.monotonic()
    error, result = invoke(aws, name, {"sleep": True})
    elapsed = time.monotonic() - started

    assert error == "Unhandled"
    assert result["errorType"] == "Sandbox.Timedout"
    assert "timed out after 1.00 seconds" in result["errorMessage"]
    assert elapsed < 10
    fresh_pid = invoke(aws, name)[1]
    assert fresh_pid != stuck_pid


def test_handler_exception_is_a_function_error(aws, make_function):
    name = make_function("def lambda_handler(e, c):\n    raise ValueError('bad input')\n")

    error, result = invoke(aws, name)

    assert error == "Unhandled"
    assert result["errorType"] == "ValueError"
    assert result["errorMessage"] == "bad input"


def test_import_error_is_an_init_error(aws, make_function):
    name = make_function("import not_a_module_anywhere\ndef lambda_handler(e, c):\n    return 1\n")

    error, result = invoke(aws, name)

    assert error == "Unhandled"
    assert result["errorType"] == "Runtime.ImportModuleError"
    assert result["errorMessage"] == "Unable to import module 'index': No module named 'not_a_module_anywhere'"


def test_output_lands_in_the_log_group(aws, make_function):
    name = make_function(REPORTING_HANDLER)
    invoke(aws, name, {"n": 7})

    def messages() -> list[str]:
        events = aws.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return [e["message"] for e in events]

    found = wait_until(messages, lambda m: any(x.startswith("REPORT") for x in m), timeout=10, what="REPORT line")
    assert any(m.startswith("START RequestId:") for m in found)
    assert "handling 7" in found
    assert any(m.startswith("END RequestId:") for m in found)


def test_async_invocation_is_retried_after_a_failure(aws, make_function, tmp_path):
    attempts = tmp_path / "attempts"
    name = make_function(
        """
        def lambda_handler(event, context):
            with open(event["path"], "a") as f:
                f.write(context.aws_request_id + "\\n")
            with open(event["path"]) as f:
                if len(f.read().splitlines()) < 2:
                    raise RuntimeError("first attempt fails")
            return "ok"
        """
    )

    response = aws.lambda_.invoke(
        FunctionName=name, InvocationType="Event", Payload=json.dumps({"path": str(attempts)}).encode()
    )

    assert response["StatusCode"] == 202
    seen = wait_until(lambda: lines_of(attempts), lambda lines: len(lines) >= 2, timeout=15, what="a retry")
    assert len(set(seen)) == 1  # the retry keeps the request id, as in Lambda


def test_failed_async_event_goes_to_the_on_failure_queue(aws, make_function):
    name = make_function("def lambda_handler(event, context):\n    raise RuntimeError('always')\n")
    queue_url = aws.sqs.create_queue(QueueName=f"{name}-failures")["QueueUrl"]
    queue_arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.lambda_.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )

    aws.lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"original": true}')

    def received() -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = aws.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        return messages

    [message] = wait_until(received, bool, timeout=20, what="the failure record")
    record = json.loads(message["Body"])
    assert record["requestPayload"] == {"original": True}
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2  # 1 + MaximumRetryAttempts
    assert record["requestContext"]["functionArn"].endswith(f":function:{name}:$LATEST")
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "always"
