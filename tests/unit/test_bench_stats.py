"""The bench's percentile arithmetic."""

from __future__ import annotations

import pytest

from bench.stats import percentile, summary_ms


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
