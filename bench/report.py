"""The bench's outputs: a Markdown summary, a JSON file of every raw figure, PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from harness.targets import TITLES

GOALS = {
    "pipeline p50 / floor p50": 2.0,
    "burst objects/s": 100.0,
    "handler cold init ms": 300.0,
    "apply / one-resource apply": 1.5,
}


def _fmt(value: Any, unit: str = "", *, engine: str) -> str:
    """A figure, or which engine did not report it (never 0 or n/a in its place)."""
    if value is None:
        return f"not reported by {TITLES.get(engine, engine)}"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}"
    return f"{value}{unit}"


def _percentiles(figures: dict[str, float]) -> str:
    return f"{figures['p50_ms']:.1f} / {figures['p95_ms']:.1f} / {figures['p99_ms']:.1f} ms"


def rows(results: dict[str, Any]) -> list[tuple[str, str]]:
    lat, flo, bur = results["pipeline"], results["floor"], results["burst"]
    han, dep, bld = results["handler"], results["deploy"], results["build"]
    engine = results["target"]
    ratio = lat["p50_ms"] / flo["p50_ms"]
    apply_ratio = dep["apply_s"] / dep["floor_apply_s"]
    burst_goal = GOALS["burst objects/s"]
    return [
        ("Pipeline PutObject to item, p50 / p95 / p99", _percentiles(lat)),
        ("Floor PutObject + PutItem, p50 / p95 / p99", _percentiles(flo)),
        ("Pipeline p50 / floor p50", f"{ratio:.2f}x (goal <= {GOALS['pipeline p50 / floor p50']}x)"),
        (
            f"Burst of {bur['objects']} objects ({bur['threads']} threads)",
            f"{bur['objects_per_second']:.1f} objects/s until all readable (goal >= {burst_goal:.0f}); "
            f"lost {bur['lost']}, duplicates {bur['duplicates']}",
        ),
        ("Handler cold init (median)", f"{_fmt(han['init_ms_median'], ' ms', engine=engine)} (goal <= 300 ms)"),
        (
            "Handler first invocation (client creation included)",
            _fmt(han["first_invocation_ms_median"], " ms", engine=engine),
        ),
        ("Handler warm invocation (median, one record)", _fmt(han["warm_duration_ms_median"], " ms", engine=engine)),
        ("Worker peak RSS", f"{_fmt(han['peak_rss_mb'], ' MB', engine=engine)} of 128 MB"),
        ("terraform init", f"{dep['init_s']:.1f} s"),
        ("First apply (plan + apply)", f"{dep['apply_s']:.1f} s"),
        ("One-resource apply (floor)", f"{dep['floor_apply_s']:.1f} s"),
        ("Apply / one-resource apply", f"{apply_ratio:.2f}x (goal <= {GOALS['apply / one-resource apply']}x)"),
        ("No-change plan", f"{dep['noop_plan_s']:.1f} s"),
        ("Destroy", f"{dep['destroy_s']:.1f} s"),
        ("build.py (median of 5)", f"{bld['median_ms']:.1f} ms, {bld['zip_bytes']:,} bytes"),
        ("Rebuilds byte-identical", str(bld["byte_identical"])),
    ]


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Target: {results['target']} - machine: {results['machine']} - {results['when']}",
        "",
        "| Measure | Figure |",
        "|---|---|",
    ]
    lines += [f"| {name} | {value} |" for name, value in rows(results)]
    return "\n".join(lines) + "\n"


def plots(results: dict[str, Any], folder: Path) -> list[Path]:
    written = []
    latencies = sorted(results["pipeline_raw_s"])
    floors = sorted(results["floor_raw_s"])
    figure, axis = plt.subplots(figsize=(7, 4))
    for name, values in (("pipeline (PutObject → item)", latencies), ("floor (PutObject + PutItem)", floors)):
        axis.step([v * 1000 for v in values], [(n + 1) / len(values) for n in range(len(values))], label=name)
    axis.set_xlabel("latency (ms)")
    axis.set_ylabel("share of uploads")
    axis.set_title("Latency distribution (CDF)")
    axis.grid(alpha=0.3)
    axis.legend()
    written.append(folder / "latency-cdf.png")
    figure.savefig(written[-1], dpi=110, bbox_inches="tight")
    plt.close(figure)

    curve = results["burst"]["curve"]
    figure, axis = plt.subplots(figsize=(7, 4))
    axis.plot([t for t, _ in curve], [n for _, n in curve])
    axis.axhline(results["burst"]["objects"], linestyle="--", alpha=0.5)
    axis.set_xlabel("seconds since the first upload")
    axis.set_ylabel("items readable")
    axis.set_title(f"Burst of {results['burst']['objects']} objects")
    axis.grid(alpha=0.3)
    written.append(folder / "burst-items.png")
    figure.savefig(written[-1], dpi=110, bbox_inches="tight")
    plt.close(figure)
    return written


def write(results: dict[str, Any], folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "results.json", "markdown": folder / "summary.md"}
    paths["json"].write_text(json.dumps(results, indent=2) + "\n")
    paths["markdown"].write_text(markdown(results))
    for plot in plots(results, folder):
        paths[plot.stem] = plot
    return paths
