"""Lambda's own lines in a function's log: START, END and REPORT (or their JSON form) around its output."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone

from .spec import FunctionSpec


@dataclass(frozen=True)
class Report:
    """What Lambda reports of one invocation."""

    request_id: str
    duration_ms: float
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None  # on a cold start only
    error_type: str | None


def billed_ms(report: Report) -> int:
    """Lambda bills the duration rounded up to the millisecond, one at least."""
    return max(1, math.ceil(report.duration_ms))


def text_lines(report: Report) -> tuple[list[str], list[str], list[str]]:
    """START, END and REPORT as Lambda writes them in its Text log format (the default)."""
    summary = (
        f"REPORT RequestId: {report.request_id}\tDuration: {report.duration_ms:.2f} ms\t"
        f"Billed Duration: {billed_ms(report)} ms\tMemory Size: {report.memory_mb} MB\t"
        f"Max Memory Used: {report.max_memory_mb} MB"
    )
    if report.init_ms is not None:
        summary += f"\tInit Duration: {report.init_ms:.2f} ms"
    return (
        [f"START RequestId: {report.request_id} Version: $LATEST"],
        [f"END RequestId: {report.request_id}"],
        [summary],
    )


def platform_lines(spec: FunctionSpec, report: Report) -> tuple[list[str], list[str], list[str]]:
    """Lambda's own lines around an invocation's output (before it, after it, the report), in the function's
    log format: START, END and REPORT in Text; platform.start, platform.runtimeDone and platform.report in
    JSON, where they are INFO-level and a system log level of WARN leaves them out."""
    if spec.log_format != "JSON":
        return text_lines(report)
    if (spec.system_log_level or "INFO") == "WARN":
        return [], [], []
    billed = billed_ms(report)
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    status = (
        "success" if report.error_type is None else "timeout" if report.error_type == "Sandbox.Timedout" else "error"
    )
    metrics: dict[str, float] = {
        "durationMs": round(report.duration_ms, 3),
        "billedDurationMs": billed,
        "memorySizeMB": report.memory_mb,
        "maxMemoryUsedMB": report.max_memory_mb,
    }
    if report.init_ms is not None:
        metrics["initDurationMs"] = round(report.init_ms, 3)

    def line(kind: str, **record: object) -> str:
        return json.dumps({"time": now, "type": kind, "record": {"requestId": report.request_id, **record}})

    return (
        [line("platform.start", version="$LATEST")],
        [line("platform.runtimeDone", status=status, metrics={"durationMs": metrics["durationMs"]})],
        [line("platform.report", status=status, metrics=metrics)],
    )


def invocation_batch(spec: FunctionSpec, report: Report, before: list[str], output: list[str]) -> list[str]:
    """One invocation's lines as they go to the log stream in one batch: what the environment wrote before
    it (its init, or after the previous invocation returned), then START, the output, END and REPORT."""
    start, end, summary = platform_lines(spec, report)
    return [*before, *start, *output, *end, *summary]


def timeout_message(timeout_s: float) -> str:
    """Lambda's words for an invocation that ran out of time, in its error and in its log."""
    return f"Task timed out after {timeout_s:.2f} seconds"


def timeout_line(request_id: str, timeout_s: float) -> str:
    """The line Lambda writes into the log of an invocation that ran out of time."""
    return f"{datetime.now(timezone.utc).isoformat()} {request_id} {timeout_message(timeout_s)}"
