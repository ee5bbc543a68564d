"""The harness as a pytest plugin, as another project meets it: installed, outside the module's checkout, and
loaded only by a suite that asks for it (``-p pipeline_tooling.harness.pytest_plugin``)."""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path

from tests.harness.another_project import PLUGIN, another_projects_pytest

TESTS = """
import os


def test_reads_the_engine():
    assert os.environ["E2E_TARGET"] == "ministack"


def test_deploys(target):
    pass


def test_counts(progress):
    with progress.phase("a phase"):
        progress.count("things", 3)
"""


def pytest_in(folder: Path, *args: str, engine: str | None = None) -> subprocess.CompletedProcess[str]:
    (folder / "test_sample.py").write_text(TESTS)
    return another_projects_pytest(folder, *args, engine=engine)


def test_engine_names_the_engine_for_the_harness_and_what_it_starts(tmp_path):
    ran = pytest_in(tmp_path, *PLUGIN, "--engine", "ministack", "-k", "reads_the_engine")

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout


def test_engine_and_e2e_target_that_disagree_are_a_usage_error(tmp_path):
    ran = pytest_in(tmp_path, *PLUGIN, "--engine", "ministack", engine="embedded")

    assert ran.returncode == 4
    assert "--engine ministack and E2E_TARGET=embedded disagree: give one of them" in ran.stderr


def test_an_unknown_engine_is_refused_with_the_known_ones(tmp_path):
    ran = pytest_in(tmp_path, *PLUGIN, "--engine", "nowhere")

    assert ran.returncode == 4
    assert (
        "argument --engine: invalid choice: 'nowhere' (choose from 'embedded', 'ministack', 'localstack', 'aws')"
        in ran.stderr
    )


def test_a_test_asking_for_an_engine_fixture_is_an_e2e_test_and_the_others_are_not(tmp_path):
    ran = pytest_in(tmp_path, *PLUGIN, "--collect-only", "-m", "e2e")

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.splitlines()[0] == "test_sample.py::test_deploys"
    assert "1/3 tests collected (2 deselected)" in ran.stdout  # test_counts uses progress, not the target


def test_without_asking_for_it_a_pytest_of_the_venv_has_no_plugin(tmp_path):
    """Installed, the tooling loads into no pytest run by itself: no --engine, no target fixture."""
    ran = pytest_in(tmp_path, "-k", "deploys")

    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "fixture 'target' not found" in ran.stdout
    unknown = pytest_in(tmp_path, "--engine", "ministack")
    assert unknown.returncode == 4
    assert "unrecognized arguments: --engine" in unknown.stderr


def test_the_summary_json_holds_the_outcomes_phases_and_counts(tmp_path):
    summary = tmp_path / "out" / "summary.json"
    ran = pytest_in(tmp_path, *PLUGIN, "-k", "counts or reads_the_engine", "--summary-json", str(summary))

    assert ran.returncode == 1, ran.stdout + ran.stderr  # reads_the_engine fails: no E2E_TARGET=ministack here
    written = json.loads(summary.read_text())
    assert written["engine"] is None  # no test reached a target
    assert written["outcomes"] == {"passed": 1, "failed": 1, "skipped": 0, "error": 0}
    assert list(written["phases"]) == ["a phase"]
    assert written["counts"] == {"things": 3}
    assert written["machine"].startswith(platform.machine())
    assert written["session_s"] >= 0
