"""Ending a pytest session with one message, instead of failing every test with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

import pytest

from .targets import Target, TargetError
from .terraform import TerraformFailed

T = TypeVar("T")


def stop_session(target: Target | str, error: BaseException) -> NoReturn:
    """End the session with one message naming the engine and the error."""
    name = target if isinstance(target, str) else target.name
    pytest.exit(f"E2E_TARGET={name}: {error}", returncode=2)


def exit_on_deployment_error(target: Target, step: Callable[[], T]) -> T:
    """A root that cannot be made (or destroyed) ends the session with one message."""
    try:
        return step()
    except (TargetError, TerraformFailed) as error:
        stop_session(target, error)
