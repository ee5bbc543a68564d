"""The cost and limits the README's "Scale and cost" section is rendered from."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pipeline_tooling.bench import costs


def test_a_million_objects_at_list_price_line_by_line():
    workload = costs.Workload(handler_ms=14.2, memory_mb=128, architecture="x86_64", item_bytes=562, log_bytes=681)

    priced = costs.cost_of(1_000_000, workload)

    assert priced["S3 PUT requests (the uploads)"] == pytest.approx(5.00)
    assert priced["Lambda requests"] == pytest.approx(0.20)
    # 15 ms billed (rounded up to the ms) x 0.125 GB x 1e6 = 1,875 GB-s
    assert priced["Lambda duration"] == pytest.approx(1875 * 0.0000166667)
    assert priced["DynamoDB writes"] == pytest.approx(2 * 0.625)  # the item and its index copy: 2 units each
    assert priced["CloudWatch Logs ingestion"] == pytest.approx(0.681 * 0.50)
    assert priced["total"] == pytest.approx(sum(v for k, v in priced.items() if k != "total"))


def test_arm64_costs_a_fifth_less_per_gb_second_and_the_index_doubles_the_writes():
    x86 = costs.Workload(20.0, 1024, "x86_64", 562, 681)
    arm = costs.Workload(20.0, 1024, "arm64", 562, 681)
    no_index = costs.Workload(20.0, 1024, "x86_64", 562, 681, index=False)
    big_item = costs.Workload(20.0, 1024, "x86_64", 1025, 681)

    assert costs.cost_of(1000, arm)["Lambda duration"] / costs.cost_of(1000, x86)["Lambda duration"] == pytest.approx(
        0.8, abs=0.001
    )
    assert (no_index.write_units, x86.write_units, big_item.write_units) == (1, 2, 4)


def test_the_binding_limit_at_each_rate_comes_first():
    workload = costs.Workload(handler_ms=400.0, memory_mb=128, architecture="x86_64", item_bytes=562, log_bytes=681)

    at_100, at_10k = costs.limits_at(100, workload), costs.limits_at(10_000, workload)

    assert [n.share for n in at_100] == sorted((n.share for n in at_100), reverse=True)
    assert at_10k[0].limit.startswith("Lambda concurrent executions")  # 10,000/s x 0.4 s = 4,000 at once
    assert at_10k[0].needed == pytest.approx(4000)
    assert at_10k[0].share == pytest.approx(4.0)


def test_the_workload_comes_from_the_handlers_own_item_and_lines():
    workload = costs.per_object(14.2)
    record = costs.typical_record()
    handler = costs.load_handler()
    item = handler.build_item(
        handler.parse_record(record),
        function_name="s3-processor-prod",
        aws_request_id="r",
        processed_at=datetime(2026, 12, 1, tzinfo=timezone.utc),
    )

    assert workload.item_bytes == pytest.approx(costs.item_size(item), abs=40)  # the request ids differ in length
    assert 500 < workload.item_bytes < 1024  # one write unit per copy
    assert 400 < workload.log_bytes < 1200
    assert item["uploaderSourceIp"] == {"S": "203.0.113.10"}  # sized with who uploaded


def test_item_size_follows_dynamodbs_rules():
    assert costs.item_size({"k": {"S": "abc"}}) == 4
    assert costs.item_size({"objectSize": {"N": "52000"}}) == len("objectSize") + 2  # "52" significant: 1 + 1
    assert costs.item_size({"n": {"N": "123456"}}) == 1 + 4  # 6 digits: 3 + 1
    assert costs.item_size({"caf\u00e9": {"S": "\u65e5"}}) == 5 + 3


def test_the_readme_section_names_its_inputs_and_every_rate():
    section = costs.markdown()

    measured = costs.reference()["handler_ms"]  # what the last `make bench` wrote (reference.json)
    assert f"the handler's median duration **{measured} ms** (" in section
    assert "| **total** |" in section
    for rate in ("| 100 |", "| 1,000 |", "| 10,000 |"):
        assert rate in section


def test_the_reference_comes_from_a_bench_runs_embedded_figures():
    results = {
        "machine": "x86_64, 2 cores",
        "when": "2026-12-02T00:00:00+00:00",
        "engines": [
            {"engine": "ministack", "handler": {"warm_duration_ms_median": 46.04}},
            {"engine": "embedded", "handler": {"warm_duration_ms_median": 14.23}},
        ],
    }

    figures = costs.reference_from(results)

    assert figures is not None
    assert (figures["handler_ms"], figures["memory_mb"]) == (14.2, 128)
    assert figures["source"].endswith("on the embedded engine, x86_64, 2 cores, 2026-12-02")
    assert costs.reference_from({**results, "engines": results["engines"][:1]}) is None
