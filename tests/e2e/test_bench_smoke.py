"""A small run of the bench's measurements on the session's stack, so `make bench` cannot rot."""

from __future__ import annotations

from typing import Any

from bench import measure, report
from bench.stats import summary_ms


def test_bench_measurements_and_report(clients, stack, tmp_path):
    latencies = measure.pipeline_latency(clients, stack, 3)
    floors = measure.floor_latency(clients, 3)
    burst = measure.burst(clients, stack, 20, threads=4)
    handler = measure.handler_reports(clients, stack)
    results: dict[str, Any] = {
        "machine": "smoke",
        "when": "now",
        "target": "smoke",
        "build": measure.build_figures(runs=2),
        "deploy": {"init_s": 1.0, "apply_s": 2.0, "floor_apply_s": 1.0, "noop_plan_s": 1.0, "destroy_s": 1.0},
        "pipeline": summary_ms(latencies),
        "floor": summary_ms(floors),
        "pipeline_raw_s": latencies,
        "floor_raw_s": floors,
        "burst": burst,
        "handler": handler,
    }

    paths = report.write(results, tmp_path)

    assert all(0 < s < 60 for s in latencies + floors)
    assert (burst["lost"], burst["duplicates"]) == (0, 0)
    assert burst["curve"][-1][1] == 20
    assert handler["cold_starts"] >= 1
    assert handler["invocations"] > handler["cold_starts"]
    assert 0 < handler["peak_rss_mb"] < 128
    assert results["build"]["byte_identical"] is True
    assert "Pipeline p50 / floor p50" in paths["markdown"].read_text()
    assert all(p.stat().st_size > 0 for p in paths.values())
