"""The machine a figure was measured on, in one line: what every measured figure is stated with."""

from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path


def machine() -> str:
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024**2:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def now() -> str:
    """The time a figure was taken, UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
