"""A seam: one private symbol of moto the engine patches, wraps or calls, and why.

Each adapter module lists its seams; tooling/tests/engine/test_moto_contract.py resolves every one
against the installed moto and checks its parameters, so a moto release that moves or
changes one fails there, naming the symbol and moto's version, instead of deep in an e2e run.
Patches go through ``replace`` so they can be undone (``restore_all``), which the contract
tests do after trying one.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from typing import Any, Literal

Use = Literal["patched", "wrapped", "called", "subclassed"]


@dataclass(frozen=True)
class Seam:
    symbol: str  # dotted path: module, then attributes
    use: Use
    parameters: tuple[str, ...] | None  # the parameter names the engine relies on; None: not a callable's shape
    why: str

    def resolve(self) -> Any:
        """The symbol in the installed moto; AttributeError/ImportError naming what is missing."""
        parts = self.symbol.split(".")
        for split in range(len(parts) - 1, 0, -1):
            try:
                owner: Any = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for name in parts[split:]:
                owner = getattr(owner, name)
            return owner
        raise ImportError(f"no module along {self.symbol}")


_lock = threading.Lock()
_MISSING = object()
_replaced: list[tuple[Any, str, Any]] = []


def replace(owner: Any, name: str, replacement: Any) -> None:
    """Set ``owner.name`` to ``replacement`` (a wrapper fetches the original with getattr first)."""
    with _lock:
        own = vars(owner).get(name, _MISSING)  # what to put back: the owner's own attribute, or nothing
        _replaced.append((owner, name, own))
        setattr(owner, name, replacement)


def restore_all() -> None:
    """Undo every ``replace``, newest first."""
    with _lock:
        while _replaced:
            owner, name, own = _replaced.pop()
            if own is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, own)
