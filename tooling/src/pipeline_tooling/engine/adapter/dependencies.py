"""What the engine relies on in moto's internals, declared so that a test can check it on the installed moto.

* ``MotoSymbol``: a private function, method, class or constant of moto the engine patches,
  wraps, calls or subclasses, with the parameter names it relies on.
* ``MotoAttribute``: an attribute the engine reads (or resets) on one of moto's objects, with the
  type it expects there.

Each adapter module lists its own as ``MOTO_SYMBOLS`` and ``MOTO_ATTRIBUTES``;
tooling/tests/engine/test_moto_contract.py resolves every symbol and checks its parameters, and
reads every attribute off a real object that moto made, so a moto release that moves, renames or
retypes one fails there, naming it and moto's version, instead of deep in an e2e run.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal

Use = Literal["patched", "wrapped", "called", "subclassed"]


def resolve(dotted: str) -> Any:
    """``module.attribute...`` in the installed moto; AttributeError/ImportError naming what is missing."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            owner = getattr(owner, name)
        return owner
    raise ImportError(f"no module along {dotted}")


@dataclass(frozen=True)
class MotoSymbol:
    symbol: str  # dotted path: module, then attributes
    use: Use
    parameters: tuple[str, ...] | None  # the parameter names the engine relies on; None: not a callable's shape
    why: str

    def resolve(self) -> Any:
        return resolve(self.symbol)


@dataclass(frozen=True)
class MotoAttribute:
    owner: str  # dotted path of the moto class whose instances carry it
    name: str
    expected: type | tuple[type, ...]  # the type the engine expects to find there
    why: str

    def resolve_owner(self) -> type:
        found: type = resolve(self.owner)
        return found
