"""Following what the pipeline reports: the function's log group and its on-failure queue.

Both readers are incremental (each call returns only what is new) and read without consuming:
a queue message is received with a visibility timeout of 0, so it stays for whoever reads it next.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, PaginationError

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import FilteredLogEventTypeDef
    from mypy_boto3_sqs import SQSClient


class LogFollower:
    """New events of a log group since ``start`` (epoch ms), each once, in time order."""

    OVERLAP_MS = 10_000  # look this far back each poll: a late-arriving message is still seen

    def __init__(self, logs: CloudWatchLogsClient, group: str, start_ms: int) -> None:
        self.logs, self.group = logs, group
        self._since = start_ms
        self._seen: dict[str, int] = {}
        self.group_exists: bool | None = None  # None until the first poll

    def poll_events(self) -> list[FilteredLogEventTypeDef]:
        """New events (``message``, ``logStreamName``, ``timestamp``), oldest first."""
        events: list[FilteredLogEventTypeDef] = []
        pages = self.logs.get_paginator("filter_log_events").paginate(
            logGroupName=self.group, startTime=max(0, self._since - self.OVERLAP_MS)
        )
        try:
            for page in pages:
                events += page.get("events", [])
        except PaginationError:
            # CloudWatch Logs can answer a page with the nextToken it was sent. botocore's paginator then raises,
            # after yielding that page (its events are in): the follower takes it as the end of what there is for
            # now, as it always has, and the next poll reads again from its overlap. (botocore's other
            # PaginationErrors are for a StartingToken or a PageSize: this paginates with neither.)
            pass
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                self.group_exists = False
                return []  # the group appears with the first invocation on some engines
            raise
        self.group_exists = True
        fresh = []
        for event in sorted(events, key=lambda e: (e.get("timestamp", 0), e.get("ingestionTime", 0))):
            stream_position = (event.get("logStreamName"), event.get("timestamp"), event.get("message"))
            identity = str(event.get("eventId") or stream_position)
            if identity in self._seen or event.get("timestamp", 0) < self._since - self.OVERLAP_MS:
                continue
            self._seen[identity] = event.get("timestamp", 0)
            fresh.append(event)
        if events:
            self._since = max(self._since, *(e.get("timestamp", 0) for e in events))
        horizon = self._since - 2 * self.OVERLAP_MS
        self._seen = {k: t for k, t in self._seen.items() if t >= horizon}
        return fresh

    def poll(self) -> list[str]:
        """The new messages alone."""
        return [str(event.get("message", "")) for event in self.poll_events()]


class QueueFollower:
    """The on-failure destination records that reach a queue, once each (read without being consumed)."""

    def __init__(self, sqs: SQSClient, url: str) -> None:
        self.sqs, self.url = sqs, url
        self._seen: set[str] = set()
        self.waiting = 0

    def poll_records(self) -> list[dict[str, Any]]:
        """Records new since the last call, each parsed (``{}`` for a body that is not JSON)."""
        self.waiting = int(
            self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"
            ]["ApproximateNumberOfMessages"]
        )
        if self.waiting <= len(self._seen):
            return []
        messages = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        ).get("Messages", [])
        records = []
        for message in messages:
            if message["MessageId"] in self._seen:
                continue
            self._seen.add(message["MessageId"])
            try:
                body = json.loads(message.get("Body", ""))
            except ValueError:
                body = None
            records.append(body if isinstance(body, dict) else {})
        return records

    def poll(self) -> tuple[list[str], int]:
        """(keys newly in the queue, as the records give them; messages waiting)."""
        keys: list[str] = []
        for record in self.poll_records():
            found = keys_in(record)
            keys += found if found is not None else ["(a message that is not an S3 event)"]
        return keys, self.waiting


def keys_in(record: dict[str, Any]) -> list[str] | None:
    """The object keys (as S3 sent them, URL-encoded) in an on-failure destination record, whose
    requestPayload is the S3 event; None for a record that carries no S3 event."""
    try:
        return [str(r["s3"]["object"]["key"]) for r in record["requestPayload"]["Records"]]
    except (KeyError, TypeError):
        return None
