"""Command line of ``make up``, ``make logs`` and ``make down`` (see the package's docstring)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline_tooling.paths import module_root_for

from ..targets import TargetError
from ..terraform import TerraformFailed
from . import __doc__ as DOC
from .live import Printer
from .session import Options, Session
from .state import AlreadyRunning, SandboxState
from .tail import logs
from .teardown import down


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline_tooling.harness.sandbox",
        description=DOC,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("up", "logs", "down"))
    root = module_root_for(parser.prog)
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("SANDBOX_DIR") or root / "build" / "sandbox"),
        help="where the stack's state lives (SANDBOX_DIR; default build/sandbox)",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=Path(os.environ.get("LAMBDA_SOURCE") or root / "lambda"),
        help="the handler's folder to deploy and watch (LAMBDA_SOURCE; default lambda/)",
    )
    parser.add_argument("--suffix", default=os.environ.get("SUFFIX") or "dev", help="the stack's suffix (SUFFIX)")
    parser.add_argument(
        "--failure-queue",
        action="store_true",
        default=bool(os.environ.get("FAILURE_QUEUE")),
        help="give the stack its on-failure queue (FAILURE_QUEUE=1; adds ~25 s to the first apply)",
    )
    parser.add_argument("--detach", action="store_true", help="up: deploy or attach, then return without watching")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    say = Printer()
    state = SandboxState(args.state_dir.resolve())
    try:
        if args.action == "down":
            return down(state, say)
        if args.action == "logs":
            return logs(state, say)
        options = Options(args.source.resolve(), args.suffix, args.failure_queue, args.detach)
        with state.up_lock():
            return Session(options, state, say).run()
    except AlreadyRunning as running:
        say(
            "error",
            f"make up is already running for this stack (pid {running.pid}): `make logs` follows it, "
            "`make down` stops it and removes the stack",
        )
        return 1
    except (TargetError, TerraformFailed) as error:
        say("error", str(error))
        return 2


if __name__ == "__main__":
    sys.exit(main())
