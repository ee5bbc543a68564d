"""The tooling's packaging says one thing: the moto it is tested with, and what it installs."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.version import Version
from pipeline_tooling.engine.adapter import SUPPORTED_MOTO

TOOLING = Path(__file__).resolve().parents[1]


def declared() -> dict[str, Requirement]:
    project = tomllib.loads((TOOLING / "pyproject.toml").read_text())["project"]
    return {(req := Requirement(line)).name: req for line in project["dependencies"]}


def test_the_moto_bound_is_the_same_in_pyproject_requirements_in_and_the_engines_start_up_check():
    in_requirements = [
        Requirement(line) for line in (TOOLING / "requirements.in").read_text().splitlines() if line.startswith("moto")
    ]

    assert declared()["moto"].specifier == SUPPORTED_MOTO
    assert [req.specifier for req in in_requirements] == [SUPPORTED_MOTO]


def test_the_pinned_set_satisfies_every_declared_dependency():
    pinned = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (TOOLING / "requirements.txt").read_text(), re.M))
    normalised = {name.lower().replace("_", "-"): version for name, version in pinned.items()}

    for name, requirement in declared().items():
        version = normalised.get(name.lower().replace("_", "-"))
        assert version is not None, f"requirements.txt pins no {name}"
        assert Version(version) in requirement.specifier, f"{name}=={version} is outside {requirement.specifier}"
