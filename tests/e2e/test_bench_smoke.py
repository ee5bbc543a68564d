"""A small run of the bench's measurements on the session's stack, so `make bench` cannot rot."""

from __future__ import annotations

from typing import Any

import pytest
from pipeline_tooling.bench import measure, report
from pipeline_tooling.bench.stats import summary_ms
from pipeline_tooling.harness.capabilities import Capability
from pipeline_tooling.harness.targets import TITLES

PREFIX = "bench-smoke/"
BURST = 20
LATENCY_SAMPLES = 3


@pytest.fixture(scope="module")
def measured(clients, stack) -> dict[str, Any]:
    latencies = measure.pipeline_latency(clients, stack, LATENCY_SAMPLES, prefix=f"{PREFIX}latency/")
    floors = measure.floor_latency(clients, LATENCY_SAMPLES, measure.table_shape(clients.dynamodb, stack.table))
    burst = measure.burst(clients, stack, BURST, prefix=f"{PREFIX}burst/", threads=4)
    keys = measure.latency_keys(f"{PREFIX}latency/", LATENCY_SAMPLES) + measure.burst_keys(f"{PREFIX}burst/", BURST)
    return {"latencies": latencies, "floors": floors, "burst": burst, "keys": keys}


def test_bench_measurements_and_report(target, clients, stack, measured, tmp_path):
    handler = measure.handler_reports(clients, stack, measured["keys"])
    engine: dict[str, Any] = {
        "engine": target.name,
        "label": target.label,
        "startup_s": target.started_in_s,
        "first_event_ms": None,
        "deploy": {"init_s": 1.0, "apply_s": 2.0, "floor_apply_s": 1.0, "noop_plan_s": 1.0, "destroy_s": 1.0},
        "pipeline": summary_ms(measured["latencies"]),
        "floor": summary_ms(measured["floors"]),
        "pipeline_raw_s": measured["latencies"],
        "floor_raw_s": measured["floors"],
        "burst": measured["burst"],
        "handler": handler,
    }
    results = {"machine": "smoke", "when": "now", "plan": "smoke", "engines": [engine]}

    paths = report.write(results, tmp_path)

    assert len(measured["latencies"]) == LATENCY_SAMPLES
    assert all(0 < s < 60 for s in measured["latencies"] + measured["floors"])
    assert (measured["burst"]["lost"], measured["burst"]["duplicates"]) == (0, 0)
    assert measured["burst"]["curve"][-1][1] == BURST
    # One invocation per object's key (none twice); a line an engine lost is counted, not hidden.
    assert handler["invocations"] + handler["keys_without_a_log_line"] == LATENCY_SAMPLES + BURST
    summary = paths["markdown"].read_text()
    assert f"| Measure | {target.label} |" in summary
    assert f"| First event after apply (PutObject to item) | not reported by {TITLES[target.name]} |" in summary
    assert all(p.stat().st_size > 0 for p in paths.values())


@pytest.mark.needs(Capability.COMPLETE_FUNCTION_LOGS)
def test_every_invocation_is_found_in_the_log_by_its_key(clients, stack, measured):
    handler = measure.handler_reports(clients, stack, measured["keys"])

    assert handler["invocations"] == LATENCY_SAMPLES + BURST  # one invocation per object, found by its key
    assert handler["keys_without_a_log_line"] == 0


@pytest.mark.needs(Capability.REPORT_LINES)
def test_report_lines_give_the_handler_figures(clients, stack, measured):
    handler = measure.handler_reports(clients, stack, measured["keys"])

    assert handler["reports"] == LATENCY_SAMPLES + BURST  # one REPORT line per invocation of this test's objects
    assert handler["warm_duration_ms_median"] is not None
    assert 0 < handler["peak_rss_mb"] < 128
