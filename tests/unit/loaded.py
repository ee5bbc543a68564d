"""The module's Python files, loaded as their users load them: by file, not as packages.

``lambda/index.py`` is what Lambda imports as module ``index`` from the function's folder (``lambda`` is a
Python keyword, and the folder is what ships, not a package); ``build.py`` is a standalone script. Each is
loaded once and registered under its name, so every test and monkeypatch shares one module object.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_DIR = ROOT / "lambda"


def load_file(name: str, path: Path) -> ModuleType:
    """``path`` loaded as module ``name``, once: every later import and monkeypatch gets the same object."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


index = load_file("index", LAMBDA_DIR / "index.py")
build = load_file("build", ROOT / "build.py")
redrive = load_file("redrive", ROOT / "redrive.py")
