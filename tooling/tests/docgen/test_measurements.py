"""The measurements page's tables are rendered from the data the measuring commands wrote, never typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_tooling.docgen import measurements


def session(engine: str, *, run: str = "4a6611", counts: dict[str, int] | None = None) -> dict[str, object]:
    return {
        "engine": engine,
        "label": f"{engine} 1.0",
        "machine": "x86_64, 2 cores, 24 GiB, Python 3.11.7",
        "when": "2026-12-03T20:00:00+00:00",
        "outcomes": {"passed": 40, "failed": 1, "skipped": 3, "error": 0},
        "session_s": 201.25,
        "phases": {f"terraform apply [e2e-{run}]": 34.5, f"only on {engine}": 1.0},
        "counts": counts or {},
    }


def write(folder: Path, name: str, data: object) -> None:
    (folder / "measurements").mkdir(exist_ok=True)
    (folder / "measurements" / name).write_text(json.dumps(data))


def test_the_sessions_table_has_a_column_per_engine_and_a_row_per_phase(tmp_path):
    write(tmp_path, "e2e-ministack.json", session("ministack", run="0c50a1"))
    write(tmp_path, "e2e-embedded.json", session("embedded", counts={"fault run: objects": 1000}))

    assert measurements.sessions_section(tmp_path).splitlines() == [
        "| | embedded (embedded 1.0) | MiniStack (ministack 1.0) |",
        "|---|---|---|",
        "| measured | 2026-12-03T20:00:00+00:00, x86_64, 2 cores, 24 GiB, Python 3.11.7 | "
        "2026-12-03T20:00:00+00:00, x86_64, 2 cores, 24 GiB, Python 3.11.7 |",
        "| tests | 40 passed, 3 skipped by capability, 1 failed | 40 passed, 3 skipped by capability, 1 failed |",
        "| terraform apply [e2e-<run>] | 34.5 s | 34.5 s |",  # one row, whatever each session's run id
        "| only on embedded | 1.0 s | — |",
        "| only on ministack | — | 1.0 s |",
        "| **whole session** | **201.2 s** | **201.2 s** |",
    ]


def test_the_reliability_table_takes_the_fault_and_outage_counts_only(tmp_path):
    counts = {"fault run: objects": 1000, "outage run: events replayed by redrive.py": 20, "resources deployed": 31}
    write(tmp_path, "e2e-embedded.json", session("embedded", counts=counts))

    assert measurements.reliability_section(tmp_path).splitlines() == [
        "| Engine | Measure | Count |",
        "|---|---|---|",
        "| embedded | fault run: objects | 1,000 |",
        "| embedded | outage run: events replayed by redrive.py | 20 |",
    ]


def test_missing_data_names_the_file_and_the_command(tmp_path):
    with pytest.raises(KeyError, match=r"measurements/bench.json is missing"):
        measurements.bench_section(tmp_path)
    with pytest.raises(KeyError, match="make measure writes them"):
        measurements.sessions_section(tmp_path)
    write(tmp_path, "e2e-ministack.json", session("ministack"))
    with pytest.raises(KeyError, match="ran the reliability tests"):
        measurements.reliability_section(tmp_path)
