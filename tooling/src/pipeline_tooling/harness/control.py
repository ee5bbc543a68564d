"""The embedded engine's control API (/_engine/): fault injection, its counters and the clock of asynchronous
events' ages; other engines have none."""

from __future__ import annotations

import json
import ssl
import urllib.request
from typing import Any

from .targets import Target


class EngineControl:
    def __init__(self, target: Target) -> None:
        self._base = f"{target.engine_control}/_engine" if target.engine_control else None
        self._context = ssl.create_default_context(cafile=target.ca_bundle) if target.ca_bundle else None

    def _call(self, method: str, route: str, body: Any = None) -> dict[str, Any]:
        if self._base is None:
            raise RuntimeError("this target has no fault injection")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self._base}/{route}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10, context=self._context) as response:
            result: dict[str, Any] = json.load(response)
        return result

    def set(self, **faults: Any) -> dict[str, Any]:
        """Replace the fault settings (omitted ones are off); returns them with the counters."""
        return self._call("PUT", "faults", faults)

    def clear(self) -> dict[str, Any]:
        return self.set()

    def status(self) -> dict[str, Any]:
        return self._call("GET", "faults")

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def advance_event_clock(self, seconds: float) -> float:
        """Make every asynchronous event queued so far ``seconds`` older (to reach a maximum event age without
        waiting for it); returns how far the clock has been moved in all."""
        advanced: float = self._call("POST", "clock", {"advance_s": seconds})["advanced_s"]
        return advanced
