"""What is known of the request being served: the condition keys a policy can ask about.

Set by the listener that took the request (``listeners.py``) and, for a function's own
credentials, the IAM enforcer (``iam/enforcer.py``); read by the policy evaluators.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType

# Outside any request (e.g. an internal call) the context is that of a TLS request.
_OUTSIDE_REQUESTS: Mapping[str, str] = MappingProxyType({"aws:securetransport": "true"})
_request_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "request_context", default=_OUTSIDE_REQUESTS
)


@contextmanager
def request_context(*, secure: bool, source_ip: str) -> Iterator[None]:
    """Condition keys (lower-cased) of the request being served on this thread."""
    token = _request_context.set({"aws:securetransport": "true" if secure else "false", "aws:sourceip": source_ip})
    try:
        yield
    finally:
        _request_context.reset(token)


@contextmanager
def known_principal(arn: str) -> Iterator[None]:
    """The request's principal is known (a function's own credentials): ``aws:PrincipalArn`` too."""
    token = _request_context.set({**_request_context.get(), "aws:principalarn": arn})
    try:
        yield
    finally:
        _request_context.reset(token)


def current_context() -> Mapping[str, str]:
    return _request_context.get()
