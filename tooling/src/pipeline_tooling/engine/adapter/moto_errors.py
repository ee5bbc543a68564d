"""The engine's errors (``engine/errors.py``) answered by moto: raised inside moto's handling of a request,
they become moto's own JSON error, which moto answers with their status, error type and body."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from moto.core.exceptions import JsonRESTError

from ..errors import JsonError
from .dependencies import MotoAttribute, MotoSymbol

MOTO_SYMBOLS = (
    MotoSymbol(
        "moto.core.exceptions.JsonRESTError",
        "subclassed",
        ("error_type", "message"),
        "answer the engine's errors as moto answers its own",
    ),
)
MOTO_ATTRIBUTES = (
    MotoAttribute("moto.core.exceptions.JsonRESTError", "code", int, "set: the HTTP status moto answers with"),
    MotoAttribute("moto.core.exceptions.JsonRESTError", "description", str, "set: the body moto answers with"),
)


class MotoJsonError(JsonRESTError):
    """``error`` as moto's own JSON error."""

    def __init__(self, error: JsonError) -> None:
        super().__init__(error.error_type, error.message)
        self.code = error.status
        self.description = error.body


@contextmanager
def answered_by_moto() -> Iterator[None]:
    """An engine error raised in the block leaves it as moto's own error (moto then answers it)."""
    try:
        yield
    except JsonError as error:
        raise MotoJsonError(error) from error
