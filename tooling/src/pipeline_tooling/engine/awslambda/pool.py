"""Execution environments kept warm per function, and the concurrency slots that bound them.

A function may have as many environments busy at once as its concurrency (its reservation, or the
pool's default). Each busy environment holds one slot; ``EnvironmentPool.slot`` is the only way to
take one, and gives it back when its ``with`` block ends, however it ends. Environments are kept
per function and fingerprint (code and configuration), as Lambda keeps them, and started by the
pool's ``Launch`` (``workers.WorkerPool``'s starts awslambdaric workers).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional, Protocol, TypeVar

from ..faults import EnvironmentFault
from .spec import FunctionSpec

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (function ARN, fingerprint): FunctionSpec.key


class ConcurrencyExhausted(RuntimeError):
    """Every execution environment the function may have is busy (or it may have none)."""

    def __init__(self, spec: FunctionSpec, limit: int) -> None:
        super().__init__(f"{spec.name}: all {limit} concurrent executions are in use")
        self.limit = limit


@dataclass
class InvocationResult:
    request_id: str
    payload: bytes
    error_type: str | None
    log_tail: list[str]

    @property
    def failed(self) -> bool:
        return self.error_type is not None


class Environment(Protocol):
    """What the pool needs of one execution environment."""

    @property
    def alive(self) -> bool: ...

    def wait_ready(self) -> bool:
        """Until its init is done; False if it died or hung."""
        ...

    def invoke(self, payload: bytes, request_id: str, fault: EnvironmentFault | None = None) -> InvocationResult:
        """Run one invocation, with ``fault`` injected into this environment while it runs."""
        ...

    def stop(self) -> None: ...


Launch = Callable[[FunctionSpec], Environment]


@dataclass
class _Slot:
    """One of a function's concurrency slots, held; the environment in it, once there is one."""

    key: Key
    environment: Environment | None = None


_Claimed = TypeVar("_Claimed", bound=Optional[_Slot])


def default_concurrency() -> int:
    """Per-function concurrency without a reservation: two environments per core, at least two.

    More would only queue on the cores (each invocation is CPU work here, not I/O), and each
    environment is a Python process of its own.
    """
    return max(2, 2 * (os.cpu_count() or 1))


class EnvironmentPool:
    """Warm environments per (function, fingerprint), at most the function's concurrency busy at once."""

    def __init__(self, launch: Launch, *, concurrency: int | None = None) -> None:
        self._launch = launch
        self.concurrency = concurrency or default_concurrency()
        self._idle: dict[Key, list[Environment]] = {}
        self._busy: dict[Key, int] = {}  # slots held: changed by _take and _give_back only
        self._all: set[Environment] = set()
        self._changed = threading.Condition()
        self._closed = False
        self.counts = {"cold_starts": 0, "prewarmed": 0}

    def limit(self, spec: FunctionSpec) -> int:
        if spec.reserved_concurrency is not None:
            return max(0, spec.reserved_concurrency)
        return self.concurrency

    @contextmanager
    def slot(self, spec: FunctionSpec, *, block: bool = True) -> Iterator[Environment]:
        """An environment of the function's, busy for the ``with`` block: an idle one, or one started
        for it (a cold start). ``block=False`` raises ConcurrencyExhausted instead of waiting for one
        to be free (a synchronous invoke)."""
        limit = self.limit(spec)
        if limit == 0:
            raise ConcurrencyExhausted(spec, 0)
        with self._held(spec, lambda unwanted: self._claim(spec, limit, unwanted, block=block)) as held:
            if held.environment is None:
                self._count("cold_starts")
                held.environment = self._start(spec)
            yield held.environment

    def prewarm(self, spec: FunctionSpec) -> Environment | None:
        """Start one environment for the function's current code and configuration, unless one exists.

        Called when a function is created or changed, so the first event meets no cold start.
        """
        if self.limit(spec) == 0:
            return None
        with self._held(spec, lambda _: self._claim_first(spec.key)) as held:
            if held is None:
                return None
            environment = held.environment = self._start(spec)
            if environment.wait_ready():
                self._count("prewarmed")
            else:
                log.warning(
                    "%s: the environment started for it did not finish init; the first event will retry", spec.name
                )
            return environment

    @contextmanager
    def _held(self, spec: FunctionSpec, claim: Callable[[list[Environment]], _Claimed]) -> Iterator[_Claimed]:
        """The slot ``claim`` takes under the lock (None: it took none), held for the ``with`` block and
        given back however the block ends. The function's environments of older code or configuration,
        and the dead ones ``claim`` comes across, are stopped first."""
        unwanted: list[Environment] = []
        try:
            with self._changed:
                unwanted += self._retire_stale(spec)
                held = claim(unwanted)
        finally:
            for old in unwanted:
                old.stop()
        try:
            yield held
        finally:
            if held is not None:
                self._give_back(held)

    def _retire_stale(self, spec: FunctionSpec) -> list[Environment]:
        """Under the lock: idle environments of this function's older code or configuration, no longer wanted."""
        stale: list[Environment] = []
        for key in [k for k in self._idle if k[0] == spec.arn and k != spec.key]:
            stale.extend(self._idle.pop(key))
        for environment in stale:
            self._all.discard(environment)
        return stale

    def _claim(self, spec: FunctionSpec, limit: int, dead: list[Environment], *, block: bool) -> _Slot:
        """Under the lock: a slot with an idle environment in it, or an empty one for a new environment."""
        while True:
            if self._closed:
                raise RuntimeError("the engine is shutting down")
            idle = self._idle.get(spec.key, [])
            while idle:
                environment = idle.pop()
                if environment.alive:
                    return self._take(spec.key, environment)
                self._all.discard(environment)
                dead.append(environment)
            if self._busy.get(spec.key, 0) < limit:
                return self._take(spec.key, None)
            if not block:
                raise ConcurrencyExhausted(spec, limit)
            self._changed.wait()

    def _claim_first(self, key: Key) -> _Slot | None:
        """Under the lock: an empty slot when the function has no environment at all, else None."""
        if self._idle.get(key) or self._busy.get(key, 0) > 0:
            return None
        return self._take(key, None)

    def _take(self, key: Key, environment: Environment | None) -> _Slot:
        """Under the lock: one more of the function's slots held."""
        self._busy[key] = self._busy.get(key, 0) + 1
        return _Slot(key, environment)

    def _give_back(self, held: _Slot) -> None:
        """The slot free again; its environment among the idle ones, or retired if it died."""
        environment = held.environment
        dead = environment is not None and not environment.alive
        with self._changed:
            self._busy[held.key] -= 1
            if environment is not None:
                if dead or self._closed:
                    self._all.discard(environment)
                else:
                    self._idle.setdefault(held.key, []).append(environment)
            self._changed.notify_all()
        if dead and environment is not None:
            environment.stop()

    def _start(self, spec: FunctionSpec) -> Environment:
        environment = self._launch(spec)
        with self._changed:
            self._all.add(environment)
        return environment

    def _count(self, name: str) -> None:
        with self._changed:
            self.counts[name] += 1

    @property
    def size(self) -> int:
        with self._changed:
            return len(self._all)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            environments = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._changed.notify_all()
        for environment in environments:
            environment.stop()
