"""Run the bench: ``python -m bench [--targets "embedded ministack"] [--latency-samples 100] [--burst 1000]``.

Every engine in the list (BENCH_TARGETS, default "embedded ministack"; add localstack when one
runs) is deployed side by side and measured the same way in this run (latency samples taking
turns between engines), plus the bare-moto floor; ONE report has a column per engine and the
ratios between them: results/bench-<time>/ (summary.md, results.json, two PNG plots).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline_tooling import package
from pipeline_tooling.files import write_json
from pipeline_tooling.harness.progress import Progress
from pipeline_tooling.harness.targets import ENGINES, TargetError
from pipeline_tooling.machine import machine, now
from pipeline_tooling.paths import module_root_for

from . import costs, measure, report, run

PROG = "python -m pipeline_tooling.bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("--targets", default=os.environ.get("BENCH_TARGETS", "embedded ministack"))
    parser.add_argument("--latency-samples", type=int, default=100)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None, help="results folder (default results/bench-<time>)")
    args = parser.parse_args(argv)
    names = args.targets.replace(",", " ").split()
    unknown = [n for n in names if n not in ENGINES or n == "aws"]
    if not names or unknown:
        parser.error(f"--targets takes engines out of {', '.join(e for e in ENGINES if e != 'aws')}; not {unknown}")
    if args.latency_samples < 1 or args.burst < 1 or args.threads < 1:
        parser.error("--latency-samples, --burst and --threads must be at least 1")

    root = module_root_for(PROG)
    progress = Progress(lambda line: print(line, flush=True), label="bench")
    plan = run.Plan(args.latency_samples, args.burst, args.threads)
    work = root / "build" / "bench" / secrets.token_hex(3)
    results: dict[str, Any] = {
        "machine": machine(),
        "when": now(),
        "plan": f"{plan.latency_samples} uploads in turn; a burst of {plan.burst} from {plan.threads} threads",
    }
    with progress.phase("build.py"):
        results["build"] = measure.build_figures()
    try:
        package.committed()  # what the engines deploy: the module's committed package, checked against lambda/
    except package.BuildFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        results["engines"] = run.run(names, plan, work, progress)
    except TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    shape = results["engines"][0]["table_shape"]  # the module's log table, as the first engine made it
    results["bare_moto"] = run.bare_moto_floor(plan.latency_samples, work, progress, shape)
    folder = args.out or root / "results" / f"bench-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    paths = report.write(results, folder)
    figures = costs.reference_from(results)
    if figures is not None:  # what the measurements page's "Scale and cost" is computed from (`make docs`)
        write_json(costs.REFERENCE, figures)
        paths["costs"] = costs.REFERENCE
    if args.out is None:  # the run the measurements page shows (`make docs` renders its table from it)
        paths["page"] = root / "docs" / "measurements" / "bench.json"
        write_json(paths["page"], report.without_raw_series(results))
    print()
    print(paths["markdown"].read_text())
    print(
        "written: " + ", ".join(str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in paths.values())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
