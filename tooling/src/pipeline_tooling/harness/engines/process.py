"""A server the harness starts: its own process group, its own log, stopped by that group.

An engine starts helpers of its own (the embedded engine's workers, MiniStack's function
processes); stopping the group stops them too, so nothing is left running. The record of a
started server (``ServerRecord``) is what a later process (``make down``) needs to stop it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ...files import write_json

PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class ServerRecord:
    """Enough to find a started server again: its process (group) id, log and target."""

    engine: str
    pid: int
    log: str
    target: dict[str, Any]

    def save(self, path: Path) -> None:
        write_json(path, asdict(self))

    @classmethod
    def load(cls, path: Path) -> ServerRecord | None:
        """The record at ``path`` if its server still runs; a stale record is removed."""
        try:
            record = cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if not group_alive(record.pid):
            path.unlink(missing_ok=True)
            return None
        return record


def group_alive(pgid: int) -> bool:
    """Some process of the group still runs (a leader that is our own child is reaped first: a
    zombie answers signal 0 as if it ran)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's group with that id: not ours
        return False
    return True


def stop_group(pgid: int, *, timeout: float = 20) -> None:
    """SIGTERM the group, wait for it to go, SIGKILL what is left."""
    for sig, grace in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not group_alive(pgid):
                return
            time.sleep(0.05)


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text.splitlines()[-lines:]) or "(empty log)"


def exits_with_parent() -> Callable[[], None]:
    """What the child runs before exec: the kernel sends it SIGTERM when the thread that started it dies
    (Linux's PR_SET_PDEATHSIG), so a parent killed without a word (SIGKILL) leaves no server behind.
    The engines stop everything they started on SIGTERM. libc is loaded here, in the parent: after a
    fork the child only calls into it."""
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def request() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent was already gone before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return request


class ServerProcess:
    """A child server in a new session (so its group id is its pid), output to ``log``.

    ``stop_with_parent``: the server is sent SIGTERM when the thread that started it dies, however
    it dies (for a server the session owns; not for one ``make up`` leaves running)."""

    def __init__(
        self, argv: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path, stop_with_parent: bool = False
    ) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=exits_with_parent() if stop_with_parent and sys.platform == "linux" else None,  # noqa: PLW1509
            )
        self.pid = self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return self._process.poll()

    def stop(self, timeout: float = 20) -> None:
        stop_group(self.pid, timeout=timeout)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)

    def tail(self, lines: int = 15) -> str:
        return tail(self.log, lines)
