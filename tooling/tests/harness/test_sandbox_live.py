"""Live output: log messages to event lines, the log group and the failure queue followed, colour only on a TTY."""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from pipeline_tooling.harness.followers import LogFollower, QueueFollower
from pipeline_tooling.harness.sandbox import live

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


class FakeLogs:
    """filter_log_events over a list, two events a page, as a growing log group would answer."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.missing = False

    def filter_log_events(self, **kwargs: Any) -> dict[str, Any]:
        if self.missing:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "no group"}}, "FilterLogEvents"
            )
        matching = [e for e in self.events if e["timestamp"] >= kwargs["startTime"]]
        start = int(kwargs.get("nextToken") or 0)
        page: dict[str, Any] = {"events": matching[start : start + 2]}
        if start + 2 < len(matching):
            page["nextToken"] = str(start + 2)
        return page

    def add(self, event_id: str, timestamp: int, message: str) -> None:
        self.events.append({"eventId": event_id, "timestamp": timestamp, "message": message})


def test_the_follower_returns_each_message_once_across_pages_and_polls() -> None:
    logs = FakeLogs()
    logs.add("old", 500, "before the start")
    follower = LogFollower(logs, "/aws/lambda/f", start_ms=100_000)
    for n in range(5):
        logs.add(f"e{n}", 100_000 + n, f"m{n}")

    assert follower.poll() == ["m0", "m1", "m2", "m3", "m4"]
    assert follower.poll() == []
    logs.add("late", 99_999, "written late, stamped earlier")
    logs.add("e5", 100_010, "m5")
    assert follower.poll() == ["written late, stamped earlier", "m5"]


def test_a_group_that_does_not_exist_yet_is_no_output_not_an_error() -> None:
    logs = FakeLogs()
    logs.missing = True

    assert LogFollower(logs, "/aws/lambda/f", start_ms=0).poll() == []


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
