"""Start the embedded emulator as a child process and stop it again."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .targets import Target, TargetError

ROOT = Path(__file__).resolve().parents[1]


def embedded_target(ready: dict[str, Any], region: str = "us-east-1") -> Target:
    """The target described by the emulator's ready line (or its endpoint.json)."""
    return Target(
        "embedded",
        ready["https"],
        region,
        ca_bundle=ready["ca_bundle"],
        plain_http_endpoint=ready["http"],
        emulator_control=ready["https"],
    )


class EmulatorProcess:
    def __init__(self, state_dir: Path, region: str = "us-east-1", extra_args: tuple[str, ...] = ()) -> None:
        self.state_dir = state_dir
        self.region = region
        self._args = extra_args
        self._process: subprocess.Popen[bytes] | None = None
        self.ready: dict[str, Any] = {}

    def start(self, timeout: float = 60) -> Target:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        stderr = (self.state_dir / "stderr.log").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "emulator", "--state-dir", str(self.state_dir), *self._args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self._process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self._process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline and self._process.poll() is None:
            if selector.select(timeout=0.2):
                line = self._process.stdout.readline()
                break
        selector.close()
        if not line:
            self.stop()
            raise TargetError(f"the embedded emulator did not start; see {self.state_dir / 'stderr.log'}")
        self.ready = json.loads(line)
        return embedded_target(self.ready, self.region)

    def __enter__(self) -> Target:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self, timeout: float = 20) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
