"""The harness as a pytest plugin, as another project meets it: installed, outside the module's checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = """
import os


def test_reads_the_engine():
    assert os.environ["E2E_TARGET"] == "ministack"


def test_deploys(target):
    pass
"""


def pytest_in(folder: Path, *args: str, engine: str | None = None) -> subprocess.CompletedProcess[str]:
    (folder / "test_sample.py").write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if k not in ("E2E_TARGET", "MODULE_ROOT", "PYTEST_ADDOPTS")}
    if engine is not None:
        env["E2E_TARGET"] = engine
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_engine_names_the_engine_for_the_harness_and_what_it_starts(tmp_path):
    ran = pytest_in(tmp_path, "--engine", "ministack", "-k", "reads_the_engine")

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout


def test_engine_and_e2e_target_that_disagree_are_a_usage_error(tmp_path):
    ran = pytest_in(tmp_path, "--engine", "ministack", engine="embedded")

    assert ran.returncode == 4
    assert "--engine ministack and E2E_TARGET=embedded disagree: give one of them" in ran.stderr


def test_an_unknown_engine_is_refused_with_the_known_ones(tmp_path):
    ran = pytest_in(tmp_path, "--engine", "nowhere")

    assert ran.returncode == 4
    assert (
        "argument --engine: invalid choice: 'nowhere' (choose from 'embedded', 'ministack', 'localstack', 'aws')"
        in ran.stderr
    )


def test_a_test_asking_for_an_engine_fixture_is_an_e2e_test_and_the_others_are_not(tmp_path):
    ran = pytest_in(tmp_path, "--collect-only", "-m", "e2e")

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.splitlines()[0] == "test_sample.py::test_deploys"
    assert "1/2 tests collected (1 deselected)" in ran.stdout
