"""The embedded engine's speed goals, judged on one bench run (figures from the same run only)."""

from __future__ import annotations

from typing import Any


def _engine(results: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((e for e in results["engines"] if e["engine"] == name), None)


def judged(results: dict[str, Any]) -> list[str]:
    """One line per goal the run can judge: the goal, the figures, met or missed."""
    ours, theirs = _engine(results, "embedded"), _engine(results, "ministack")
    if ours is None:
        return []
    lines: list[tuple[str, str, bool]] = []
    p50, burst = ours["pipeline"]["p50_ms"], ours["burst"]
    if theirs is not None:
        lines.append(
            (
                "pipeline p50 <= MiniStack's",
                f"{p50:.1f} vs {theirs['pipeline']['p50_ms']:.1f} ms",
                p50 <= theirs["pipeline"]["p50_ms"],
            )
        )
        ratio = burst["objects_per_second"] / theirs["burst"]["objects_per_second"]
        lines.append(("burst >= 3x MiniStack's", f"{ratio:.2f}x", ratio >= 3))
    if results.get("bare_moto"):
        bare = results["bare_moto"]["floor"]["p50_ms"]
        lines.append(("pipeline p50 <= 3x the bare-moto floor", f"{p50 / bare:.2f}x", p50 <= 3 * bare))
    lines.append(("burst >= 100 objects/s", f"{burst['objects_per_second']:.1f}/s", burst["objects_per_second"] >= 100))
    lines.append(
        (
            "burst loses and doubles nothing",
            f"{burst['lost']} lost, {burst['duplicates']} doubled",
            burst["lost"] == 0 == burst["duplicates"],
        )
    )
    warm = ours["handler"]["warm_duration_ms_median"]
    if warm is not None:
        lines.append(("warm invocation (REPORT Duration) <= 15 ms", f"{warm:.1f} ms", warm <= 15))
    first = ours.get("first_event_ms")
    if first is not None:
        lines.append(("first event after apply <= 2x pipeline p50", f"{first / p50:.2f}x", first <= 2 * p50))
    rss = ours["handler"]["peak_rss_mb"]
    if rss is not None:
        lines.append(("worker RSS well under 128 MB (<= 64)", f"{rss} MB", rss <= 64))
    startup = ours.get("startup_s")
    if startup is not None:
        lines.append(("engine answers <= 3 s after start", f"{startup:.2f} s", startup <= 3))
    return [f"- {goal}: {figure} - {'met' if ok else '**missed**'}" for goal, figure, ok in lines]
