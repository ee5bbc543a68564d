"""The measurements, each on any target: the deployed stack's clients are all they need."""

from __future__ import annotations

import json
import re
import secrets
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import build
from harness.capabilities import Capability, has
from harness.clients import Clients
from harness.items import items_under
from harness.polling import wait_until
from harness.schema import LOG_TABLE
from harness.stack import Stack

REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+)\s+Duration: (?P<duration>[\d.]+) ms.*?Max Memory Used: (?P<rss>\d+) MB"
    r"(?:\s+Init Duration: (?P<init>[\d.]+) ms)?"
)


def build_figures(runs: int = 5) -> dict[str, Any]:
    """build.py: time per build (median), zip size, and whether rebuilds are byte-identical."""
    times, outputs = [], []
    for n in range(runs):
        started = time.perf_counter()
        outputs.append(build.build_zip(build.DEFAULT_SOURCE, build.ROOT / "build" / f"bench-{n}.zip"))
        times.append(time.perf_counter() - started)
    for n in range(runs):
        (build.ROOT / "build" / f"bench-{n}.zip").unlink()
    return {
        "median_ms": statistics.median(times) * 1000,
        "zip_bytes": len(outputs[0]),
        "byte_identical": all(o == outputs[0] for o in outputs),
    }


def _item_visible(clients: Clients, table: str, key: str) -> bool:
    return bool(items_under(clients.dynamodb, table, key))


def pipeline_latency(
    clients: Clients, stack: Stack, samples: int, *, prefix: str = "bench-latency/", poll: float = 0.005
) -> list[float]:
    """Seconds from PutObject start until the object's item is readable, uploads one after another."""
    latencies = []
    for n in range(samples):
        key = f"{prefix}{n:05d}"
        started = time.perf_counter()
        clients.s3.put_object(Bucket=stack.bucket, Key=key, Body=b"x")

        def visible(k: str = key) -> bool:
            return _item_visible(clients, stack.table, k)

        wait_until(
            visible,
            bool,
            timeout=60,
            what=f"item of {key}",
            interval=poll,
            max_interval=poll,
        )
        latencies.append(time.perf_counter() - started)
    return latencies


@dataclass
class Scratch:
    """A bucket and a table of the same shape as the stack's, with no function between them."""

    clients: Clients
    bucket: str = field(default_factory=lambda: f"bench-floor-{secrets.token_hex(4)}")
    table: str = field(default_factory=lambda: f"bench-floor-{secrets.token_hex(4)}")

    def __enter__(self) -> Scratch:
        self.clients.s3.create_bucket(
            Bucket=self.bucket,
            **(
                {}
                if self.clients.s3.meta.region_name == "us-east-1"
                else {"CreateBucketConfiguration": {"LocationConstraint": self.clients.s3.meta.region_name}}
            ),
        )
        self.clients.dynamodb.create_table(TableName=self.table, **LOG_TABLE)
        self.clients.dynamodb.get_waiter("table_exists").wait(TableName=self.table)
        return self

    def __exit__(self, *_: object) -> None:
        self.clients.dynamodb.delete_table(TableName=self.table)
        listed = self.clients.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        for obj in listed:
            self.clients.s3.delete_object(Bucket=self.bucket, Key=obj["Key"])
        self.clients.s3.delete_bucket(Bucket=self.bucket)


def floor_latency(clients: Clients, samples: int) -> list[float]:
    """The same engine's floor: the client itself does PutObject then PutItem, one after another."""
    latencies = []
    with Scratch(clients) as scratch:
        for n in range(samples):
            started = time.perf_counter()
            clients.s3.put_object(Bucket=scratch.bucket, Key=f"floor/{n:05d}", Body=b"x")
            clients.dynamodb.put_item(
                TableName=scratch.table,
                Item={"requestId": {"S": str(uuid.uuid4())}, "timestamp": {"S": "2026-01-01T00:00:00.000Z"}},
                ConditionExpression="attribute_not_exists(requestId)",
            )
            latencies.append(time.perf_counter() - started)
    return latencies


def burst(
    clients: Clients,
    stack: Stack,
    objects: int,
    *,
    prefix: str = "bench-burst/",
    threads: int = 8,
    timeout: float = 600,
) -> dict[str, Any]:
    """Upload ``objects`` from ``threads`` threads; objects per second until every item is readable."""
    keys = [f"{prefix}{n:06d}" for n in range(objects)]
    curve: list[tuple[float, int]] = []
    uploaded_at: float | None = None
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        uploads = [pool.submit(clients.s3.put_object, Bucket=stack.bucket, Key=k, Body=b"x") for k in keys]
        while True:
            count = len(items_under(clients.dynamodb, stack.table, prefix))
            now = time.perf_counter() - started
            curve.append((now, count))
            if uploaded_at is None and all(u.done() for u in uploads):
                uploaded_at = now
            if count >= objects or now > timeout:
                break
            time.sleep(0.2)
        for upload in uploads:
            upload.result()  # an upload that failed fails the bench
    elapsed = curve[-1][0]
    items = items_under(clients.dynamodb, stack.table, prefix)
    per_key: dict[str, int] = {}
    for item in items:
        per_key[item["objectKey"]] = per_key.get(item["objectKey"], 0) + 1
    return {
        "objects": objects,
        "threads": threads,
        "seconds_until_all_readable": elapsed,
        "upload_seconds": uploaded_at,
        "objects_per_second": objects / elapsed if elapsed else 0.0,
        "lost": sum(1 for k in keys if k not in per_key),
        "duplicates": sum(n - 1 for n in per_key.values() if n > 1),
        "curve": curve,
    }


def _log_events(clients: Clients, group: str, pattern: str) -> list[str]:
    messages: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "filterPattern": pattern}
    while True:
        page = clients.logs.filter_log_events(**kwargs)
        messages += [e["message"] for e in page["events"]]
        if "nextToken" not in page:
            return messages
        kwargs["nextToken"] = page["nextToken"]


def request_ids_for(clients: Clients, stack: Stack, key_prefix: str) -> set[str]:
    """The invocations that wrote (or found already written) an item for a key under ``key_prefix``."""
    ids = set()
    for message in _log_events(clients, stack.outputs["log_group_name"], '"awsRequestId"'):
        try:
            line = json.loads(message)
        except ValueError:
            continue
        if isinstance(line, dict) and str(line.get("key", "")).startswith(key_prefix) and line.get("awsRequestId"):
            ids.add(str(line["awsRequestId"]))
    return ids


def handler_reports(clients: Clients, stack: Stack, key_prefix: str) -> dict[str, Any]:
    """Lambda's REPORT lines of the invocations for keys under ``key_prefix``: init, duration, peak memory.

    Init Duration and Max Memory Used only where the engine writes them as AWS does
    (Capability.REPORT_LINES); elsewhere they are None, which the report shows as not reported.
    """
    wanted = request_ids_for(clients, stack, key_prefix)
    reports = [
        m.groupdict()
        for message in _log_events(clients, stack.outputs["log_group_name"], '"REPORT RequestId"')
        if (m := REPORT.search(message)) and m["id"] in wanted
    ]
    durations = [float(r["duration"]) for r in reports if not r["init"]]
    inits = [float(r["init"]) for r in reports if r["init"]]
    first = [float(r["duration"]) for r in reports if r["init"]]
    full = has(stack.target.name, Capability.REPORT_LINES)
    return {
        "invocations": len(wanted),
        "reports": len(reports),
        "cold_starts": len(inits) if full else None,
        "init_ms_median": statistics.median(inits) if inits and full else None,
        "first_invocation_ms_median": statistics.median(first) if first and full else None,
        "warm_duration_ms_median": statistics.median(durations) if durations else None,
        "peak_rss_mb": max((int(r["rss"]) for r in reports), default=None) if full else None,
    }


def timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def one_resource_root(workdir: Path, override: str | None) -> Path:
    """A root configuration with a single log group: Terraform's own floor for an apply.

    (A log group, because the provider creates it with one call and no waiting; an SQS queue,
    say, makes the provider poll until its attributes settle, which measures the poll.)
    """
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        '      version = ">= 5.100.0, < 6.0.0"\n    }\n  }\n}\n\nprovider "aws" {}\n\n'
        f'resource "aws_cloudwatch_log_group" "floor" {{\n  name = "/bench/floor-{secrets.token_hex(4)}"\n}}\n'
    )
    if override:
        (workdir / "endpoint_override.tf.json").write_text(override)
    return workdir
