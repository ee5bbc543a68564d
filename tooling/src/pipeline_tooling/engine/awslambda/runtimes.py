"""Which Python runs a function: the one its runtime names, when installed here.

A runtime environment is a folder ``<runtimes dir>/<runtime>`` (e.g.
``.runtimes/python3.13``) holding a venv with awslambdaric and boto3, as the
Makefile's ``runtimes`` target makes them. Without one, the engine's own
interpreter runs the function (it has both packages too), and says so.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ...paths import ModuleNotFound, module_root

log = logging.getLogger(__name__)

RUNTIMES_DIR_ENV = "ENGINE_RUNTIMES_DIR"


@dataclass(frozen=True)
class RuntimePython:
    executable: str
    exact: bool  # True when it is the Python the function's runtime names


def runtimes_dir() -> Path:
    """ENGINE_RUNTIMES_DIR, else the module checkout's ``.runtimes`` (``make runtimes``), else ``./.runtimes``."""
    named = os.environ.get(RUNTIMES_DIR_ENV)
    if named:
        return Path(named)
    try:
        return module_root() / ".runtimes"
    except ModuleNotFound:
        return Path.cwd() / ".runtimes"


def python_for(runtime: str) -> RuntimePython:
    candidate = runtimes_dir() / runtime / "bin" / "python"
    if runtime.startswith("python") and candidate.exists():
        return RuntimePython(str(candidate), exact=True)
    return RuntimePython(sys.executable, exact=runtime == f"python{sys.version_info.major}.{sys.version_info.minor}")


_announced: set[str] = set()


def announce(runtime: str, python: RuntimePython) -> None:
    """Log once per runtime which interpreter stands in for it."""
    if runtime in _announced:
        return
    _announced.add(runtime)
    if python.exact:
        log.info("runtime %s runs on %s", runtime, python.executable)
    else:
        log.warning(
            "runtime %s: no matching Python under %s; running it on the engine's own Python %d.%d (%s)",
            runtime,
            runtimes_dir(),
            sys.version_info.major,
            sys.version_info.minor,
            python.executable,
        )
