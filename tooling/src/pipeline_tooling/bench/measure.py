"""The measurements, each on any target: the deployed stack's clients are all they need.

The probes must not be the bottleneck they measure. Every client keeps its connection alive,
and completion is detected with the cheapest call that works on every engine:

* one object at a time (pipeline, first event): a Scan for that object's key every 0.5 ms,
  starting at half the fastest latency seen so far (``Pacer``); the probe deletes each item once
  seen, so on the bench's own stack the table stays empty and the Scan O(1);
* a burst: the engine's own counter of completed invocations every 0.1 s where it has one
  (Capability.INVOCATION_STATS; moto copies every item on a Scan, so a Scan of a growing table
  would cost the engine more than the burst), else a Scan with ``Select=COUNT`` every 0.5 s;
  either way a Scan with ``Select=COUNT`` confirms every item readable before the clock stops,
  and one full read at the end gives the lost and duplicate counts.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import statistics
import time
import uuid
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pipeline_tooling import package
from pipeline_tooling.harness.capabilities import Capability, has
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.control import EngineControl
from pipeline_tooling.harness.items import items_under
from pipeline_tooling.harness.polling import DeadlineExceeded, wait_until
from pipeline_tooling.harness.stack import DeployedStack
from pipeline_tooling.paths import module_root

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3.literals import BucketLocationConstraintType

REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<duration>[\d.]+) ms.*?Max Memory Used: (?P<rss>\d+) MB"
    r"(?:\s+Init Duration: (?P<init>[\d.]+) ms)?"
)
ONE_ITEM_POLL_S = 0.0005
LOSSY_LOG_WAIT_S = 5.0  # how long to wait for a function's log lines on an engine that can lose them
DETECTION = {
    "one object": (
        "a Scan for the object's key every 0.5 ms, from half the fastest latency seen on "
        "(the table holds no other item: each is deleted once seen)"
    ),
    "burst with stats": "the engine's count of completed invocations every 0.1 s, then a Scan with Select=COUNT",
    "burst": "a Scan with Select=COUNT every 0.5 s",
}


def build_figures(runs: int = 5) -> dict[str, Any]:
    """``python build.py``, as a user runs it: time per build (median), zip size, and whether rebuilds are
    byte-identical."""
    times, outputs = [], []
    for n in range(runs):
        started = time.perf_counter()
        built = package.build(module_root() / "build" / f"bench-{n}.zip")
        times.append(time.perf_counter() - started)
        outputs.append(built.path.read_bytes())
        built.path.unlink()
    return {
        "median_ms": statistics.median(times) * 1000,
        "zip_bytes": len(outputs[0]),
        "byte_identical": all(o == outputs[0] for o in outputs),
    }


def _take_item(clients: Clients, table: str, key: str) -> bool:
    """Whether the item for ``key`` is readable; if so it is deleted, so the next probe's Scan stays small."""
    found = clients.dynamodb.scan(
        TableName=table,
        ConsistentRead=True,
        FilterExpression="objectKey = :k",
        ExpressionAttributeValues={":k": {"S": key}},
    )["Items"]
    for item in found:
        clients.dynamodb.delete_item(
            TableName=table, Key={"requestId": item["requestId"], "timestamp": item["timestamp"]}
        )
    return bool(found)


def one_object(clients: Clients, stack: DeployedStack, key: str, *, timeout: float = 60, quiet_s: float = 0.0) -> float:
    """Seconds from the start of PutObject until the object's item is readable (then the item is deleted).

    Polling starts ``quiet_s`` after the start (and at once if PutObject took longer): polls
    before the item can possibly exist only take the engine's time from the work being measured.
    """
    started = time.perf_counter()
    clients.s3.put_object(Bucket=stack.bucket, Key=key, Body=b"x")
    time.sleep(max(0.0, started + quiet_s - time.perf_counter()))
    wait_until(
        lambda: _take_item(clients, stack.table, key),
        bool,
        timeout=timeout,
        what=f"the item of {key}",
        interval=ONE_ITEM_POLL_S,
        max_interval=ONE_ITEM_POLL_S,
    )
    return time.perf_counter() - started


class Pacer:
    """When to start polling for the next item: after five samples, from half the fastest latency seen.

    Polls before the item can possibly exist only take the engine's time from the work being
    measured; the detection step itself stays the same on every engine.
    """

    def __init__(self) -> None:
        self.fastest = math.inf
        self.samples = 0

    @property
    def quiet_s(self) -> float:
        return self.fastest / 2 if self.samples >= 5 else 0.0

    def saw(self, seconds: float) -> float:
        self.fastest, self.samples = min(self.fastest, seconds), self.samples + 1
        return seconds


def pipeline_latency(
    clients: Clients, stack: DeployedStack, samples: int, *, prefix: str = "bench-latency/"
) -> list[float]:
    """``one_object`` for ``samples`` uploads, one after another."""
    probe = LatencyProbe(clients, stack, prefix)
    return [probe.sample(n) for n in range(samples)]


@dataclass
class LatencyProbe:
    """The pipeline's latency, one upload at a time: the ``n``-th sample uploads ``latency_key(prefix, n)`` and
    times it to its item, paced (``Pacer``) so that each starts on an idle engine. ``pipeline_latency`` takes
    its samples in a row; the bench interleaves several engines' probes."""

    clients: Clients
    stack: DeployedStack
    prefix: str
    pacer: Pacer = field(default_factory=Pacer)

    def sample(self, n: int) -> float:
        key = latency_key(self.prefix, n)
        return self.pacer.saw(one_object(self.clients, self.stack, key, quiet_s=self.pacer.quiet_s))


def table_shape(dynamodb: DynamoDBClient, table: str) -> dict[str, Any]:
    """What CreateTable needs to make a table of the same keys and indexes as ``table`` (on demand)."""
    described = dynamodb.describe_table(TableName=table)["Table"]
    shape: dict[str, Any] = {
        "KeySchema": described["KeySchema"],
        "AttributeDefinitions": described["AttributeDefinitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    indexes = [
        {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
        for i in described.get("GlobalSecondaryIndexes", [])
    ]
    if indexes:
        shape["GlobalSecondaryIndexes"] = indexes
    return shape


@dataclass
class Scratch:
    """A bucket and a table of the same shape as the stack's (``shape``: ``table_shape`` of its table), with no
    function between them."""

    clients: Clients
    shape: dict[str, Any]
    bucket: str = field(default_factory=lambda: f"bench-floor-{secrets.token_hex(4)}")
    table: str = field(default_factory=lambda: f"bench-floor-{secrets.token_hex(4)}")

    def __enter__(self) -> Scratch:
        region = self.clients.s3.meta.region_name
        if region == "us-east-1":  # the one region CreateBucket takes no location for
            self.clients.s3.create_bucket(Bucket=self.bucket)
        else:
            # The client's region is a run-time string; the stubs spell the regions S3 knows as a Literal.
            location = cast("BucketLocationConstraintType", region)
            self.clients.s3.create_bucket(
                Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": location}
            )
        self.clients.dynamodb.create_table(TableName=self.table, **self.shape)
        self.clients.dynamodb.get_waiter("table_exists").wait(TableName=self.table)
        return self

    def __exit__(self, *_: object) -> None:
        self.clients.dynamodb.delete_table(TableName=self.table)
        for page in self.clients.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for obj in page.get("Contents", []):
                self.clients.s3.delete_object(Bucket=self.bucket, Key=obj["Key"])
        self.clients.s3.delete_bucket(Bucket=self.bucket)


def floor_pair(scratch: Scratch, n: int) -> float:
    """Seconds for the client itself to do PutObject then PutItem, the pipeline's own two writes."""
    started = time.perf_counter()
    scratch.clients.s3.put_object(Bucket=scratch.bucket, Key=f"floor/{n:05d}", Body=b"x")
    scratch.clients.dynamodb.put_item(
        TableName=scratch.table,
        Item={"requestId": {"S": str(uuid.uuid4())}, "timestamp": {"S": "2026-01-01T00:00:00.000Z"}},
        ConditionExpression="attribute_not_exists(requestId)",
    )
    return time.perf_counter() - started


def floor_latency(clients: Clients, samples: int, shape: dict[str, Any]) -> list[float]:
    """The engine's floor: ``floor_pair`` ``samples`` times, one after another, on a table of ``shape``."""
    with Scratch(clients, shape) as scratch:
        return [floor_pair(scratch, n) for n in range(samples)]


def _count(clients: Clients, table: str, prefix: str) -> int:
    pages = clients.dynamodb.get_paginator("scan").paginate(
        TableName=table,
        Select="COUNT",
        ConsistentRead=True,
        FilterExpression="begins_with(objectKey, :p)",
        ExpressionAttributeValues={":p": {"S": prefix}},
    )
    return sum(page["Count"] for page in pages)


def _completed_invocations(stack: DeployedStack) -> Callable[[], int] | None:
    """Successful invocations since now, from the engine's own counters; None where it has none."""
    if not has(stack.target.name, Capability.INVOCATION_STATS):
        return None
    control = EngineControl(stack.target)

    def successes() -> int:
        stats = control.stats()
        return int(stats["invocations"]) - int(stats["errors"])

    base = successes()
    return lambda: successes() - base


def burst(
    clients: Clients,
    stack: DeployedStack,
    objects: int,
    *,
    prefix: str = "bench-burst/",
    threads: int = 8,
    timeout: float = 600,
) -> dict[str, Any]:
    """Upload ``objects`` from ``threads`` threads; objects per second until every item is readable."""
    keys = burst_keys(prefix, objects)
    engine_count = _completed_invocations(stack)
    curve: list[tuple[float, int]] = []
    uploaded_at: float | None = None
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        uploads = [pool.submit(clients.s3.put_object, Bucket=stack.bucket, Key=k, Body=b"x") for k in keys]
        while True:
            count = engine_count() if engine_count else _count(clients, stack.table, prefix)
            if engine_count and count >= objects:
                count = _count(clients, stack.table, prefix)  # done by the engine's count: are the items readable?
            now = time.perf_counter() - started
            curve.append((now, count))
            if uploaded_at is None and all(u.done() for u in uploads):
                uploaded_at = now
            if count >= objects or now > timeout:
                break
            time.sleep(0.1 if engine_count else 0.5)
        for upload in uploads:
            upload.result()  # an upload that failed fails the bench
    elapsed = curve[-1][0]
    per_key: dict[str, int] = {}
    for item in items_under(clients.dynamodb, stack.table, prefix):
        per_key[item["objectKey"]] = per_key.get(item["objectKey"], 0) + 1
    return {
        "objects": objects,
        "threads": threads,
        "seconds_until_all_readable": elapsed,
        "upload_seconds": uploaded_at,
        "objects_per_second": objects / elapsed if elapsed else 0.0,
        "lost": sum(1 for k in keys if k not in per_key),
        "duplicates": sum(n - 1 for n in per_key.values() if n > 1),
        "completion": DETECTION["burst with stats" if engine_count else "burst"],
        "curve": curve,
    }


def _log_events(clients: Clients, group: str, pattern: str) -> list[str]:
    pages = clients.logs.get_paginator("filter_log_events").paginate(logGroupName=group, filterPattern=pattern)
    return [event["message"] for page in pages for event in page["events"]]


def request_ids_by_key(clients: Clients, stack: DeployedStack, keys: Collection[str]) -> dict[str, set[str]]:
    """The invocations that wrote (or found already written) an item for one of ``keys``, by key."""
    ids: dict[str, set[str]] = {}
    for message in _log_events(clients, stack.outputs["log_group_name"], '"awsRequestId"'):
        try:
            line = json.loads(message)
        except ValueError:
            continue
        key = str(line.get("key", "")) if isinstance(line, dict) else ""
        if key in keys and line.get("awsRequestId"):
            ids.setdefault(key, set()).add(str(line["awsRequestId"]))
    return ids


def handler_reports(
    clients: Clients, stack: DeployedStack, keys: Collection[str], *, timeout: float = 30.0
) -> dict[str, Any]:
    """Lambda's REPORT lines of the invocations for ``keys``: init, duration, peak memory.

    Log delivery is eventually consistent on every engine, as on AWS: this waits (up to ``timeout``)
    until a handler line names every key and, where the engine writes AWS-style REPORT lines
    (Capability.REPORT_LINES), each of those invocations has its REPORT line; otherwise it fails
    naming what is missing. On an engine that can lose a function's last lines
    (Capability.COMPLETE_FUNCTION_LOGS) the figures are of what was logged by the deadline, and
    ``keys_without_a_log_line`` counts the rest. Init Duration and Max Memory Used only where the
    engine writes them as AWS does; elsewhere they are None, which the report shows as not reported.
    """
    wanted = set(keys)
    full = has(stack.target.name, Capability.REPORT_LINES)
    group = stack.outputs["log_group_name"]

    def read() -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
        ids = request_ids_by_key(clients, stack, wanted)
        reports = {
            m["id"]: m.groupdict()
            for message in _log_events(clients, group, '"REPORT RequestId"')
            if (m := REPORT.search(message))
        }
        return ids, reports

    def complete(seen: tuple[dict[str, set[str]], dict[str, dict[str, str]]]) -> bool:
        ids, reports = seen
        return wanted <= ids.keys() and (not full or all(i in reports for k in wanted for i in ids[k]))

    def missing(seen: tuple[dict[str, set[str]], dict[str, dict[str, str]]]) -> str:
        ids, reports = seen
        unnamed = sorted(wanted - ids.keys())
        unreported = sorted(i for k in wanted & ids.keys() for i in ids[k] if i not in reports)
        return f"no handler line yet for {len(unnamed)} key(s) {unnamed[:5]!r}; no REPORT yet for {unreported[:5]!r}"

    what = f"the log lines of {len(wanted)} invocations in {group}"
    complete_logs = has(stack.target.name, Capability.COMPLETE_FUNCTION_LOGS)
    # Where lines can be lost, a short wait: a line left in a worker's pipe comes only with that worker's
    # next invocation, however long one waits.
    try:
        ids, reports = wait_until(
            read,
            complete,
            timeout=timeout if complete_logs else min(timeout, LOSSY_LOG_WAIT_S),
            what=what,
            describe=missing,
        )
    except DeadlineExceeded:
        if complete_logs:
            raise
        ids, reports = read()
    invocations = {i for k in wanted for i in ids.get(k, ())}
    mine = [reports[i] for i in invocations if i in reports]
    durations = [float(r["duration"]) for r in mine if not r["init"]]
    inits = [float(r["init"]) for r in mine if r["init"]]
    first = [float(r["duration"]) for r in mine if r["init"]]
    return {
        "invocations": len(invocations),
        "keys_without_a_log_line": len(wanted - ids.keys()),
        "reports": len(mine),
        "cold_starts": len(inits) if full else None,
        "init_ms_median": statistics.median(inits) if inits and full else None,
        "first_invocation_ms_median": statistics.median(first) if first and full else None,
        "warm_duration_ms_median": statistics.median(durations) if durations else None,
        "peak_rss_mb": max((int(r["rss"]) for r in mine), default=None) if full else None,
    }


def latency_key(prefix: str, n: int) -> str:
    """The key of the ``n``-th upload of ``pipeline_latency``."""
    return f"{prefix}{n:05d}"


def latency_keys(prefix: str, samples: int) -> list[str]:
    """The keys ``pipeline_latency`` uploads."""
    return [latency_key(prefix, n) for n in range(samples)]


def burst_keys(prefix: str, objects: int) -> list[str]:
    """The keys ``burst`` uploads."""
    return [f"{prefix}{n:06d}" for n in range(objects)]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
