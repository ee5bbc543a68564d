"""Live output: the function's log group and failure queue, as one line per thing that happened.

The handler logs one JSON object per outcome, with the object's ``key``; each of those
becomes an event line (``key → log item written``, or the error and where the event goes
next). Every other log line (START/END/REPORT, the batch summary, a runtime's traceback) is
shown as it came. Colour only on a terminal, and never with NO_COLOR set.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from ..followers import LogFollower, QueueFollower

COLOURS = {"event": "32", "error": "31;1", "reload": "36", "warn": "33", "log": "2", "info": "1"}


class Printer:
    """``HH:MM:SS kind    text`` lines, coloured by kind when the stream is a terminal."""

    def __init__(self, stream: TextIO = sys.stdout, *, colour: bool | None = None) -> None:
        self.stream = stream
        if colour is None:
            colour = stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        self.colour = colour

    def __call__(self, kind: str, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        line = f"{stamp} {kind:<7} {text}"
        if self.colour and kind in COLOURS:
            line = f"\033[{COLOURS[kind]}m{line}\033[0m"
        self.stream.write(line + "\n")
        self.stream.flush()


@dataclass
class RetryPolicy:
    """How many times Lambda runs an asynchronous event, and where it goes after the last failure."""

    attempts: int = 3  # the first run and maximum_retry_attempts retries
    failure_queue: str | None = None  # the queue's name, when the stack has one


@dataclass
class EventLines:
    """Turns the function's log messages into the lines ``make up`` prints."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    _failures: dict[str, int] = field(default_factory=dict)

    def describe(self, message: str) -> tuple[str, str]:
        """(kind, text) for one log message."""
        text = message.rstrip("\n")
        try:
            fields = json.loads(text)
        except ValueError:
            fields = None
        if not isinstance(fields, dict) or "key" not in fields:
            kind = "error" if text.startswith("[ERROR]") or '"level": "ERROR"' in text else "log"
            return kind, text
        key, what = fields["key"], str(fields.get("message", ""))
        if str(fields.get("level", "")).upper() != "ERROR":
            return "event", f"{key} → {what}{_detail(fields)}"
        event_id = str(fields.get("requestId") or key)
        attempt = self._failures.get(event_id, 0) + 1
        self._failures[event_id] = attempt
        if attempt < self.policy.attempts:
            after = f"attempt {attempt} of {self.policy.attempts}; Lambda runs it again"
        elif self.policy.failure_queue:
            after = f"attempt {attempt} of {self.policy.attempts}: Lambda sends it to {self.policy.failure_queue}"
        else:
            after = f"attempt {attempt} of {self.policy.attempts}: dropped (this stack has no failure queue)"
        error = fields.get("error") or what
        return "error", f"{key} ✗ {error} ({after})"


def _detail(fields: dict[str, Any]) -> str:
    parts = []
    if fields.get("requestId"):
        parts.append(f"requestId {str(fields['requestId'])[:8]}…")
    if fields.get("durationMs") is not None:
        parts.append(f"{fields['durationMs']} ms")
    return f" ({', '.join(parts)})" if parts else ""


def follow_once(
    logs: LogFollower, lines: EventLines, queue: QueueFollower | None, say: Callable[[str, str], None]
) -> None:
    """Print what happened since the last call; an engine that does not answer is the caller's to judge."""
    for message in logs.poll():
        say(*lines.describe(message))
    if queue is not None:
        keys, waiting = queue.poll()
        for key in keys:
            say("error", f"{key} → failure queue ({waiting} waiting)")


ENGINE_ERRORS = (ClientError, BotoCoreError, OSError)


class Silence:
    """An engine that does not answer is said once each time it stops answering, not on every poll."""

    def __init__(self, say: Callable[[str, str], None]) -> None:
        self._say = say
        self._silent = False

    def answered(self) -> None:
        self._silent = False

    def unanswered(self, label: str, error: BaseException) -> None:
        if not self._silent:
            self._say("warn", f"{label} did not answer: {error}")
        self._silent = True
