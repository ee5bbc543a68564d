"""A function's output into its log group: one ``put_log_events`` per invocation, as one batch.

Lambda writes a function's logs with the function's own role; so does the engine: the lines go
in only when the role allows ``logs:CreateLogStream`` (for a new stream) and ``logs:PutLogEvents``
on the stream. Like Lambda, the sink does not create a missing log group (the module's role may
not): the lines of a function whose group does not exist, or whose role may not write to it, are
dropped, with one warning per group.
"""

from __future__ import annotations

import logging
import threading
import time

from ..adapter import logs
from ..credentials import Credentials
from ..iam.enforcer import Authorizer
from .spec import FunctionSpec

log = logging.getLogger(__name__)


class CloudWatchSink:
    def __init__(self, authorizer: Authorizer) -> None:
        self._authorizer = authorizer
        self._warned: set[str] = set()
        self._streams: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def _warn_once(self, group: str, why: str) -> None:
        with self._lock:
            if group in self._warned:
                return
            self._warned.add(group)
        log.warning("log group %s: %s; the function's output is dropped", group, why)

    def write(self, spec: FunctionSpec, session: Credentials, stream: str, lines: list[str]) -> None:
        if not lines:
            return
        stream_arn = f"arn:aws:logs:{spec.region}:{spec.account_id}:log-group:{spec.log_group}:log-stream:{stream}"
        actions = ["logs:PutLogEvents"]
        if (spec.log_group, stream) not in self._streams:
            actions.insert(0, "logs:CreateLogStream")
        if not all(self._authorizer.allows(session, action, stream_arn) for action in actions):
            self._warn_once(spec.log_group, f"the role {spec.role} may not write to it")
            return
        now = int(time.time() * 1000)
        if logs.put_lines(spec.account_id, spec.region, spec.log_group, stream, [(now, line) for line in lines]):
            with self._lock:
                self._streams.add((spec.log_group, stream))
            return
        self._warn_once(spec.log_group, "it does not exist")
