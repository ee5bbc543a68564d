"""Bucket policies evaluated with the request's real context.

moto treats a statement whose condition it cannot evaluate as a match, so a
policy that denies ``aws:SecureTransport = false`` denies every request. Here
conditions are evaluated against what is known of the request: whether it came
over TLS (the scheme of the listener that took it) and its source address.
Principals other than ``*`` cannot be told apart without IAM enforcement, so
statements naming them are left out, as moto does.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import logging
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

log = logging.getLogger(__name__)


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _in_network(network: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _like(pattern: str, value: str, *, case: bool = True) -> bool:
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringEqualsIgnoreCase": lambda expected, actual: expected.lower() == actual.lower(),
    "StringLike": _like,
    "ArnEquals": lambda expected, actual: expected == actual,
    "ArnLike": _like,
    "Bool": lambda expected, actual: expected.lower() == actual.lower(),
    "IpAddress": _in_network,
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
}


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    actual = context.get(key.lower())
    if base == "Null":
        return (actual is None) == (str(expected).lower() == "true")
    if actual is None:
        return if_exists or base in _NEGATED
    if base in _NEGATED:
        return not any(_OPERATORS[_NEGATED[base]](e, actual) for e in _as_list(expected))
    if base not in _OPERATORS:
        log.warning("bucket policy condition operator %s is not emulated; the statement is not applied", operator)
        return False
    return any(_OPERATORS[base](e, actual) for e in _as_list(expected))


def _principal_is_anyone(principal: Any) -> bool:
    return principal == "*" or (isinstance(principal, Mapping) and principal.get("AWS") in ("*", ["*"]))


def _matches(statement: Mapping[str, Any], element: str, value: str, *, case: bool) -> bool:
    if element in statement:
        return any(_like(p, value, case=case) for p in _as_list(statement[element]))
    negated = "Not" + element
    if negated in statement:
        return not any(_like(p, value, case=case) for p in _as_list(statement[negated]))
    return False


def statement_applies(statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]) -> bool:
    if not _principal_is_anyone(statement.get("Principal")):
        return False
    if not _matches(statement, "Action", action, case=False):
        return False
    if not _matches(statement, "Resource", resource, case=True):
        return False
    conditions: Mapping[str, Mapping[str, Any]] = statement.get("Condition") or {}
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, pairs in conditions.items()
        for key, expected in pairs.items()
    )


@lru_cache(maxsize=256)
def _statements(policy_json: str) -> tuple[Mapping[str, Any], ...]:
    """A policy's statements, parsed once per policy text (every object request consults it)."""
    statements = json.loads(policy_json).get("Statement", [])
    return tuple([statements] if isinstance(statements, Mapping) else statements)


def evaluate(policy_json: str, action: str, resource: str, context: Mapping[str, str]) -> str:
    """'DENIED', 'PERMITTED' or 'NEUTRAL' (no statement applies), as S3 combines them."""
    decision = "NEUTRAL"
    for statement in _statements(policy_json):
        if statement_applies(statement, action, resource, context):
            if statement.get("Effect") == "Deny":
                return "DENIED"
            decision = "PERMITTED"
    return decision
