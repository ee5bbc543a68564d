"""The WSGI application type (PEP 3333): moto's app, and every layer the engine puts in front of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
