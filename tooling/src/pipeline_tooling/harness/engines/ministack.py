"""MiniStack (PyPI ``ministack``, ``python -m ministack``) as a target.

It runs from its own venv (``make ministack`` builds ``.venv-ministack`` from
tooling/requirements-ministack.txt: its pins differ from ours). MiniStack runs a Python function
on that same interpreter, so boto3 must be installed there too: without it the handler
cannot import, and no event is ever logged — nothing in MiniStack says so, so the
harness checks before it starts it. A MiniStack you already run is used instead when
MINISTACK_ENDPOINT points at it.

The harness starts it the way MiniStack's own ``ministack -d`` does, ``python -m hypercorn
ministack.app:app``, in one process as ``python -m ministack`` serves, with one setting changed: the
keep-alive (``KEEP_ALIVE_S``). MiniStack's hypercorn closes a connection left idle for 75 s, and a request
that reaches a connection at that deadline while the server is busy can be run and its answer dropped with
the connection (reproduced on 1.5.33 with hypercorn 0.18: ``python
tooling/scripts/ministack_keepalive_race.py --keep-alive 75``, a probe run by hand). Terraform's Go client keeps idle
connections for 90 s and sends again a request whose connection drops; an AddPermission sent again meets
the statement it created, the provider retries that conflict for 5 minutes, and the apply fails. With a
keep-alive longer than any session, an idle connection is only ever closed by its client, which never
sends on it after.
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
# Longer than every client's idle timeout (aws-sdk-go-v2's, which Terraform's provider uses: 90 s; urllib3,
# under boto3: none) and than any session: the server never closes an idle connection a client may reuse.
KEEP_ALIVE_S = 24 * 3600.0
GO_CLIENT_IDLE_TIMEOUT_S = 90.0  # aws-sdk-go-v2 DefaultHTTPTransportIdleConnTimeout
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
    """Starts MiniStack on a free port of 127.0.0.1, its state and log under ``state_dir``; its server
    closes a connection idle for ``keep_alive_s`` (see the module's docstring)."""

    title = "MiniStack"

    def __init__(self, state_dir: Path, *, keep_alive_s: float = KEEP_ALIVE_S) -> None:
        self.state_dir = state_dir
        self.keep_alive_s = keep_alive_s
        self.process: ServerProcess | None = None

    def command(self, executable: Path, port: int) -> list[str]:
        """MiniStack's own detached start (``ministack -d``), with the keep-alive of this engine."""
        return [
            str(executable),
            *("-m", "hypercorn", "ministack.app:app"),
            *("--bind", f"127.0.0.1:{port}"),
            *("--log-level", os.environ.get("LOG_LEVEL", "INFO").upper()),
            *("--keep-alive", f"{self.keep_alive_s:g}"),
            *("--workers", "0"),  # serve in this process: no supervisor and worker pair
        ]

    def start(self, timeout: float = START_TIMEOUT, *, stop_with_parent: bool = False) -> Target:
        executable = python()
        check_interpreter(executable)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        endpoint = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "GATEWAY_PORT": str(port),  # the port MiniStack writes into the URLs it hands out
            "BIND_HOST": "127.0.0.1",
            "TMPDIR": str(self.state_dir),  # its functions' scratch space, not /tmp
            "PYTHONUNBUFFERED": "1",
        }
        argv = self.command(executable, port)
        spawned = time.monotonic()
        process = self.process = ServerProcess(
            argv,
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
        raise TargetError(f"MiniStack ({' '.join(argv)}) {state}. Its log:\n{process.tail()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
