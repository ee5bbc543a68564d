"""Files other processes read while they are written: state, records, the env file, the engine's endpoint."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half of either: a
    temporary file of its own beside it (two writers at once do not share one), then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        os.chmod(staged, 0o644)
        os.replace(staged, path)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """``data`` as indented JSON, written atomically."""
    write_atomically(path, json.dumps(data, indent=2) + "\n")
