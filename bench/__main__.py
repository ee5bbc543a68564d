"""Run the bench: ``python -m bench [--latency-samples 100] [--burst 1000]``.

Deploys the module to E2E_TARGET (the embedded emulator unless told otherwise), measures,
destroys, and writes results/bench-<time>/ (summary.md, results.json, two PNG plots).
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import build
from harness import targets, workarounds
from harness.clients import Clients
from harness.engines import open_target
from harness.progress import Progress
from harness.stack import ZIP, Stack, provider_override
from harness.terraform import TerraformRunner

from . import measure, report
from .stats import summary_ms

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench"


def machine() -> str:
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024**2:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def plan_and_apply(terraform: TerraformRunner) -> None:
    terraform.plan()
    terraform.apply()


def deploy_loop(target: Any, progress: Progress) -> tuple[Stack, dict[str, float]]:
    """Terraform's own floor (a one-resource apply), then the module's init and first apply."""
    figures: dict[str, float] = {}
    floor_root = measure.one_resource_root(
        WORK / f"floor-{secrets.token_hex(3)}", provider_override(target) if target.emulated else None
    )
    floor = TerraformRunner(floor_root, {})
    floor.init()
    with progress.phase("one-resource apply (floor)"):
        figures["floor_apply_s"] = measure.timed(lambda: plan_and_apply(floor))
    floor.destroy()

    suffix = f"bench-{secrets.token_hex(3)}"
    stack = Stack(target, WORK / suffix, suffix)
    with progress.phase("terraform init"):
        figures["init_s"] = measure.timed(stack.terraform.init)
    with progress.phase("first apply (plan + apply)"):
        figures["apply_s"] = measure.timed(lambda: plan_and_apply(stack.terraform))
    stack.outputs = stack.terraform.outputs()["stack"]
    return stack, figures


def run(args: argparse.Namespace, progress: Progress) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    with progress.phase("build.py"):
        results["build"] = measure.build_figures()
    build.build_zip(build.DEFAULT_SOURCE, ZIP)

    name = targets.chosen()
    with open_target(name, WORK / f"{name}-{secrets.token_hex(3)}") as target:
        results["target"] = target.name
        clients = Clients.for_target(target)
        stack, deploy = deploy_loop(target, progress)
        try:
            with progress.phase(f"pipeline latency, {args.latency_samples} sequential uploads"):
                latencies = measure.pipeline_latency(clients, stack, args.latency_samples, prefix="bench/latency/")
            with progress.phase(f"floor, {args.latency_samples} PutObject + PutItem"):
                floors = measure.floor_latency(clients, args.latency_samples)
            with progress.phase(f"burst of {args.burst} objects"):
                results["burst"] = measure.burst(
                    clients, stack, args.burst, prefix="bench/burst/", threads=args.threads
                )
            results["handler"] = measure.handler_reports(clients, stack, "bench/")
            with progress.phase("no-change plan"):
                deploy["noop_plan_s"] = measure.timed(stack.terraform.plan_has_changes)
        finally:
            workarounds.before_destroy(target.name, target.version, clients.s3, stack.bucket, progress.say)
            with progress.phase("destroy"):
                deploy["destroy_s"] = measure.timed(stack.terraform.destroy)
    results.update(
        deploy=deploy,
        pipeline=summary_ms(latencies),
        floor=summary_ms(floors),
        pipeline_raw_s=latencies,
        floor_raw_s=floors,
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--latency-samples", type=int, default=100)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None, help="results folder (default results/bench-<time>)")
    args = parser.parse_args(argv)
    if args.latency_samples < 1 or args.burst < 1 or args.threads < 1:
        parser.error("--latency-samples, --burst and --threads must be at least 1")
    progress = Progress(lambda line: print(line, flush=True), label="bench")
    try:
        results = run(args, progress)
    except targets.TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    folder = args.out or ROOT / "results" / f"bench-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    paths = report.write(results, folder)
    print()
    print(paths["markdown"].read_text())
    print(
        "written: " + ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in paths.values())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
