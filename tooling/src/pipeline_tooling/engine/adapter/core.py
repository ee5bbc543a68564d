"""moto's core: per-request bookkeeping made cheap (measured with py-spy in a burst and cProfile per call).

* ``BackendDict.__getitem__`` (``s3_backends[account]``, several times per request) takes moto's
  one global lock and, under it, compares itself with every registered BackendDict (a hundred
  ``__eq__`` calls) before returning what it already holds: an eighth of the engine's time in a
  burst, every request thread queued on that lock. Once an account's backend exists the dict
  itself has the answer; only a first access per account goes the long way and creates it.
  That relies on BackendDict being a dict (``dict.__getitem__``): checked when the engine starts
  (``adapter.check_moto``) and by the contract test.
* ``method_names_from_class`` runs ``inspect.getmembers`` over a response class on every call,
  to learn which actions it has: a fifth of moto's own time for a PutItem. A class's methods do
  not change while the engine runs.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from moto.core import responses
from moto.core.base_backend import BackendDict

from .dependencies import MotoSymbol
from .patching import replace

MOTO_SYMBOLS = (
    MotoSymbol(
        "moto.core.base_backend.BackendDict.__getitem__",
        "wrapped",
        ("self", "account_id"),
        "answer an account's backend without the global lock once it exists",
    ),
    MotoSymbol(
        "moto.core.base_backend.BackendDict._create_account_specific_backend",
        "called",
        ("self", "account_id"),
        "what the first access per account still does",
    ),
    MotoSymbol(
        "moto.core.responses.method_names_from_class",
        "wrapped",
        ("clazz",),
        "know a response class's actions once, not on every call",
    ),
)


def backend_dict_is_a_dict() -> bool:
    """What ``speed_up_backend_lookup`` assumes: it reads an account's backend with ``dict.__getitem__``."""
    return issubclass(BackendDict, dict)


def speed_up_backend_lookup() -> None:
    original = BackendDict.__getitem__

    def getitem(self: BackendDict[Any], account_id: str) -> Any:
        try:
            return dict.__getitem__(self, account_id)
        except KeyError:
            return original(self, account_id)

    replace(BackendDict, "__getitem__", getitem)


def remember_action_names() -> None:
    replace(responses, "method_names_from_class", cache(responses.method_names_from_class))  # type: ignore[attr-defined]
