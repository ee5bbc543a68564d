"""Run the embedded engine until interrupted: ``python -m pipeline_tooling.engine [--state-dir DIR]``.

When it is ready it prints one JSON line (endpoints, CA bundle, log file, pid)
and writes the same to ``<state dir>/endpoint.json``; SIGTERM or Ctrl-C stops it
and every worker it started.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from ..files import write_json
from .adapter import UnsupportedMoto, installed_moto
from .engine import Engine, EngineConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline_tooling.engine", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path("build/engine"), help="TLS files, code, log")
    parser.add_argument(
        "--lambda-concurrency",
        type=int,
        default=None,
        help="environments per function without reserved concurrency (default: two per core, at least two)",
    )
    parser.add_argument("--retry-delays", default="0.2,0.4", help="seconds between async retries (AWS: 60,120)")
    parser.add_argument(
        "--no-enforce-iam",
        action="store_true",
        help="let functions do anything (by default their calls are evaluated against their execution role)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if args.lambda_concurrency is not None and args.lambda_concurrency < 1:
        parser.error("--lambda-concurrency must be at least 1")
    try:
        delays = tuple(float(d) for d in args.retry_delays.split(","))
    except ValueError:
        parser.error("--retry-delays takes comma-separated seconds, e.g. 0.2,0.4")

    engine = Engine(
        EngineConfig(
            args.state_dir,
            lambda_concurrency=args.lambda_concurrency,
            retry_delays=delays,
            enforce_iam=not args.no_enforce_iam,
            verbose=args.verbose,
        )
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        endpoints = engine.start()
    except UnsupportedMoto as error:
        print(f"python -m pipeline_tooling.engine: {error}", file=sys.stderr)
        return 2
    try:
        ready = {**asdict(endpoints), "pid": os.getpid(), "version": f"on moto {installed_moto()}"}
        write_json(args.state_dir / "endpoint.json", ready)  # atomic: a reader never sees half of it
        print(json.dumps(ready), flush=True)
        stop.wait()
    finally:
        engine.stop()
        (args.state_dir / "endpoint.json").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
