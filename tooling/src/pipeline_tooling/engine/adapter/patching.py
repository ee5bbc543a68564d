"""Every change the engine makes to moto goes through ``replace``, so that ``restore_all`` can undo them all.

The engine undoes them when it stops; the contract tests do after trying one.
"""

from __future__ import annotations

import threading
from typing import Any

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
