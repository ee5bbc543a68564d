"""Waits that know when to give up: each way of giving up, each fallback, and what a wait that runs out says.

The log group and the queue are moto's, written the way each engine writes them (the embedded engine
and AWS: the runtime's ``[ERROR] Type: message`` line between START and END; MiniStack: a plain
traceback, one line per event; everywhere: the handler's JSON lines and Lambda's on-failure record).
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws
from pipeline_tooling.harness.items import exactly, wait_for_items
from pipeline_tooling.harness.outcomes import Outcomes, attempts_of
from pipeline_tooling.harness.polling import DeadlineExceeded, GaveUpWaiting

from tests.log_table import LOG_TABLE

GROUP = "/aws/lambda/s3-processor-t"
DENIED = (
    "ClientError: An error occurred (AccessDeniedException) when calling the DescribeTable operation: User: "
    "arn:aws:sts::123456789012:assumed-role/r/s3-processor-t is not authorized to perform: dynamodb:DescribeTable "
    "on resource: arn:aws:dynamodb:us-east-1:123456789012:table/t"
)


class Pipeline:
    """A function's log group and failure queue on moto, written to as an engine would."""

    def __init__(self) -> None:
        self.logs = boto3.client("logs", region_name="us-east-1")
        self.sqs = boto3.client("sqs", region_name="us-east-1")
        self.dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        self.logs.create_log_group(logGroupName=GROUP)
        self.queue_url = self.sqs.create_queue(QueueName="s3-processor-failures-t")["QueueUrl"]
        self.dynamodb.create_table(TableName="t", **LOG_TABLE)
        self._streams: set[str] = set()

    def log(self, *messages: str, stream: str = "2026/12/01/[$LATEST]a") -> None:
        if stream not in self._streams:
            self.logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
            self._streams.add(stream)
        now = int(time.time() * 1000)
        self.logs.put_log_events(
            logGroupName=GROUP, logStreamName=stream, logEvents=[{"timestamp": now, "message": m} for m in messages]
        )

    def invocation(self, request_id: str, *lines: str, stream: str = "2026/12/01/[$LATEST]a") -> None:
        self.log(
            f"START RequestId: {request_id} Version: $LATEST", *lines, f"END RequestId: {request_id}", stream=stream
        )

    def outcomes(self, *, queue: bool = True, attempts: int = 3) -> Outcomes:
        return Outcomes(
            self.logs, GROUP, sqs=self.sqs, queue_url=self.queue_url if queue else None, attempts=attempts, every_s=0
        )

    def fail_record(self, key: str, *, count: int = 3, error: tuple[str, str] = ("ClientError", DENIED)) -> None:
        """Lambda's on-failure destination record for an event of ``key`` (URL-encoded, as S3 sends it)."""
        record = {
            "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": count},
            "requestPayload": {"Records": [{"s3": {"object": {"key": key.replace(" ", "+")}}}]},
            "responseContext": {"functionError": "Unhandled"},
            "responsePayload": {"errorType": error[0], "errorMessage": error[1]},
        }
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(record))


def handler_line(message: str, key: str, level: str = "INFO", **fields: Any) -> str:
    return json.dumps({"level": level, "message": message, "key": key, "requestId": "item-1", **fields})


def write_failed(key: str, error: str = DENIED, **fields: Any) -> str:
    return handler_line("write failed, raising so Lambda retries the event", key, "ERROR", error=error, **fields)


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    with mock_aws():
        yield Pipeline()


# ---------------------------------------------------------------- each way of giving up ---


def test_an_event_in_the_failure_queue_is_given_up_on_with_lambdas_record(pipeline):
    outcomes = pipeline.outcomes()
    pipeline.fail_record("in/a b.txt", count=3)

    gave_up = outcomes.gave_up(["in/a b.txt"])

    assert gave_up is not None
    assert gave_up.key == "in/a b.txt"  # decoded as the handler decodes it
    assert gave_up.why == (
        "its event reached the on-failure queue s3-processor-failures-t: RetriesExhausted after 3 attempt(s); "
        f"the error: ClientError: {DENIED}"
    )
    assert outcomes.gave_up(["in/other.txt"]) is None  # another key's failure is not this wait's


def test_the_last_attempt_failing_is_given_up_on_and_not_before(pipeline):
    outcomes = pipeline.outcomes(queue=False)
    for attempt in range(1, 3):
        pipeline.invocation(f"r{attempt}", write_failed("in/k.txt"), "[ERROR] ClientError: ...")
        assert outcomes.gave_up(["in/k.txt"]) is None, f"gave up after attempt {attempt} of 3"

    pipeline.invocation("r3", write_failed("in/k.txt"))

    gave_up = outcomes.gave_up(["in/k.txt"])
    assert str(gave_up) == (
        f"'in/k.txt': retries exhausted: attempt 3 of 3 failed: {DENIED}; "
        "Lambda sends the event to nowhere (no failure queue)"
    )


def test_the_attempts_are_the_functions_own_retry_setting(pipeline):
    outcomes = pipeline.outcomes(queue=False, attempts=1)  # maximum_retry_attempts = 0
    pipeline.invocation("r1", write_failed("in/k.txt"))

    assert outcomes.gave_up(["in/k.txt"]) is not None


def test_a_rejected_record_is_given_up_on_at_once(pipeline):
    outcomes = pipeline.outcomes()
    reason = "eventTime is not an ISO 8601 time: 'yesterday'"
    pipeline.invocation("r1", handler_line("malformed record skipped", "in/bad.txt", "ERROR", reason=reason))

    assert str(outcomes.gave_up(["in/bad.txt"])) == (
        f"'in/bad.txt': the handler rejected the record (never retried): {reason}"
    )


@pytest.mark.parametrize(
    "line",
    [
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'index': No module named 'nope'\nTraceback",
        json.dumps(
            {
                "errorType": "Runtime.ImportModuleError",
                "errorMessage": "Unable to import module 'index': No module named 'nope'",
            }
        ),
    ],
    ids=["text log format", "JSON log format"],
)
def test_a_function_that_cannot_import_its_handler_is_given_up_on_for_every_key(pipeline, line):
    outcomes = pipeline.outcomes()
    pipeline.invocation("r1", line)

    gave_up = outcomes.gave_up(["in/any.txt"])

    assert gave_up is not None
    assert gave_up.key is None
    assert gave_up.why == (
        "the function cannot start: Runtime.ImportModuleError: Unable to import module 'index': "
        "No module named 'nope' (a retry runs the same code)"
    )


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (("[ERROR] RuntimeError: broken\nTraceback (most recent call last):",), "RuntimeError: broken"),
        (  # MiniStack: the traceback as plain lines, one log event each
            (
                "Traceback (most recent call last):",
                '  File "index.py", line 3, in lambda_handler',
                "RuntimeError: broken",
            ),
            "RuntimeError: broken",
        ),
    ],
    ids=["runtime's error line", "plain traceback"],
)
def test_a_handler_that_raises_before_any_record_is_given_up_on_after_every_attempt(pipeline, lines, error):
    outcomes = pipeline.outcomes(queue=False)
    for n in range(1, 3):
        pipeline.invocation(f"r{n}", *lines, stream=f"s{n}")
        assert outcomes.gave_up(["in/k.txt"]) is None

    pipeline.invocation("r3", *lines, stream="s3")

    gave_up = outcomes.gave_up(["in/k.txt"])
    assert gave_up is not None
    assert gave_up.why == (
        "the function fails before it reaches a record: 3 invocation(s) failed and none succeeded in the log "
        f"read; the last error: {error}"
    )


# ---------------------------------------------------------------- what is never a reason ---


def test_transient_failures_that_a_retry_fixes_never_give_up(pipeline):
    outcomes = pipeline.outcomes()
    pipeline.invocation("r1", write_failed("in/k.txt", error="ClientError: ThrottlingException", transient=True))
    pipeline.invocation("r2", write_failed("in/k.txt", error="ClientError: ThrottlingException", transient=True))
    pipeline.invocation("r3", handler_line("log item written", "in/k.txt"))
    pipeline.invocation("r4", write_failed("in/k.txt"))  # a late duplicate's failure, after the item was written

    assert outcomes.gave_up(["in/k.txt"]) is None


@pytest.mark.parametrize(
    "lines",
    [
        (
            "[ERROR] Runtime.ExitError: Runtime exited with error: signal: killed",
            "2026-12-01T00:00:00Z t Task timed out",
        ),
        (
            json.dumps({"errorType": "Runtime.ExitError", "errorMessage": "Runtime exited with error: signal: killed"}),
            json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 3.00 seconds"}),
        ),
    ],
    ids=["text log format", "JSON log format"],
)
def test_killed_and_timed_out_environments_are_not_a_broken_function(pipeline, lines):
    outcomes = pipeline.outcomes()
    for n in range(4):
        pipeline.invocation(f"k{n}", lines[0])
        pipeline.invocation(f"t{n}", lines[1])

    assert outcomes.gave_up(["in/k.txt"]) is None


def test_an_aws_error_without_its_handler_line_is_a_lost_line_not_a_broken_function(pipeline):
    """The handler logs every AWS error with its key before raising it (MiniStack can lose that line)."""
    outcomes = pipeline.outcomes()
    for n in range(4):
        pipeline.invocation(f"r{n}", "Traceback (most recent call last):", "botocore.exceptions.ClientError: throttled")

    assert outcomes.gave_up(["in/k.txt"]) is None


def test_each_delivery_of_a_duplicated_event_has_attempts_of_its_own(pipeline):
    """S3 may deliver an event twice: both copies carry the same item requestId, each its own Lambda request id."""
    outcomes = pipeline.outcomes(queue=False)
    pipeline.invocation("d1", write_failed("in/k.txt", awsRequestId="d1"))
    pipeline.invocation("d1", write_failed("in/k.txt", awsRequestId="d1"))
    pipeline.invocation("d2", write_failed("in/k.txt", awsRequestId="d2"))
    assert outcomes.gave_up(["in/k.txt"]) is None  # 2 of 3 and 1 of 3: both copies may still succeed

    pipeline.invocation("d1", write_failed("in/k.txt", awsRequestId="d1"))

    assert "retries exhausted: attempt 3 of 3 failed" in str(outcomes.gave_up(["in/k.txt"]))


def test_a_failure_inside_an_invocation_that_named_its_key_is_that_keys_not_the_functions(pipeline):
    outcomes = pipeline.outcomes(queue=False)
    for n in range(3):  # a throttled write: the handler's line, then the runtime's error for the same invocation
        pipeline.invocation(f"r{n}", write_failed("in/k.txt", transient=True), "[ERROR] ClientError: throttled")

    assert outcomes.gave_up(["in/other.txt"]) is None


def test_a_success_clears_an_earlier_init_error(pipeline):
    outcomes = pipeline.outcomes()
    pipeline.invocation("r1", "[ERROR] Runtime.UserCodeSyntaxError: invalid syntax (index.py, line 9)")
    pipeline.invocation("r2", handler_line("log item written", "in/k.txt"))  # new code since

    assert outcomes.gave_up(["in/j.txt"]) is None


# ---------------------------------------------------------------- fallbacks on bad input ---


def test_lines_that_are_not_json_or_not_the_handlers_are_read_as_plain_text(pipeline):
    outcomes = pipeline.outcomes()
    pipeline.invocation("r1", "{not json", "[1, 2]", '{"key": 7}', "plain words", "Traceback (most recent call last):")

    assert outcomes.gave_up(["in/k.txt"]) is None
    assert outcomes.invocations == 1


def test_a_log_group_not_there_yet_is_nothing_yet(pipeline):
    outcomes = Outcomes(pipeline.logs, "/aws/lambda/not-yet", every_s=0)

    assert outcomes.gave_up(["in/k.txt"]) is None
    assert outcomes.describe(["in/k.txt"]) == (
        "log group /aws/lambda/not-yet: the log group does not exist yet (no invocation logged)"
    )


def unreachable(client: BaseClient) -> None:
    """Every call of ``client`` fails as on an engine that does not answer (no connection is tried)."""

    def refuse(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://127.0.0.1:1")

    client.meta.events.register("before-send", refuse)


def test_an_engine_that_does_not_answer_is_read_again_later_and_said_at_the_deadline():
    settings: dict[str, Any] = {
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
        "config": Config(retries={"mode": "standard", "max_attempts": 1}),
    }
    logs = boto3.client("logs", **settings)
    sqs = boto3.client("sqs", **settings)
    unreachable(logs)
    unreachable(sqs)
    outcomes = Outcomes(logs, GROUP, sqs=sqs, queue_url="https://q/failures", every_s=0)

    assert outcomes.gave_up(["in/k.txt"]) is None
    assert outcomes.describe(["in/k.txt"]).startswith(
        f"the pipeline's reports could not be read (log group {GROUP} and queue failures): EndpointConnectionError"
    )


def test_a_queue_message_that_is_not_a_failure_record_is_skipped(pipeline):
    outcomes = pipeline.outcomes()
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody="not json")
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody=json.dumps({"requestPayload": {"x": 1}}))

    assert outcomes.gave_up(lambda key: True) is None
    attributes = pipeline.sqs.get_queue_attributes(
        QueueUrl=pipeline.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "2"  # read, not consumed


def test_the_attempts_come_from_the_functions_event_invoke_config(pipeline):
    lambda_ = boto3.client("lambda", region_name="us-east-1")
    role = boto3.client("iam", region_name="us-east-1").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.py", "def lambda_handler(event, context):\n    return 1\n")
    for name in ("configured", "default"):
        lambda_.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="index.lambda_handler",
            Code={"ZipFile": package.getvalue()},
        )
    lambda_.put_function_event_invoke_config(FunctionName="configured", MaximumRetryAttempts=0)

    assert attempts_of(lambda_, "configured") == 1
    assert attempts_of(lambda_, "default") == 3  # Lambda's default where there is no config
    assert attempts_of(lambda_, "no-such-function") == 3


# ---------------------------------------------------------------- the waits themselves ---


def test_a_wait_for_an_item_stops_on_the_evidence_long_before_its_deadline(pipeline):
    outcomes = pipeline.outcomes()
    pipeline.fail_record("in/denied.txt")
    started = time.monotonic()

    with pytest.raises(GaveUpWaiting) as failed:
        wait_for_items(pipeline.dynamodb, "t", "in/", ["in/denied.txt"], timeout=60, outcomes=outcomes)

    assert time.monotonic() - started < 5
    message = str(failed.value)
    assert message.startswith("gave up after ")
    assert "waiting for 1 log item(s) under 'in/': 'in/denied.txt': its event reached the on-failure queue" in message
    assert "AccessDeniedException" in message
    assert message.endswith(
        "last seen: items for 0 keys; missing ['in/denied.txt']; " + outcomes.describe(["in/denied.txt"])
    )


def test_a_count_wait_stops_on_any_key_under_its_prefix(pipeline):
    outcomes = pipeline.outcomes()
    pipeline.fail_record("burst/0007.json")

    with pytest.raises(GaveUpWaiting, match=re.escape("'burst/0007.json': its event reached")):
        exactly(pipeline.dynamodb, "t", "burst/", 10, timeout=60, settle=0.1, outcomes=outcomes)


def test_a_wait_that_cannot_tell_ends_at_its_deadline_with_what_it_saw(pipeline):
    outcomes = pipeline.outcomes()
    pipeline.invocation("r1", write_failed("in/slow.txt", transient=True))

    with pytest.raises(DeadlineExceeded) as timed_out:
        wait_for_items(pipeline.dynamodb, "t", "in/", ["in/slow.txt"], timeout=0.5, outcomes=outcomes)

    assert str(timed_out.value).endswith(
        "missing ['in/slow.txt']; log group /aws/lambda/s3-processor-t and queue s3-processor-failures-t: "
        f"1 invocation(s) logged from 40 s before the wait on; 'in/slow.txt': 1 failed attempt(s), the last: {DENIED}"
    )


def test_in_lambdas_json_log_format_the_platform_lines_delimit_the_attempts(pipeline):
    outcomes = pipeline.outcomes(queue=False)
    for attempt in range(1, 4):
        pipeline.log(
            json.dumps({"time": "t", "type": "platform.start", "record": {"requestId": f"r{attempt}"}}),
            write_failed("in/json.txt"),
            json.dumps({"timestamp": "t", "level": "ERROR", "errorType": "ClientError", "errorMessage": DENIED}),
            json.dumps({"time": "t", "type": "platform.runtimeDone", "record": {"requestId": f"r{attempt}"}}),
            json.dumps({"time": "t", "type": "platform.report", "record": {"requestId": f"r{attempt}"}}),
        )
        if attempt < 3:
            assert outcomes.gave_up(["in/json.txt"]) is None, f"gave up after attempt {attempt} of 3"

    assert str(outcomes.gave_up(["in/json.txt"])).startswith("'in/json.txt': retries exhausted: attempt 3 of 3 failed")
    assert outcomes.invocations == 3
