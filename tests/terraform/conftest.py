"""The module's root initialised once for the tests that run Terraform on it (init needs no AWS)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def initialised_module() -> Path:
    plugin_dir = os.environ.get("TF_PLUGIN_DIR")
    command = ["terraform", "init", "-input=false", "-backend=false", "-no-color"]
    if plugin_dir:
        command.append(f"-plugin-dir={plugin_dir}")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"terraform init of the module failed:\n{done.stdout}{done.stderr}"
    return ROOT
