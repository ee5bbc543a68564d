"""A function's output into its log group: one ``put_log_events`` per invocation, as one batch.

Like Lambda, the sink does not create a missing log group (the module's role may not): the
lines of a function whose group does not exist are dropped, with one warning per group.
"""

from __future__ import annotations

import logging
import threading
import time

from ..adapter import logs
from .spec import FunctionSpec

log = logging.getLogger(__name__)


class CloudWatchSink:
    def __init__(self) -> None:
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def write(self, spec: FunctionSpec, stream: str, lines: list[str]) -> None:
        if not lines:
            return
        now = int(time.time() * 1000)
        if logs.put_lines(spec.account_id, spec.region, spec.log_group, stream, [(now, line) for line in lines]):
            return
        with self._lock:
            if spec.log_group in self._warned:
                return
            self._warned.add(spec.log_group)
        log.warning("log group %s does not exist: the function's output is dropped", spec.log_group)
