"""Faults injected in the engine's services (never in the handler), switched over HTTP.

    GET  /_engine/faults   the current settings and what was injected since they were set
    PUT  /_engine/faults   {"s3_delivery_copies": 2, "put_item_failure_rate": 0.1,
                              "unavailable_tables": ["t"], "environment_kill_rate": 0.05,
                              "seed": 7}  (omitted keys: no fault; the counters start again at 0)

* ``s3_delivery_copies``: every S3 notification is delivered this many times
  (S3 delivers at least once; duplicates happen).
* ``put_item_failure_rate``: that share of DynamoDB PutItem calls fails with a
  500 InternalServerError, which clients retry (a transient fault).
* ``unavailable_tables``: PutItem on these tables fails with
  ResourceNotFoundException (a permanent fault until it is lifted).
* ``environment_kill_rate``: that share of asynchronous events' first attempts has its
  environment SIGKILLed once the runtime holds the event (a crash, an out-of-memory kill): the
  invocation fails as Lambda's does when its runtime exits, and the retry runs.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .errors import DynamoDBError

COUNTERS = ("put_item_errors", "unavailable", "copies", "environment_kills")
SETTINGS = {"s3_delivery_copies", "put_item_failure_rate", "unavailable_tables", "environment_kill_rate", "seed"}


def _rate(spec: dict[str, Any], name: str) -> float:
    rate = spec.get(name, 0.0)
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0.0 <= rate <= 1.0:
        raise FaultSpecError(f"{name} must be a number from 0 to 1")
    return float(rate)


class EnvironmentFault(Enum):
    """A fault injected into the execution environment of one invocation, decided before it runs."""

    KILL = "kill"  # SIGKILLed once the runtime holds the event, as a crash or an out-of-memory kill would


class FaultSpecError(ValueError):
    """A fault setting that makes no sense; the message says which."""


@dataclass
class Faults:
    s3_delivery_copies: int = 1
    put_item_failure_rate: float = 0.0
    unavailable_tables: frozenset[str] = frozenset()
    environment_kill_rate: float = 0.0
    injected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def replace(self, spec: Any) -> None:
        if not isinstance(spec, dict):
            raise FaultSpecError("the body must be a JSON object")
        unknown = set(spec) - SETTINGS
        if unknown:
            raise FaultSpecError(f"unknown fault settings: {sorted(unknown)}")
        copies = spec.get("s3_delivery_copies", 1)
        tables = spec.get("unavailable_tables", [])
        if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= 10:
            raise FaultSpecError("s3_delivery_copies must be a whole number from 1 to 10")
        rate, kill_rate = _rate(spec, "put_item_failure_rate"), _rate(spec, "environment_kill_rate")
        if not isinstance(tables, list) or not all(isinstance(t, str) for t in tables):
            raise FaultSpecError("unavailable_tables must be a list of table names")
        with self._lock:
            self.s3_delivery_copies, self.put_item_failure_rate = copies, rate
            self.unavailable_tables = frozenset(tables)
            self.environment_kill_rate = kill_rate
            self.injected = dict.fromkeys(COUNTERS, 0)  # each setting counts its own faults
            if "seed" in spec:
                self._rng.seed(spec["seed"])

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "s3_delivery_copies": self.s3_delivery_copies,
                "put_item_failure_rate": self.put_item_failure_rate,
                "unavailable_tables": sorted(self.unavailable_tables),
                "environment_kill_rate": self.environment_kill_rate,
                "injected": dict(self.injected),
            }

    def environment_fault(self) -> EnvironmentFault | None:
        """The fault for one attempt's environment, if it gets one (and counted as injected)."""
        with self._lock:
            if self.environment_kill_rate and self._rng.random() < self.environment_kill_rate:
                self.injected["environment_kills"] += 1
                return EnvironmentFault.KILL
            return None

    def delivery_copies(self) -> int:
        with self._lock:
            self.injected["copies"] += self.s3_delivery_copies - 1
            return self.s3_delivery_copies

    def check_put_item(self, table: str) -> None:
        with self._lock:
            if table in self.unavailable_tables:
                self.injected["unavailable"] += 1
                raise DynamoDBError(
                    "ResourceNotFoundException", f"Requested resource not found: {table} (injected fault)"
                )
            if self.put_item_failure_rate and self._rng.random() < self.put_item_failure_rate:
                self.injected["put_item_errors"] += 1
                raise DynamoDBError("InternalServerError", "Internal server error (injected fault)", 500)
