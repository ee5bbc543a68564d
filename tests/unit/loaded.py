"""The module's two Python files, loaded as their users load them: by file, not as packages.

``lambda/index.py`` is what Lambda imports as module ``index`` from the function's folder (``lambda`` is a
Python keyword, and the folder is what ships, not a package); ``build.py`` is a standalone script. Each is
loaded once and registered under its name, so every test and monkeypatch shares one module object.
"""

from __future__ import annotations

from pathlib import Path

from pipeline_tooling.package import load_file

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_DIR = ROOT / "lambda"

index = load_file("index", LAMBDA_DIR / "index.py")
build = load_file("build", ROOT / "build.py")
redrive = load_file("redrive", ROOT / "redrive.py")
