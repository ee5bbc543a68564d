"""What the pipeline costs on AWS, and which limit it meets first: computed, not typed.

``cost_of`` prices a number of objects at list price from the handler's measured duration (the bench's
reference run, ``bench/reference.json``), the function's memory and architecture, and what each object
writes: the item (and its copy in the index), sized by DynamoDB's rules from the handler's own
``build_item``, and the log lines, from the handler's own lines and Lambda's. ``limits_at`` says, for a
rate of objects per second, how much of each AWS limit on the way the pipeline needs, and which input
moves it. The README's "Scale and cost" section is rendered from both (docgen).
"""

from __future__ import annotations

import io
import json
import math
import uuid
from contextlib import redirect_stdout
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from pipeline_tooling import package
from pipeline_tooling.engine.awslambda import platform_log
from pipeline_tooling.package import handler_source

REFERENCE = Path(__file__).with_name("reference.json")
PRICES_READ = "2026-12-01"

# List prices in us-east-1, USD (each page as read on PRICES_READ).
S3_PUT_PER_1000 = 0.005  # https://aws.amazon.com/s3/pricing/ (S3 Standard, PUT, COPY, POST, LIST)
LAMBDA_REQUESTS_PER_MILLION = 0.20  # https://aws.amazon.com/lambda/pricing/
LAMBDA_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}  # first 6 billion GB-s a month
DYNAMODB_WRITE_PER_MILLION = 0.625  # https://aws.amazon.com/dynamodb/pricing/on-demand/ (since 2024-11-01)
LOGS_INGEST_PER_GB = 0.50  # https://aws.amazon.com/cloudwatch/pricing/ (Standard log class, ingestion)

# AWS's limits on the way (defaults of a new account and a new table), each with the input that moves it.
LIMITS = {
    "lambda_concurrency": 1000,  # concurrent executions per account and region (Service Quotas)
    "lambda_scaling_per_10s": 1000,  # new concurrent executions a function adds every 10 s
    "dynamodb_new_table_writes": 4000,  # write request units/s a new on-demand table (and index) serves at once
    "s3_puts_per_prefix": 3500,  # PUT/COPY/POST/DELETE per second per partitioned prefix
}


@dataclass(frozen=True)
class Workload:
    """What one object costs the pipeline: measured or derived from the handler, never assumed."""

    handler_ms: float  # Lambda's billed duration is this, rounded up to the millisecond
    memory_mb: int
    architecture: str
    item_bytes: int
    log_bytes: int  # everything the invocation puts in CloudWatch Logs
    index: bool = True

    @property
    def write_units(self) -> int:
        """Write request units per object: the item, rounded up to the KB, and once more for the index."""
        per_item = max(1, math.ceil(self.item_bytes / 1024))
        return per_item * (2 if self.index else 1)


def cost_of(objects: int, workload: Workload) -> dict[str, float]:
    """USD for ``objects`` objects, line by line; "total" is their sum."""
    billed_s = math.ceil(workload.handler_ms) / 1000
    gb_seconds = objects * billed_s * workload.memory_mb / 1024
    lines = {
        "S3 PUT requests (the uploads)": objects / 1000 * S3_PUT_PER_1000,
        "Lambda requests": objects / 1e6 * LAMBDA_REQUESTS_PER_MILLION,
        "Lambda duration": gb_seconds * LAMBDA_GB_SECOND[workload.architecture],
        "DynamoDB writes": objects * workload.write_units / 1e6 * DYNAMODB_WRITE_PER_MILLION,
        "CloudWatch Logs ingestion": objects * workload.log_bytes / 1e9 * LOGS_INGEST_PER_GB,
    }
    return {**lines, "total": sum(lines.values())}


@dataclass(frozen=True)
class Need:
    limit: str
    needed: float
    available: float
    moved_by: str

    @property
    def share(self) -> float:
        return self.needed / self.available


def limits_at(rate: float, workload: Workload) -> list[Need]:
    """For ``rate`` objects/s, what each limit must carry, the most binding first."""
    concurrency = rate * math.ceil(workload.handler_ms) / 1000  # Little's law: arrivals x time in the function
    needs = [
        Need(
            "Lambda concurrent executions (account, default 1,000)",
            concurrency,
            LIMITS["lambda_concurrency"],
            "a quota increase; reserved_concurrent_executions caps the function instead",
        ),
        Need(
            "DynamoDB writes of a new on-demand table and its index (4,000 units/s each at first)",
            rate * workload.write_units / (2 if workload.index else 1),
            LIMITS["dynamodb_new_table_writes"],
            "warm throughput (the provider's warm_throughput; not an input of the module yet), or time",
        ),
        Need(
            "S3 PUT per second per prefix (3,500)",
            rate,
            LIMITS["s3_puts_per_prefix"],
            "spreading uploads over prefixes",
        ),
    ]
    return sorted(needs, key=lambda need: need.share, reverse=True)


def load_handler() -> ModuleType:
    """lambda/index.py as the function runs it (a file, not a package of this project)."""
    return package.load_file("s3_processor_handler", handler_source() / "index.py")


def typical_record() -> dict[str, Any]:
    """An S3 record as AWS sends it for an upload under a dated prefix, with who uploaded it."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-12-01T12:00:00.123Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDAJDPLRKLG7UEXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.10"},
        "responseElements": {
            "x-amz-request-id": "C3D13FE58DE4C810",
            "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": "lambda-trigger-bucket-prod-123456789012", "arn": "arn:aws:s3:::x"},
            "object": {
                "key": "incoming/2026/12/01/orders-000123.csv",
                "size": 52_000,
                "eTag": "0123456789abcdef0123456789abcdef",
                "sequencer": "0A1B2C3D4E5F678901",
            },
        },
    }


def item_size(item: dict[str, dict[str, str]]) -> int:
    """DynamoDB's size of an item: each attribute's name plus its value (UTF-8 bytes for a string; about one
    byte per two significant digits, plus one, for a number)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        if "S" in value:
            size += len(value["S"].encode())
        else:
            digits = value["N"].lstrip("-").replace(".", "").strip("0") or "0"
            size += math.ceil(len(digits) / 2) + 1
    return size


def per_object(handler_ms: float, memory_mb: int = 128, architecture: str = "x86_64", index: bool = True) -> Workload:
    """The workload of one object of ``typical_record``, through the real handler: its item, its lines."""
    handler = load_handler()
    event = handler.parse_record(typical_record())
    request = str(uuid.uuid4())
    item = handler.build_item(
        event,
        function_name="s3-processor-prod",
        aws_request_id=request,
        processed_at=datetime(2026, 12, 1, 12, 0, 0, 456_000, tzinfo=timezone.utc),
    )
    output = io.StringIO()
    with redirect_stdout(output):
        handler.log("INFO", "log item written", durationMs=12.345, requestId=item["requestId"]["S"], key=event.key)
        handler.log("INFO", "batch done", statusCode=200, written=1, duplicates=0, rejected=0, awsRequestId=request)
    start, end, report = platform_log.text_lines(  # Lambda's own lines, in its Text format, as the engine writes them
        platform_log.Report(request, 12.345, memory_mb, max_memory_mb=50, init_ms=None, error_type=None)
    )
    lambda_lines = [*start, *end, *report]
    log_bytes = len(output.getvalue().encode()) + sum(len(line.encode()) + 1 for line in lambda_lines)
    return Workload(handler_ms, memory_mb, architecture, item_size(item), log_bytes, index)


def reference_from(results: dict[str, Any], engine: str = "embedded") -> dict[str, Any] | None:
    """The figures the costs are computed from, out of a `make bench` run's results (None: ``engine`` was not
    in it, or gave no duration)."""
    for measured in results.get("engines", []):
        duration = measured.get("handler", {}).get("warm_duration_ms_median") if measured["engine"] == engine else None
        if isinstance(duration, (int, float)):
            return {
                "handler_ms": round(float(duration), 1),
                "memory_mb": 128,  # the module's default, which the bench's stack keeps
                "source": (
                    f"the median REPORT Duration of `make bench`'s invocations on the {engine} engine, "
                    f"{results['machine']}, {results['when'][:10]}"
                ),
            }
    return None


def reference() -> dict[str, Any]:
    figures: dict[str, Any] = json.loads(REFERENCE.read_text())
    return figures


def _usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:.4f}"


def markdown(objects: int = 1_000_000, rates: tuple[int, ...] = (100, 1_000, 10_000)) -> str:
    """The README's section: the cost of ``objects`` on each architecture, and the limits at ``rates``."""
    figures = reference()
    x86 = per_object(figures["handler_ms"], figures["memory_mb"], "x86_64")
    arm = replace(x86, architecture="arm64")  # the same item and lines; only the price of a GB-second differs
    costs = {arch.architecture: cost_of(objects, arch) for arch in (x86, arm)}
    inputs = (
        f"Inputs: the handler's median duration **{figures['handler_ms']} ms** ({figures['source']}), "
        f"{figures['memory_mb']} MB (the default), an item of **{x86.item_bytes} bytes** ({x86.write_units} write "
        f"units with the index), **{x86.log_bytes} bytes** of log lines per object (the handler's two and "
        f"Lambda's START, END and REPORT). List prices in us-east-1, read {PRICES_READ}."
    )
    lines = [f"| {objects:,} objects | x86_64 | arm64 |", "|---|---|---|"]
    lines += [f"| {name} | {_usd(costs['x86_64'][name])} | {_usd(costs['arm64'][name])} |" for name in costs["x86_64"]]
    lines[-1] = lines[-1].replace("| total |", "| **total** |")
    lines += ["", "| Objects/s | First limit (needed / available) | Then | Moved by |", "|---|---|---|---|"]
    for rate in rates:
        first, second, *_ = limits_at(rate, x86)
        lines.append(
            f"| {rate:,} | {first.limit}: {first.needed:,.0f} / {first.available:,.0f} ({first.share:.0%}) "
            f"| {second.limit}: {second.needed:,.0f} / {second.available:,.0f} ({second.share:.0%}) "
            f"| {first.moved_by} |"
        )
    return "\n".join([*lines, "", inputs]) + "\n"
