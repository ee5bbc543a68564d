"""The module's two Python files, loaded as their users load them: by file, not as packages.

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


def load(name: str, path: Path) -> ModuleType:
    loaded = sys.modules.get(name)
    if loaded is not None and Path(str(loaded.__file__)).resolve() == path.resolve():
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


index = load("index", LAMBDA_DIR / "index.py")
build = load("build", ROOT / "build.py")
