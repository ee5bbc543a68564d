"""MiniStack (PyPI ``ministack``, ``python -m ministack``) as a target.

It runs from its own venv (``make ministack`` builds ``.venv-ministack`` from
tooling/requirements-ministack.txt: its pins differ from ours). MiniStack runs a Python function
on that same interpreter, so boto3 must be installed there too: without it the handler
cannot import, and no event is ever logged — nothing in MiniStack says so, so the
harness checks before it starts it. A MiniStack you already run is used instead when
MINISTACK_ENDPOINT points at it.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
from pathlib import Path

from pipeline_tooling.paths import module_root

from ..targets import Target, TargetError, region
from .health import check_health, fetch_health, free_port
from .process import ServerProcess

START_TIMEOUT = 60.0
INSTALL_HINT = "Run `make ministack` (it installs tooling/requirements-ministack.txt into .venv-ministack)"


def python() -> Path:
    return Path(os.environ.get("MINISTACK_PYTHON") or module_root() / ".venv-ministack" / "bin" / "python")


def check_interpreter(executable: Path) -> None:
    """MiniStack and boto3 importable by the interpreter that will run MiniStack and the function."""
    if not executable.exists():
        raise TargetError(
            f"No MiniStack interpreter at {executable}. {INSTALL_HINT}, "
            "or set MINISTACK_PYTHON to a Python that has ministack and boto3, "
            "or MINISTACK_ENDPOINT to a MiniStack that is already running."
        )
    for module, why in (
        ("ministack", "MiniStack itself"),
        (
            "boto3",
            "MiniStack runs the function on this interpreter: without boto3 the handler cannot import "
            "and no event would ever be logged",
        ),
    ):
        try:
            found = subprocess.run(
                [str(executable), "-c", f"import {module}"], capture_output=True, timeout=60, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise TargetError(f"MiniStack's interpreter {executable} did not answer within 60 s") from error
        if found.returncode != 0:
            said = (found.stderr.decode(errors="replace").strip().splitlines() or ["nothing"])[-1]
            raise TargetError(f"{executable} cannot import {module} ({why}). {INSTALL_HINT}. Python said: {said}")


def ministack_target(endpoint: str, version: str | None, started_in_s: float | None = None) -> Target:
    # MiniStack speaks plain HTTP only, so its endpoint is also the plain-HTTP one.
    return Target(
        "ministack", endpoint, region(), plain_http_endpoint=endpoint, version=version, started_in_s=started_in_s
    )


def connect(endpoint: str) -> Target:
    """A MiniStack the user runs (MINISTACK_ENDPOINT)."""
    endpoint = endpoint.rstrip("/")
    health = check_health(
        "MiniStack (MINISTACK_ENDPOINT)",
        endpoint,
        what_to_do="Start it (`python -m ministack`), fix MINISTACK_ENDPOINT, or unset it so the harness starts one.",
    )
    return ministack_target(endpoint, health.get("version"))


class MiniStackEngine:
    """Starts MiniStack on a free port of 127.0.0.1, its state and log under ``state_dir``."""

    title = "MiniStack"

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.process: ServerProcess | None = None

    def start(self, timeout: float = START_TIMEOUT, *, stop_with_parent: bool = False) -> Target:
        executable = python()
        check_interpreter(executable)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "GATEWAY_PORT": str(port),
            "BIND_HOST": "127.0.0.1",
            "TMPDIR": str(self.state_dir),  # its pid file and function scratch space, not /tmp
            "PYTHONUNBUFFERED": "1",
        }
        spawned = time.monotonic()
        process = self.process = ServerProcess(
            [str(executable), "-m", "ministack"],
            env=env,
            cwd=self.state_dir,
            log=self.state_dir / "ministack.log",
            stop_with_parent=stop_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.alive:
            try:
                fetch_health(endpoint, timeout=2)
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.01)
                continue
            answered = time.monotonic() - spawned
            try:
                health = check_health(self.title, endpoint, what_to_do=f"See its log: {process.log}")
            except TargetError:
                self.stop()
                raise
            return ministack_target(endpoint, health.get("version"), answered)
        state = f"exited with {process.exit_code}" if not process.alive else f"did not answer within {timeout:.0f} s"
        self.stop()
        raise TargetError(f"MiniStack ({executable} -m ministack on {endpoint}) {state}. Its log:\n{process.tail()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
