"""Waiting with deadlines instead of sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DeadlineExceeded(AssertionError):
    """What was waited for did not happen in time; the message says what was last seen."""


class GaveUpWaiting(AssertionError):
    """What was waited for can no longer happen; the message quotes the evidence."""


def wait_until(
    probe: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    what: str,
    interval: float = 0.05,
    max_interval: float = 1.0,
    describe: Callable[[T], str] | None = None,
    give_up: Callable[[], object] | None = None,
) -> T:
    """Call ``probe`` until ``done(result)``; return that result, or fail at the deadline
    saying what was last seen (``describe(result)``, or the start of its repr).

    ``give_up``, asked after each probe that is not done, returns the evidence that what is
    waited for can no longer happen (anything but None): the wait fails at once, quoting it."""
    started = time.monotonic()
    deadline = started + timeout
    pause = interval
    while True:
        result = probe()
        if done(result):
            return result
        evidence = give_up() if give_up is not None else None
        if evidence is not None:
            seen = describe(result) if describe else f"{result!r:.500}"
            raise GaveUpWaiting(
                f"gave up after {time.monotonic() - started:.1f} s waiting for {what}: {evidence}; last seen: {seen}"
            )
        if time.monotonic() >= deadline:
            seen = describe(result) if describe else f"{result!r:.500}"
            raise DeadlineExceeded(f"timed out after {timeout:.0f} s waiting for {what}; last seen: {seen}")
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.5, max_interval)


def holds_for(probe: Callable[[], T], ok: Callable[[T], bool], *, duration: float, what: str) -> T:
    """Check that ``ok(probe())`` stays true for ``duration`` seconds (e.g. no late duplicates)."""
    end = time.monotonic() + duration
    result = probe()
    while True:
        if not ok(result):
            raise AssertionError(f"{what} stopped holding: {result!r:.500}")
        if time.monotonic() >= end:
            return result
        time.sleep(min(0.2, max(0.0, end - time.monotonic())))
        result = probe()
