"""The function's package, made by the module's own ``build.py``: a standard-library script the tooling runs
as a user does (``python build.py --source … --output …``), never imports."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .paths import module_root

BUILD_SECONDS = 60.0
SHA_LINE = "base64sha256: "  # build.py's second line of output


class BuildFailed(RuntimeError):
    """build.py refused (no handler folder, no index.py, an unreadable file) or did not finish: its words."""


@dataclass(frozen=True)
class Package:
    path: Path
    sha256: str  # base64, as Lambda's CodeSha256 and Terraform's filebase64sha256() spell it


def handler_source() -> Path:
    """The module's handler folder, ``lambda/``."""
    return module_root() / "lambda"


def package_zip() -> Path:
    """The function's package committed with the module (``make build`` refreshes it from ``lambda/``)."""
    return module_root() / "dist" / "lambda.zip"


def committed() -> Package:
    """The committed package, once build.py has checked that it is what ``lambda/`` makes (else BuildFailed,
    in build.py's words: the file, the entries that differ, the command that refreshes it)."""
    path = package_zip()
    _run_build([*_build_command(None), "--output", str(path), "--check"])
    return Package(path, sha256_of(path.read_bytes()))


def _build_command(source: Path | None) -> list[str]:
    return [sys.executable, str(module_root() / "build.py"), "--source", str(source or handler_source())]


def _run_build(argv: list[str]) -> str:
    """build.py's output, or BuildFailed with what it said."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=BUILD_SECONDS)
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"build.py had not finished after {BUILD_SECONDS:.0f} s") from None
    if done.returncode != 0:
        said = done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"
        raise BuildFailed(said.removeprefix("build.py: error: ").removeprefix("build.py: "))
    return done.stdout


def build(output: Path, source: Path | None = None) -> Package:
    """Run build.py: the zip of ``source`` (default ``lambda/``) written to ``output``."""
    said = _run_build([*_build_command(source), "--output", str(output)])
    sha = [line.removeprefix(SHA_LINE) for line in said.splitlines() if line.startswith(SHA_LINE)]
    if not sha:
        raise BuildFailed(f"build.py printed no {SHA_LINE.strip()} line: {said.strip()!r}")
    return Package(output, sha[0])


def load_file(name: str, path: Path) -> ModuleType:
    """A Python file that is not a package of this project (the handler, as Lambda loads ``index.py`` from the
    function's folder; build.py), loaded once and registered as ``name``: every later call, and every
    monkeypatch, gets the same module object."""
    loaded = sys.modules.get(name)
    if loaded is not None and Path(str(loaded.__file__)).resolve() == path.resolve():
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def sha256_of(data: bytes) -> str:
    """What Terraform's filebase64sha256() gives for the same bytes."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")
