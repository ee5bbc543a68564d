"""Bucket policies evaluated with the request's real context.

moto treats a statement whose condition it cannot evaluate as a match, so a policy that denies
``aws:SecureTransport = false`` denies every request. Here a bucket's policy goes through the
engine's evaluator (``pipeline_tooling/engine/iam/policy.py``) with what is known of the request: whether it came
over TLS (the scheme of the listener that took it), its source address and, for a function's own
credentials, its principal. A statement naming another principal does not apply to the harness's
requests (whose principal the engine does not know), as in moto.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ..iam.policy import evaluate as evaluate_policy

log = logging.getLogger(__name__)

UNKNOWN_CALLER = "arn:aws:iam::000000000000:user/unknown-caller"


def evaluate(policy_json: str, action: str, resource: str, context: Mapping[str, str]) -> str:
    """'DENIED', 'PERMITTED' or 'NEUTRAL' (no statement applies), as S3 combines them."""
    principal = {"AWS": context.get("aws:principalarn", UNKNOWN_CALLER)}
    decision = evaluate_policy([policy_json], action, resource, context, principal=principal)
    if decision.not_evaluable:
        log.warning("bucket policy: %s cannot be evaluated; %s on %s denied", decision.not_evaluable, action, resource)
    return {"Allow": "PERMITTED", "Deny": "DENIED", "Neutral": "NEUTRAL"}[decision.effect]
