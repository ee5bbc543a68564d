"""Where the module is: the folder that holds its ``versions.tf`` and ``build.py``.

The tooling is installed as a package and works on a checkout of the module: the one named by
``MODULE_ROOT``, or else the nearest folder at or above the current one that holds both files
(``make`` runs from the module's root; the tooling's own tests run from ``tooling/``).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

MODULE_ROOT_ENV = "MODULE_ROOT"
MARKERS = ("versions.tf", "build.py")


class ModuleNotFound(RuntimeError):
    """No module root here: the message says where it looked and what to do."""


def is_module_root(folder: Path) -> bool:
    return all((folder / name).is_file() for name in MARKERS)


def module_root_for(command: str) -> Path:
    """A command's module root; when there is none, the command ends with the reason (exit status 1)."""
    try:
        return module_root()
    except ModuleNotFound as error:
        raise SystemExit(f"{command}: {error}") from None


@cache
def module_root() -> Path:
    named = os.environ.get(MODULE_ROOT_ENV)
    if named:
        folder = Path(named).resolve()
        if not is_module_root(folder):
            raise ModuleNotFound(f"{MODULE_ROOT_ENV}={named}: no {' and '.join(MARKERS)} there")
        return folder
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if is_module_root(folder):
            return folder
    raise ModuleNotFound(
        f"no module root at or above {here} (a folder with {' and '.join(MARKERS)}): run from the module's "
        f"checkout or set {MODULE_ROOT_ENV}"
    )
