"""The measurements page's generated sections (docs/measurements.md), rendered from what the commands that
measure wrote: ``make bench`` writes docs/measurements/bench.json, an e2e session run with ``--summary-json``
(``make measure``) writes docs/measurements/e2e-<engine>.json. Nothing here is typed by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pipeline_tooling.bench import report
from pipeline_tooling.harness.targets import ENGINES, TITLES

DATA = Path("measurements")  # beside the page: docs/measurements/
FAULT_RUN = "fault run: "
OUTAGE_RUN = "outage run: "


def _load(page_folder: Path, name: str) -> dict[str, Any]:
    path = page_folder / DATA / name
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except OSError as error:
        raise KeyError(
            f"{path} is missing: the command that measures writes it (docs/measurements.md says which)"
        ) from error
    return data


RUN_ID = re.compile(r"\b(e2e|sbx|bench)-[0-9a-f]{6}\b")  # a session's own suffix in its roots' names


def phase_name(name: str) -> str:
    """A phase's name without the session's run id, so the same phase is one row for every engine and run."""
    return RUN_ID.sub(r"\1-<run>", name)


def sessions(page_folder: Path) -> list[dict[str, Any]]:
    """Every e2e session summary there is, in the engines' order."""
    found = [page_folder / DATA / f"e2e-{engine}.json" for engine in ENGINES]
    return [json.loads(path.read_text()) for path in found if path.exists()]


def bench_section(page_folder: Path) -> str:
    return report.markdown(_load(page_folder, "bench.json"))


def sessions_section(page_folder: Path) -> str:
    """One column per engine: when and where, the outcomes, each phase's seconds, the session's."""
    runs = sessions(page_folder)
    if not runs:
        raise KeyError(f"no e2e session summary under {page_folder / DATA} (make measure writes them)")
    header = "| | " + " | ".join(TITLES[r["engine"]] + (f" ({r['label']})" if r["label"] else "") for r in runs) + " |"
    lines = [header, "|---|" + "---|" * len(runs)]
    lines.append("| measured | " + " | ".join(f"{r['when']}, {r['machine']}" for r in runs) + " |")
    lines.append(
        "| tests | "
        + " | ".join(
            f"{r['outcomes']['passed']} passed, {r['outcomes']['skipped']} skipped by capability, "
            f"{r['outcomes']['failed'] + r['outcomes']['error']} failed"
            for r in runs
        )
        + " |"
    )
    seconds = [{phase_name(name): s for name, s in r["phases"].items()} for r in runs]
    for name in dict.fromkeys(name for phases in seconds for name in phases):
        cells = [f"{phases[name]:.1f} s" if name in phases else "—" for phases in seconds]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| **whole session** | " + " | ".join(f"**{r['session_s']:.1f} s**" for r in runs) + " |")
    return "\n".join(lines) + "\n"


def reliability_section(page_folder: Path) -> str:
    """The fault and outage runs' counts, from the sessions that ran them (the engines with fault injection)."""
    lines = ["| Engine | Measure | Count |", "|---|---|---|"]
    for run in sessions(page_folder):
        for name, count in run["counts"].items():
            if name.startswith((FAULT_RUN, OUTAGE_RUN)):
                lines.append(f"| {TITLES[run['engine']]} | {name} | {count:,} |")
    if len(lines) == 2:
        raise KeyError(f"no session under {page_folder / DATA} ran the reliability tests (make measure runs them)")
    return "\n".join(lines) + "\n"
