"""The bench's run: every engine started and deployed side by side, then measured the same way.

Latency samples (pipeline, floor) alternate between the engines, ten at a time, so a machine
that is busier one minute than the next weighs on every engine alike; the bursts
run one engine at a time (each would slow the other), then every stack is destroyed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.engines import open_target
from pipeline_tooling.harness.progress import Progress
from pipeline_tooling.harness.stack import DeployedStack
from pipeline_tooling.harness.targets import TITLES, Target

from . import deploy, measure
from .bare_moto import bare_moto
from .stats import summary_ms

LATENCY_PREFIX = "bench/latency/"  # the keys of the pipeline latency samples


@dataclass(frozen=True)
class Plan:
    latency_samples: int
    burst: int
    threads: int


@dataclass
class Engine:
    """One engine under test: its target, clients, deployed stack and figures so far."""

    name: str
    target: Target
    clients: Clients
    stack: DeployedStack
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return TITLES[self.name]

    @property
    def shape(self) -> dict[str, Any]:
        """The deployed log table's keys and indexes: the floors' tables are made the same."""
        return measure.table_shape(self.clients.dynamodb, self.stack.table)


@contextmanager
def deployed_engines(names: list[str], work: Path, progress: Progress) -> Iterator[list[Engine]]:
    """Every engine started (or reached) and its stack deployed; destroyed and stopped after."""
    with ExitStack() as running:
        engines = []
        for name in names:
            with progress.phase(f"{TITLES[name]}: start or reach"):
                target = running.enter_context(open_target(name, work / name))
            clients = Clients.for_target(target)
            figures = {"floor_apply_s": deploy.floor_apply(target, work / name, progress)}
            stack, applied = deploy.deploy(target, work / name, progress)
            figures.update(applied)
            running.callback(_destroy, target, clients, stack, figures, progress)
            engine = Engine(name, target, clients, stack, {"deploy": figures})
            with progress.phase(f"{engine.title}: first event after apply"):
                engine.results["first_event_ms"] = measure.one_object(clients, stack, "bench/first-event") * 1000
            engines.append(engine)
        yield engines


def _destroy(
    target: Target, clients: Clients, stack: DeployedStack, figures: dict[str, float], progress: Progress
) -> None:
    root = stack.root  # the root of this one stack: its destroy removes the stack and nothing else
    root.before_destroy(clients.s3, progress.say)  # not timed: only some engines need it
    with progress.phase(f"{TITLES[target.name]}: destroy"):
        figures["destroy_s"] = measure.timed(root.terraform.destroy)


def interleaved(
    engines: list[Engine], samples: int, sample: Callable[[Engine, int], float], block: int = 10
) -> dict[str, list[float]]:
    """``samples`` samples per engine, ``block`` at a time, the engines taking turns.

    (Blocks rather than single samples: each engine stays warm for a few samples, as a user's
    engine is between the events of a session.)
    """
    taken: dict[str, list[float]] = {e.name: [] for e in engines}
    for start in range(0, samples, block):
        for engine in engines:
            taken[engine.name] += [sample(engine, n) for n in range(start, min(samples, start + block))]
    return taken


def run(names: list[str], plan: Plan, work: Path, progress: Progress) -> list[dict[str, Any]]:
    """Every figure for every engine, the same way for each."""
    started = time.perf_counter()
    with deployed_engines(names, work, progress) as engines:
        probes = {e.name: measure.LatencyProbe(e.clients, e.stack, LATENCY_PREFIX) for e in engines}
        with progress.phase(f"pipeline, {plan.latency_samples} uploads per engine, engines in turn"):
            latencies = interleaved(engines, plan.latency_samples, lambda e, n: probes[e.name].sample(n))
        floor_phase = f"floor, {plan.latency_samples} PutObject + PutItem per engine, engines in turn"
        with progress.phase(floor_phase), ExitStack() as scratches:
            made = {e.name: scratches.enter_context(measure.Scratch(e.clients, e.shape)) for e in engines}
            floors = interleaved(engines, plan.latency_samples, lambda e, n: measure.floor_pair(made[e.name], n))
        for engine in engines:
            with progress.phase(f"{engine.title}: burst of {plan.burst} objects from {plan.threads} threads"):
                engine.results["burst"] = measure.burst(
                    engine.clients, engine.stack, plan.burst, prefix="bench/burst/", threads=plan.threads
                )
            uploaded = measure.latency_keys(LATENCY_PREFIX, plan.latency_samples)
            uploaded += measure.burst_keys("bench/burst/", plan.burst)
            engine.results["handler"] = measure.handler_reports(engine.clients, engine.stack, uploaded)
            with progress.phase(f"{engine.title}: no-change plan"):
                engine.results["deploy"]["noop_plan_s"] = measure.timed(engine.stack.root.terraform.plan_has_changes)
    return [
        {
            "engine": e.name,
            "label": e.target.label,
            "startup_s": e.target.started_in_s,
            **e.results,
            "table_shape": made[e.name].shape,
            "pipeline": summary_ms(latencies[e.name]),
            "floor": summary_ms(floors[e.name]),
            "pipeline_raw_s": latencies[e.name],
            "floor_raw_s": floors[e.name],
            "wall_s": time.perf_counter() - started,
        }
        for e in engines
    ]


def bare_moto_floor(samples: int, work: Path, progress: Progress, shape: dict[str, Any]) -> dict[str, Any]:
    """The engine-independent floor: the same pair against moto alone (plain HTTP, keep-alive), on a table of
    ``shape`` (the deployed log table's)."""
    with (
        progress.phase(f"bare moto: floor, {samples} PutObject + PutItem"),
        bare_moto(work / "bare-moto") as (
            target,
            startup_s,
        ),
    ):
        floors = measure.floor_latency(Clients.for_target(target), samples, shape)
    return {"startup_s": startup_s, "floor": summary_ms(floors), "floor_raw_s": floors}
