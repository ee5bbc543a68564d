"""Policy documents evaluated as AWS evaluates them: action and resource, conditions on known keys.

One evaluator for identity policies (a role's inline and attached policies) and resource
policies (a bucket's, a function's). A statement applies when its Action (or NotAction) and its
Resource (or NotResource) match the request, its Principal does (resource policies), and every
condition holds. An explicit Deny wins over any Allow; without an Allow nothing is allowed.

Conditions are evaluated on the keys the engine knows for a request (``KNOWN_KEYS``). A statement
that would apply but has a condition on any other key, or with an operator the evaluator does
not implement, is not guessed at: the request is denied and the key named, never silently allowed.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

# Condition keys the engine can give a value for (lower case, as AWS compares them).
KNOWN_KEYS = frozenset(
    {
        "aws:securetransport",
        "aws:sourceip",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:requestedregion",
        "aws:userid",
    }
)

Statement = Mapping[str, Any]


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _in_network(network: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def like(pattern: str, value: str, *, case: bool = True) -> bool:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one character; nothing else is special."""
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda expected, actual: expected == actual,
    "StringEqualsIgnoreCase": lambda expected, actual: expected.lower() == actual.lower(),
    "StringLike": like,
    "ArnEquals": lambda expected, actual: expected == actual,
    "ArnLike": like,
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


class NotEvaluable(Exception):
    """A condition the engine cannot evaluate: an unknown key or operator (the message names it)."""


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    if key.lower() not in KNOWN_KEYS:
        raise NotEvaluable(f"condition key {key}")
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base != "Null" and base not in _OPERATORS and base not in _NEGATED:
        raise NotEvaluable(f"condition operator {operator}")
    actual = context.get(key.lower())
    if base == "Null":
        return (actual is None) == (str(expected).lower() == "true")
    if actual is None:
        return if_exists or base in _NEGATED
    if base in _NEGATED:
        return not any(_OPERATORS[_NEGATED[base]](e, actual) for e in _as_list(expected))
    return any(_OPERATORS[base](e, actual) for e in _as_list(expected))


def _matches(statement: Statement, element: str, value: str, *, case: bool) -> bool:
    if element in statement:
        return any(like(p, value, case=case) for p in _as_list(statement[element]))
    negated = "Not" + element
    if negated in statement:
        return not any(like(p, value, case=case) for p in _as_list(statement[negated]))
    return False


def _principal_matches(statement: Statement, principal: Mapping[str, str] | None) -> bool:
    """Identity policies name no Principal (``principal`` None); a resource policy's statement applies
    to the request's principal (``{"AWS": arn}`` or ``{"Service": name}``) when it names it, or anyone."""
    if principal is None:
        return "Principal" not in statement and "NotPrincipal" not in statement
    named = statement.get("Principal")
    if named == "*":
        return True
    if not isinstance(named, Mapping):
        return False
    return any(value in (listed := _as_list(named.get(kind, []))) or "*" in listed for kind, value in principal.items())


def statement_applies(
    statement: Statement,
    action: str,
    resource: str,
    context: Mapping[str, str],
    *,
    principal: Mapping[str, str] | None = None,
) -> bool:
    """Whether ``statement`` covers the request; NotEvaluable if it would but a condition cannot be evaluated."""
    if not _principal_matches(statement, principal):
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


@dataclass(frozen=True)
class Decision:
    effect: Literal["Allow", "Deny", "Neutral"]  # Neutral: no statement applies (an implicit deny)
    not_evaluable: str | None = None  # what could not be evaluated, when that decided it

    @property
    def allowed(self) -> bool:
        return self.effect == "Allow"


@lru_cache(maxsize=512)
def statements_of(document: str) -> tuple[Statement, ...]:
    """A policy document's statements, parsed once per text."""
    statements = json.loads(document).get("Statement", [])
    return tuple([statements] if isinstance(statements, Mapping) else statements)


def evaluate(
    documents: Iterable[str],
    action: str,
    resource: str,
    context: Mapping[str, str],
    *,
    principal: Mapping[str, str] | None = None,
) -> Decision:
    """AWS's decision for one action on one resource: explicit Deny, else Allow, else Neutral."""
    allowed = False
    for document in documents:
        for statement in statements_of(document):
            try:
                applies = statement_applies(statement, action, resource, context, principal=principal)
            except NotEvaluable as what:
                return Decision("Deny", str(what))
            if applies and statement.get("Effect") == "Deny":
                return Decision("Deny")
            allowed = allowed or (applies and statement.get("Effect") == "Allow")
    return Decision("Allow" if allowed else "Neutral")
