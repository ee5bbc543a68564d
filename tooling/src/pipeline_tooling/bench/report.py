"""The bench's outputs: one Markdown table with a column per engine, a JSON file of every raw figure, PNG plots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pipeline_tooling.harness.targets import TITLES

from .goals import judged
from .measure import DETECTION

Row = tuple[str, Callable[[dict[str, Any]], str]]


def _figure(value: float | None, unit: str, engine: str) -> str:
    """A figure, or which engine did not report it (never 0 or n/a in its place)."""
    if value is None:
        return f"not reported by {TITLES.get(engine, engine)}"
    return f"{value:,.0f} {unit}" if unit == "MB" else f"{value:,.1f} {unit}"


def _percentiles(figures: dict[str, float]) -> str:
    return f"{figures['p50_ms']:.1f} / {figures['p95_ms']:.1f} / {figures['p99_ms']:.1f} ms"


def rows(bare_floor_p50: float | None) -> list[Row]:
    """What the table shows for each engine: (measure, figure of one engine's results)."""

    def vs_bare(r: dict[str, Any]) -> str:
        return f"{r['pipeline']['p50_ms'] / bare_floor_p50:.2f}x" if bare_floor_p50 else "no bare-moto floor"

    def burst(r: dict[str, Any]) -> str:
        b = r["burst"]
        return f"{b['objects_per_second']:.1f} objects/s (lost {b['lost']}, duplicates {b['duplicates']})"

    def handler(name: str, unit: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: _figure(r["handler"][name], unit, r["engine"])

    return [
        ("Engine start to first answer", lambda r: _figure(r.get("startup_s"), "s", r["engine"])),
        ("First event after apply (PutObject to item)", lambda r: _figure(r.get("first_event_ms"), "ms", r["engine"])),
        ("Pipeline PutObject to item, p50 / p95 / p99", lambda r: _percentiles(r["pipeline"])),
        ("Floor on the same engine (PutObject + PutItem), p50 / p95 / p99", lambda r: _percentiles(r["floor"])),
        ("Pipeline p50 / the engine's floor p50", lambda r: f"{r['pipeline']['p50_ms'] / r['floor']['p50_ms']:.2f}x"),
        ("Pipeline p50 / bare-moto floor p50", vs_bare),
        ("Burst until every item is readable", burst),
        ("Handler invocation, REPORT Duration (median)", handler("warm_duration_ms_median", "ms")),
        ("Handler cold init, REPORT Init Duration (median)", handler("init_ms_median", "ms")),
        ("Worker peak RSS (REPORT Max Memory Used)", handler("peak_rss_mb", "MB")),
        ("terraform init / first apply", lambda r: f"{r['deploy']['init_s']:.1f} / {r['deploy']['apply_s']:.1f} s"),
        ("One-resource apply (Terraform's floor)", lambda r: f"{r['deploy']['floor_apply_s']:.1f} s"),
        ("No-change plan / destroy", lambda r: f"{r['deploy']['noop_plan_s']:.1f} / {r['deploy']['destroy_s']:.1f} s"),
    ]


def ratios(engines: list[dict[str, Any]]) -> list[str]:
    """The first engine against each other one, on the figures the goals are about."""
    first, lines = engines[0], []
    for other in engines[1:]:
        a, b = TITLES[first["engine"]], TITLES[other["engine"]]
        lines.append(
            f"- {a} / {b}: pipeline p50 {first['pipeline']['p50_ms'] / other['pipeline']['p50_ms']:.2f}x, "
            f"burst {first['burst']['objects_per_second'] / other['burst']['objects_per_second']:.2f}x, "
            f"first apply {first['deploy']['apply_s'] / other['deploy']['apply_s']:.2f}x"
        )
    return lines


def markdown(results: dict[str, Any]) -> str:
    engines: list[dict[str, Any]] = results["engines"]
    bare = results.get("bare_moto")
    bare_p50 = bare["floor"]["p50_ms"] if bare else None
    header = "| Measure | " + " | ".join(e["label"] for e in engines) + " |"
    lines = [
        f"Machine: {results['machine']} - {results['when']}",
        f"Plan: {results['plan']}",
        "",
        header,
        "|---|" + "---|" * len(engines),
    ]
    lines += [f"| {name} | " + " | ".join(figure(e) for e in engines) + " |" for name, figure in rows(bare_p50)]
    if bare:
        lines += [
            "",
            f"Bare moto (plain HTTP, keep-alive, no Lambda): floor p50 / p95 / p99 {_percentiles(bare['floor'])}, "
            f"start to first answer {bare['startup_s']:.1f} s.",
        ]
    lines += ["", *ratios(engines)] if len(engines) > 1 else []
    goals = judged(results)
    lines += ["", "Goals (embedded engine):", *goals] if goals else []
    lines += [
        "",
        f"Completion detected (every client keeps its connection alive): pipeline and first event by "
        f"{DETECTION['one object']}; burst "
        + "; ".join(f"on {e['label']} by {e['burst']['completion']}" for e in engines)
        + ".",
    ]
    return "\n".join(lines) + "\n"


def plots(results: dict[str, Any], folder: Path) -> list[Path]:
    written = []
    figure, axis = plt.subplots(figsize=(7, 4))
    series = [(f"{e['label']} pipeline", e["pipeline_raw_s"]) for e in results["engines"]]
    series += [(f"{e['label']} floor", e["floor_raw_s"]) for e in results["engines"]]
    if results.get("bare_moto"):
        series.append(("bare moto floor", results["bare_moto"]["floor_raw_s"]))
    for name, values in series:
        ordered = sorted(values)
        axis.step([v * 1000 for v in ordered], [(n + 1) / len(ordered) for n in range(len(ordered))], label=name)
    axis.set_xscale("log")
    written.append(
        _save(
            figure,
            axis,
            folder / "latency-cdf.png",
            title="Latency distribution (CDF)",
            x_label="latency (ms, log scale)",
            y_label="share of uploads",
        )
    )

    figure, axis = plt.subplots(figsize=(7, 4))
    for engine in results["engines"]:
        curve = engine["burst"]["curve"]
        axis.plot([t for t, _ in curve], [n for _, n in curve], label=engine["label"])
    written.append(
        _save(
            figure,
            axis,
            folder / "burst-items.png",
            title="Burst",
            x_label="seconds since the first upload",
            y_label="items readable",
        )
    )
    return written


def _save(figure: Any, axis: Any, path: Path, *, title: str, x_label: str, y_label: str) -> Path:
    """Title, axis labels, grid and legend as every plot of the report has them; written to ``path``, closed."""
    axis.set_xlabel(x_label)
    axis.set_ylabel(y_label)
    axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small")
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path


RAW_SERIES = ("pipeline_raw_s", "floor_raw_s", "curve")  # every sample: results.json keeps them, the page needs none


def without_raw_series(results: Any) -> Any:
    """The results with their raw samples left out: what the summary table is made of."""
    if isinstance(results, dict):
        return {k: without_raw_series(v) for k, v in results.items() if k not in RAW_SERIES}
    if isinstance(results, list):
        return [without_raw_series(v) for v in results]
    return results


def write(results: dict[str, Any], folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "results.json", "markdown": folder / "summary.md"}
    paths["json"].write_text(json.dumps(results, indent=2) + "\n")
    paths["markdown"].write_text(markdown(results))
    for plot in plots(results, folder):
        paths[plot.stem] = plot
    return paths
