"""Ctrl-C and ``make down`` as requests, honoured between steps, never in the middle of one."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType


class StopRequests:
    """SIGINT (Ctrl-C) and SIGTERM (``make down``) set a flag; the loop stops at its next turn.

    While a step runs (a Terraform apply, a code update) nothing interrupts it: the first
    request is noted and said once, and the step finishes, so nothing is left half-deployed.
    """

    def __init__(self, say: Callable[[str, str], None]) -> None:
        self.say = say
        self.signal: int | None = None
        self._event = threading.Event()
        self.busy_with: str | None = None

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        first = self.signal is None
        if first or signum == signal.SIGTERM:
            self.signal = signum
        self._event.set()
        if self.busy_with and first:
            self.say("warn", f"stopping once {self.busy_with} is done (it is not cut short: nothing is left half-made)")

    @property
    def requested(self) -> bool:
        return self.signal is not None

    @property
    def by_down(self) -> bool:
        """``make down`` (SIGTERM) asked: it removes the stack, so there is nothing to re-apply."""
        return self.signal == signal.SIGTERM

    def wait(self, seconds: float) -> None:
        self._event.wait(seconds)
