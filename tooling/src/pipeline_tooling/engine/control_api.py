"""The engine's own endpoints, under /_engine/ on the same listeners.

GET  /_engine/health   {"status": "ok"}
GET  /_engine/stats    invocation counters and asynchronous work still queued
GET  /_engine/faults   and PUT: see faults.py
POST /_engine/clock    {"advance_s": 60}: every asynchronous event queued so far is that much older
                         (a test control, to reach a maximum event age without waiting; see clock.py)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from .awslambda.clock import EventClock
from .faults import Faults, FaultSpecError
from .wsgi import WsgiApp

PREFIX = "/_engine/"


class ControlApi:
    def __init__(self, app: WsgiApp, faults: Faults, clock: EventClock, stats: Callable[[], dict[str, Any]]) -> None:
        self._app = app
        self._faults = faults
        self._clock = clock
        self._stats = stats

    @staticmethod
    def _reply(start_response: Callable[..., Any], status: str, body: Any) -> Iterable[bytes]:
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(PREFIX):
            return self._app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        routes: dict[tuple[str, str], Callable[[], Any]] = {
            ("GET", "health"): lambda: {"status": "ok"},
            ("GET", "stats"): self._stats,
            ("GET", "faults"): self._faults.snapshot,
            ("PUT", "faults"): lambda: self._put_faults(environ),
            ("POST", "clock"): lambda: self._advance_clock(environ),
        }
        handler = routes.get((method, path.removeprefix(PREFIX)))
        if handler is None:
            return self._reply(start_response, "404 Not Found", {"error": f"no such engine endpoint: {method} {path}"})
        try:
            return self._reply(start_response, "200 OK", handler())
        except (FaultSpecError, ValueError) as error:
            return self._reply(start_response, "400 Bad Request", {"error": str(error)})

    @staticmethod
    def _body(environ: dict[str, Any]) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return json.loads(environ["wsgi.input"].read(length) or b"{}")

    def _put_faults(self, environ: dict[str, Any]) -> dict[str, Any]:
        self._faults.replace(self._body(environ))
        return self._faults.snapshot()

    def _advance_clock(self, environ: dict[str, Any]) -> dict[str, Any]:
        body = self._body(environ)
        if not isinstance(body, dict) or set(body) != {"advance_s"}:
            raise ValueError('the clock takes {"advance_s": <seconds>}')
        return {"advanced_s": self._clock.advance(body["advance_s"])}
