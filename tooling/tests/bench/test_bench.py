"""The bench's arithmetic and its report: percentiles, build figures, the table with a column per engine, goals."""

from __future__ import annotations

from typing import Any

import pytest
from pipeline_tooling import package
from pipeline_tooling.bench import goals, measure, report
from pipeline_tooling.bench.stats import percentile, summary_ms
from pipeline_tooling.package import package_zip


def test_nearest_rank_percentiles():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_summary_is_in_milliseconds():
    figures = summary_ms([0.010, 0.020, 0.030])
    assert figures["p50_ms"] == pytest.approx(20.0)
    assert figures["mean_ms"] == pytest.approx(20.0)
    assert figures["n"] == 3


def test_empty_sample_is_an_error():
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_build_figures_are_reproducible():
    figures = measure.build_figures(runs=2)

    assert figures["byte_identical"] is True
    assert figures["zip_bytes"] == len(package.build(package_zip()).path.read_bytes())


def engine_results(
    engine: str, label: str, *, p50_s: float, per_second: float, handler: dict[str, Any]
) -> dict[str, Any]:
    return {
        "engine": engine,
        "label": label,
        "startup_s": 0.5,
        "first_event_ms": p50_s * 1000 * 1.5,
        "deploy": {"init_s": 0.5, "apply_s": 20.0, "floor_apply_s": 15.0, "noop_plan_s": 5.0, "destroy_s": 10.0},
        "pipeline": summary_ms([p50_s] * 3),
        "floor": summary_ms([p50_s / 2] * 3),
        "pipeline_raw_s": [p50_s] * 3,
        "floor_raw_s": [p50_s / 2] * 3,
        "burst": {
            "objects": 10,
            "threads": 2,
            "objects_per_second": per_second,
            "completion": "a count",
            "lost": 0,
            "duplicates": 0,
            "curve": [(0.0, 0), (1.0, 10)],
        },
        "handler": handler,
    }


FULL_REPORTS = {"warm_duration_ms_median": 9.0, "init_ms_median": 300.0, "peak_rss_mb": 50}
NO_REPORTS = {"warm_duration_ms_median": 5.0, "init_ms_median": None, "peak_rss_mb": None}


@pytest.fixture
def two_engines() -> dict[str, Any]:
    return {
        "machine": "test machine",
        "when": "now",
        "plan": "a plan",
        "engines": [
            engine_results("embedded", "embedded on moto 5.2.5", p50_s=0.020, per_second=120.0, handler=FULL_REPORTS),
            engine_results("ministack", "MiniStack 1.5.33", p50_s=0.025, per_second=30.0, handler=NO_REPORTS),
        ],
        "bare_moto": {"startup_s": 0.4, "floor": summary_ms([0.008] * 3), "floor_raw_s": [0.008] * 3},
    }


def test_one_table_has_a_column_per_engine_and_the_ratios(two_engines, tmp_path):
    summary = report.write(two_engines, tmp_path)["markdown"].read_text()

    assert "| Measure | embedded on moto 5.2.5 | MiniStack 1.5.33 |" in summary
    assert "| Pipeline PutObject to item, p50 / p95 / p99 | 20.0 / 20.0 / 20.0 ms | 25.0 / 25.0 / 25.0 ms |" in summary
    assert "| Pipeline p50 / bare-moto floor p50 | 2.50x | 3.12x |" in summary
    assert "| Handler cold init, REPORT Init Duration (median) | 300.0 ms | not reported by MiniStack |" in summary
    assert "| Worker peak RSS (REPORT Max Memory Used) | 50 MB | not reported by MiniStack |" in summary
    assert "- embedded / MiniStack: pipeline p50 0.80x, burst 4.00x, first apply 1.00x" in summary


def test_the_report_draws_the_latency_cdf_and_the_burst_as_png(two_engines, tmp_path):
    paths = report.write(two_engines, tmp_path)

    assert paths["latency-cdf"] == tmp_path / "latency-cdf.png"
    assert paths["burst-items"] == tmp_path / "burst-items.png"
    for name in ("latency-cdf", "burst-items"):
        assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{name} is not a PNG"


def test_goals_are_judged_on_the_run(two_engines):
    assert goals.judged(two_engines) == [
        "- pipeline p50 <= MiniStack's: 20.0 vs 25.0 ms - met",
        "- burst >= 3x MiniStack's: 4.00x - met",
        "- pipeline p50 <= 3x the bare-moto floor: 2.50x - met",
        "- burst >= 100 objects/s: 120.0/s - met",
        "- burst loses and doubles nothing: 0 lost, 0 doubled - met",
        "- warm invocation (REPORT Duration) <= 15 ms: 9.0 ms - met",
        "- first event after apply <= 2x pipeline p50: 1.50x - met",
        "- worker RSS well under 128 MB (<= 64): 50 MB - met",
        "- engine answers <= 3 s after start: 0.50 s - met",
    ]


def test_a_missed_goal_says_so(two_engines):
    two_engines["engines"][0]["burst"]["objects_per_second"] = 60.0

    missed = [line for line in goals.judged(two_engines) if "missed" in line]

    assert missed == ["- burst >= 3x MiniStack's: 2.00x - **missed**", "- burst >= 100 objects/s: 60.0/s - **missed**"]
