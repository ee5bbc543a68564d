"""One engine's turn in the bench: start or reach it, deploy, measure, destroy."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import workarounds
from harness.clients import Clients
from harness.engines import open_target
from harness.progress import Progress
from harness.targets import TITLES

from . import deploy, measure
from .bare_moto import bare_moto
from .stats import summary_ms


@dataclass(frozen=True)
class Plan:
    latency_samples: int
    burst: int
    threads: int


def engine(name: str, plan: Plan, work: Path, progress: Progress) -> dict[str, Any]:
    """Every figure for one engine, the same way for each."""
    results: dict[str, Any] = {"engine": name}
    started = time.perf_counter()
    with progress.phase(f"{TITLES[name]}: start or reach"), open_target(name, work / name) as target:
        results["label"] = target.label
        results["startup_s"] = target.started_in_s
        clients = Clients.for_target(target)
        results["deploy"] = {"floor_apply_s": deploy.floor_apply(target, work / name, progress)}
        stack, figures = deploy.deploy(target, work / name, progress)
        results["deploy"].update(figures)
        try:
            with progress.phase(f"{TITLES[name]}: first event after apply"):
                results["first_event_ms"] = measure.one_object(clients, stack, "bench/first-event") * 1000
            with progress.phase(f"{TITLES[name]}: pipeline, {plan.latency_samples} uploads one after another"):
                latencies = measure.pipeline_latency(clients, stack, plan.latency_samples, prefix="bench/latency/")
            with progress.phase(f"{TITLES[name]}: floor, {plan.latency_samples} PutObject + PutItem"):
                floors = measure.floor_latency(clients, plan.latency_samples)
            with progress.phase(f"{TITLES[name]}: burst of {plan.burst} objects from {plan.threads} threads"):
                results["burst"] = measure.burst(
                    clients, stack, plan.burst, prefix="bench/burst/", threads=plan.threads
                )
            results["handler"] = measure.handler_reports(clients, stack, "bench/")
            with progress.phase(f"{TITLES[name]}: no-change plan"):
                results["deploy"]["noop_plan_s"] = measure.timed(stack.terraform.plan_has_changes)
        finally:
            workarounds.before_destroy(target.name, target.version, clients.s3, stack.bucket, progress.say)
            with progress.phase(f"{TITLES[name]}: destroy"):
                results["deploy"]["destroy_s"] = measure.timed(stack.terraform.destroy)
    results.update(
        pipeline=summary_ms(latencies),
        floor=summary_ms(floors),
        pipeline_raw_s=latencies,
        floor_raw_s=floors,
        wall_s=time.perf_counter() - started,
    )
    return results


def bare_moto_floor(samples: int, work: Path, progress: Progress) -> dict[str, Any]:
    """The engine-independent floor: the same pair against moto alone (plain HTTP, keep-alive)."""
    with (
        progress.phase(f"bare moto: floor, {samples} PutObject + PutItem"),
        bare_moto(work / "bare-moto") as (
            target,
            startup_s,
        ),
    ):
        floors = measure.floor_latency(Clients.for_target(target), samples)
    return {"startup_s": startup_s, "floor": summary_ms(floors), "floor_raw_s": floors}
