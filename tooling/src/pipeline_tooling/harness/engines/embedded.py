"""The embedded engine (``python -m pipeline_tooling.engine``) as a child process of the harness."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..targets import Target, TargetError, region
from .process import ServerProcess

START_TIMEOUT = 60.0


def embedded_target(ready: dict[str, Any], started_in_s: float | None = None) -> Target:
    """The target described by the engine's ready line (its endpoint.json)."""
    return Target(
        "embedded",
        ready["https"],
        region(),
        ca_bundle=ready["ca_bundle"],
        plain_http_endpoint=ready["http"],
        engine_control=ready["https"],
        version=ready.get("version"),
        started_in_s=started_in_s,
    )


class EmbeddedEngine:
    """Starts the engine with its state (TLS files, code, logs) under ``state_dir``."""

    title = "the embedded engine"

    def __init__(self, state_dir: Path, extra_args: tuple[str, ...] = ()) -> None:
        self.state_dir = state_dir
        self._args = extra_args
        self.process: ServerProcess | None = None

    @property
    def endpoint_file(self) -> Path:
        return self.state_dir / "endpoint.json"

    def start(self, timeout: float = START_TIMEOUT, *, stop_with_parent: bool = False) -> Target:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.endpoint_file.unlink(missing_ok=True)
        spawned = time.monotonic()
        process = self.process = ServerProcess(
            [sys.executable, "-m", "pipeline_tooling.engine", "--state-dir", str(self.state_dir), *self._args],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=self.state_dir,  # the engine finds the runtimes from there (its module checkout, if any)
            log=self.state_dir / "stdout.log",
            stop_with_parent=stop_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.alive:
            ready = self._ready_line(process.pid)
            if ready is not None:
                return embedded_target(ready, time.monotonic() - spawned)
            time.sleep(0.01)
        state = f"exited with {process.exit_code}" if not process.alive else f"was not ready within {timeout:.0f} s"
        self.stop()
        raise TargetError(
            f"{self.title} (python -m pipeline_tooling.engine, state in {self.state_dir}) {state}. "
            f"Its output:\n{process.tail()}"
        )

    def _ready_line(self, pid: int) -> dict[str, Any] | None:
        try:
            ready: dict[str, Any] = json.loads(self.endpoint_file.read_text())
        except (OSError, ValueError):
            return None
        return ready if ready.get("pid") == pid else None

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
