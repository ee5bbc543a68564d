"""pytest as another project runs it, with the plugin it asks for: outside the module's checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PLUGIN = ("-p", "pipeline_tooling.harness.pytest_plugin")


def another_projects_pytest(
    folder: Path, *args: str, engine: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """pytest in ``folder`` as another project runs it: outside the module, nothing of this session's settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("E2E_TARGET", "MODULE_ROOT", "PYTEST_ADDOPTS")}
    if engine is not None:
        env["E2E_TARGET"] = engine
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
