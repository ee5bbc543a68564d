"""The clock asynchronous events' ages are read from: the machine's monotonic clock, which a test may move
forward (``POST /_engine/clock``) to see an event reach its maximum age without waiting for it.

Nothing scales it: an event is as old as the time since it was queued, plus whatever a test added.
"""

from __future__ import annotations

import math
import threading
import time


class EventClock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.monotonic() + self._offset

    def advance(self, seconds: float) -> float:
        """Every event queued so far is ``seconds`` older; events queued later are not. Returns the total
        the clock has been moved forward."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
            raise ValueError("advance_s must be a number of seconds")
        if seconds < 0:
            raise ValueError("advance_s must not be negative: the clock only moves forward")
        with self._lock:
            self._offset += float(seconds)
            return self._offset
