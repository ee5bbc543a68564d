"""Live output: log messages to event lines, the log group and the failure queue followed, colour only on a TTY."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from pipeline_tooling.harness.followers import LogFollower, QueueFollower
from pipeline_tooling.harness.sandbox import live

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

WRITTEN = {"level": "INFO", "message": "log item written", "key": "inbox/a b.txt", "requestId": "0123456789ab"}
FAILED = {
    "level": "ERROR",
    "message": "write failed, raising so Lambda retries the event",
    "key": "inbox/bad.txt",
    "requestId": "feedfacecafe",
    "error": "ClientError: boom",
}


def test_a_written_item_becomes_one_event_line() -> None:
    line = json.dumps({**WRITTEN, "durationMs": 3.5})

    assert live.EventLines().describe(line) == (
        "event",
        "inbox/a b.txt → log item written (requestId 01234567…, 3.5 ms)",
    )


def test_failures_count_attempts_and_say_where_the_event_goes_after_the_last() -> None:
    lines = live.EventLines(live.RetryPolicy(attempts=3))
    said = [lines.describe(json.dumps(FAILED)) for _ in range(3)]

    assert said == [
        ("error", "inbox/bad.txt ✗ ClientError: boom (attempt 1 of 3; Lambda runs it again)"),
        ("error", "inbox/bad.txt ✗ ClientError: boom (attempt 2 of 3; Lambda runs it again)"),
        ("error", "inbox/bad.txt ✗ ClientError: boom (attempt 3 of 3: dropped (this stack has no failure queue))"),
    ]
    queued = live.EventLines(live.RetryPolicy(attempts=1, failure_queue="q-dev"))
    assert queued.describe(json.dumps(FAILED)) == (
        "error",
        "inbox/bad.txt ✗ ClientError: boom (attempt 1 of 1: Lambda sends it to q-dev)",
    )


def test_other_log_lines_are_shown_as_they_came() -> None:
    lines = live.EventLines()

    assert lines.describe("REPORT RequestId: x\tDuration: 1.0 ms\n") == ("log", "REPORT RequestId: x\tDuration: 1.0 ms")
    assert lines.describe('{"level": "INFO", "message": "batch done"}') == (
        "log",
        '{"level": "INFO", "message": "batch done"}',
    )
    assert lines.describe("[ERROR] Runtime.ImportModuleError: no module") == (
        "error",
        "[ERROR] Runtime.ImportModuleError: no module",
    )


GROUP = "/aws/lambda/f"
STREAM = "2026/12/01/[$LATEST]a"


def two_events_a_page(params: dict[str, Any], **_: Any) -> None:
    """FilterLogEvents asked for two events at a time (the follower sets no limit): a log group of a few events
    answers in several pages, as a large one would."""
    params["limit"] = 2


@pytest.fixture
def logs() -> Iterator[CloudWatchLogsClient]:
    """moto's CloudWatch Logs with the group and a stream, answering FilterLogEvents two events a page."""
    with mock_aws():
        client = boto3.client("logs", region_name="us-east-1")
        client.create_log_group(logGroupName=GROUP)
        client.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
        client.meta.events.register("provide-client-params.cloudwatch-logs.FilterLogEvents", two_events_a_page)
        yield client


def put(logs: CloudWatchLogsClient, *events: tuple[int, str]) -> None:
    logs.put_log_events(
        logGroupName=GROUP, logStreamName=STREAM, logEvents=[{"timestamp": t, "message": m} for t, m in events]
    )


def test_the_follower_returns_each_message_once_across_pages_and_polls(logs: CloudWatchLogsClient) -> None:
    start = int(time.time() * 1000) - 60_000  # moto keeps events of the last 14 days only
    put(logs, (start - 99_500, "before the start"))
    follower = LogFollower(logs, GROUP, start_ms=start)
    put(logs, *((start + n, f"m{n}") for n in range(5)))
    pages: list[int] = []
    logs.meta.events.register("after-call.cloudwatch-logs.FilterLogEvents", lambda **_: pages.append(1))

    assert follower.poll() == ["m0", "m1", "m2", "m3", "m4"]
    assert len(pages) == 3  # five events, two a page
    assert follower.poll() == []
    put(logs, (start - 1, "written late, stamped earlier"), (start + 10, "m5"))
    assert follower.poll() == ["written late, stamped earlier", "m5"]


def test_a_group_that_does_not_exist_yet_is_no_output_not_an_error(logs: CloudWatchLogsClient) -> None:
    follower = LogFollower(logs, "/aws/lambda/not-yet", start_ms=0)

    assert follower.poll() == []
    assert follower.group_exists is False


def test_a_page_with_the_token_it_was_sent_is_read_and_ends_the_poll() -> None:
    """CloudWatch Logs can answer a page with the nextToken it was sent: its events count, and the poll stops
    there (the next poll reads again from the overlap) instead of asking for the same page again or failing."""
    logs = boto3.client("logs", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    event = {"logStreamName": STREAM, "ingestionTime": 100_100}
    first = {"logGroupName": GROUP, "startTime": 90_000}
    with Stubber(logs) as stub:
        stub.add_response(
            "filter_log_events",
            {"events": [{**event, "eventId": "e0", "timestamp": 100_000, "message": "m0"}], "nextToken": "t1"},
            first,
        )
        stub.add_response(
            "filter_log_events",
            {"events": [{**event, "eventId": "e1", "timestamp": 100_001, "message": "m1"}], "nextToken": "t1"},
            {**first, "nextToken": "t1"},
        )

        assert LogFollower(logs, GROUP, start_ms=100_000).poll() == ["m0", "m1"]
        stub.assert_no_pending_responses()  # and no third call: Stubber fails any call it was not given


@mock_aws
def test_the_queue_follower_names_each_failed_key_once_and_leaves_the_message() -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="failures")["QueueUrl"]
    follower = QueueFollower(sqs, url)
    assert follower.poll() == ([], 0)
    record = {"requestPayload": {"Records": [{"s3": {"object": {"key": "inbox/bad.txt"}}}]}}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))

    assert follower.poll() == (["inbox/bad.txt"], 1)
    assert follower.poll() == ([], 1)
    record["requestPayload"]["Records"][0]["s3"]["object"]["key"] = "inbox/worse.txt"
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
    assert follower.poll() == (["inbox/worse.txt"], 2)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "2"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_terminal_only_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    plain, tty = io.StringIO(), Terminal()
    live.Printer(plain)("event", "k → written")
    live.Printer(tty)("event", "k → written")

    assert plain.getvalue()[8:] == " event   k → written\n"
    assert tty.getvalue().startswith("\033[32m")
    assert tty.getvalue().endswith(" event   k → written\033[0m\n")

    monkeypatch.setenv("NO_COLOR", "1")
    muted = Terminal()
    live.Printer(muted)("error", "k ✗ boom")
    assert "\033[" not in muted.getvalue()
