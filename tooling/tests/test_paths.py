"""How the tooling finds the module it works on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_tooling import paths


@pytest.fixture(autouse=True)
def fresh_lookup(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(paths.MODULE_ROOT_ENV, raising=False)
    paths.module_root.cache_clear()
    yield
    paths.module_root.cache_clear()


def a_module(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "versions.tf").write_text("terraform {}\n")
    (folder / "build.py").write_text("")
    return folder


def test_the_nearest_folder_at_or_above_the_current_one_that_holds_the_module(tmp_path, monkeypatch):
    module = a_module(tmp_path / "module")
    (module / "tooling" / "tests").mkdir(parents=True)
    monkeypatch.chdir(module / "tooling" / "tests")

    assert paths.module_root() == module.resolve()


def test_module_root_names_it_from_anywhere(tmp_path, monkeypatch):
    module = a_module(tmp_path / "module")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(paths.MODULE_ROOT_ENV, str(module))

    assert paths.module_root() == module.resolve()


def test_a_module_root_without_the_module_is_refused(tmp_path, monkeypatch):
    (tmp_path / "versions.tf").write_text("terraform {}\n")  # no build.py
    monkeypatch.setenv(paths.MODULE_ROOT_ENV, str(tmp_path))

    with pytest.raises(paths.ModuleNotFound, match=rf"^MODULE_ROOT={tmp_path}: no versions.tf and build.py there$"):
        paths.module_root()


def test_outside_any_module_the_error_says_where_it_looked_and_what_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    with pytest.raises(paths.ModuleNotFound) as missing:
        paths.module_root()

    assert str(missing.value) == (
        f"no module root at or above {tmp_path.resolve()} (a folder with versions.tf and build.py): run from the "
        "module's checkout or set MODULE_ROOT"
    )


@pytest.mark.parametrize(
    "command",
    [["pipeline_tooling.docgen", "--check"], ["pipeline_tooling.bench"], ["pipeline_tooling.harness.sandbox", "down"]],
)
def test_a_command_outside_any_module_ends_with_the_reason_not_a_traceback(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if k != paths.MODULE_ROOT_ENV}
    ran = subprocess.run(
        [sys.executable, "-m", *command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert ran.returncode == 1
    assert ran.stderr == (
        f"python -m {command[0]}: no module root at or above {tmp_path.resolve()} (a folder with versions.tf and "
        "build.py): run from the module's checkout or set MODULE_ROOT\n"
    )
