"""IAM for the function: its calls evaluated against its execution role, as AWS evaluates them.

A function's environment runs with temporary credentials of its role (``Sessions.issue``, from
moto's STS). Every request signed with such credentials is evaluated — action and resource ARN
(``requests.py``) against the role's identity policies as they are at that moment, inline and
attached (``adapter.iam``) — and refused in the service's own error shape when AWS would refuse
it. Requests signed with any other credentials (the harness's, a user's) are not evaluated.
The engine's own work on the function's behalf — its log lines, its on-failure records — is
checked the same way (``Authorizer.allows``), because Lambda does it with the role too.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..adapter import iam as moto_iam
from ..credentials import Credentials
from ..errors import access_denied
from ..request_context import current_context, known_principal
from ..wsgi import WsgiApp
from .actions import Call, Unmapped, calls, signer
from .policy import Decision, evaluate

log = logging.getLogger(__name__)


class Sessions:
    """The credentials handed to functions' environments: one session per role and function."""

    def __init__(self) -> None:
        self._by_key: dict[str, Credentials] = {}
        self._by_role: dict[tuple[str, str, str], Credentials] = {}
        self._lock = threading.Lock()

    def issue(self, account_id: str, role_arn: str, function_name: str) -> Credentials:
        with self._lock:
            known = self._by_role.get((account_id, role_arn, function_name))
            if known is not None:
                return known
            session = moto_iam.assume_role(account_id, role_arn, function_name)
            self._by_key[session.access_key_id] = session
            self._by_role[(account_id, role_arn, function_name)] = session
            return session

    def get(self, access_key_id: str) -> Credentials | None:
        with self._lock:
            return self._by_key.get(access_key_id)


@dataclass(frozen=True)
class Refusal:
    action: str
    resource: str
    message: str


class Authorizer:
    """Decides a role's calls from its identity policies; ``enabled=False`` allows everything."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled

    def refusal(self, session: Credentials, call: Call) -> Refusal | None:
        if not self.enabled:
            return None
        documents = moto_iam.role_policies(session.account_id, session.role_arn)
        context = {
            **current_context(),
            "aws:principalarn": session.role_arn,
            "aws:principalaccount": session.account_id,
            "aws:principaltype": "AssumedRole",
        }
        decision = (
            evaluate(documents, call.action, call.resource, context) if documents is not None else Decision("Neutral")
        )
        if decision.allowed:
            return None
        return Refusal(
            call.action, call.resource, _message(session.arn, call, decision, role_exists=documents is not None)
        )

    def allows(self, session: Credentials, action: str, resource: str) -> bool:
        """For the engine's own calls on the function's behalf (logs, destinations)."""
        refused = self.refusal(session, Call(action, resource))
        if refused is not None:
            log.warning("%s", refused.message)
        return refused is None


def _message(principal: str, call: Call, decision: Decision, *, role_exists: bool) -> str:
    base = f"User: {principal} is not authorized to perform: {call.action} on resource: {call.resource}"
    if decision.not_evaluable:
        return f"{base} because the embedded engine cannot evaluate the policy's {decision.not_evaluable}"
    if not role_exists:
        return f"{base} because its role {principal.split('/')[1]} does not exist"
    if decision.effect == "Deny":
        return f"{base} with an explicit deny in an identity-based policy"
    return f"{base} because no identity-based policy allows the {call.action} action"


class IamEnforcer:
    """WSGI middleware in front of moto: refuses what a function's role does not allow."""

    def __init__(self, app: WsgiApp, sessions: Sessions, authorizer: Authorizer) -> None:
        self._app = app
        self._sessions = sessions
        self._authorizer = authorizer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        signed = signer(environ) if self._authorizer.enabled else None
        session = self._sessions.get(signed.access_key_id) if signed else None
        if signed is None or session is None:
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        needed = calls(environ, body, signed, session.account_id)
        if isinstance(needed, Unmapped):
            message = (
                f"User: {session.arn} made a request the embedded engine cannot map to an IAM action and resource "
                f"({needed.why}), so it is refused; run the engine with --no-enforce-iam to allow it"
            )
            log.warning("%s", message)
            return access_denied(signed.service, message, start_response)
        for call in needed:
            refused = self._authorizer.refusal(session, call)
            if refused is not None:
                log.info("refused: %s", refused.message)
                return access_denied(signed.service, refused.message, start_response)
        with known_principal(session.role_arn):
            return list(self._app(environ, start_response))
