"""Progress lines a person can follow, and the figures for the closing summary."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Progress:
    write: Callable[[str], None]
    label: str = "e2e"
    phases: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def say(self, message: str) -> None:
        self.write(f"[{self.label}] {message}")

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self.say(f"{name} ...")
        started = time.monotonic()
        try:
            yield
        finally:
            elapsed = time.monotonic() - started
            self.phases[name] = self.phases.get(name, 0.0) + elapsed
            self.say(f"{name}: {elapsed:.1f} s")

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def summary_lines(self) -> list[str]:
        lines = [f"  {name:<44} {seconds:8.1f} s" for name, seconds in self.phases.items()]
        lines += [f"  {name:<44} {n:8d}" for name, n in self.counts.items()]
        return lines
