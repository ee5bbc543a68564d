"""The credentials an execution environment runs with: its function's role, assumed through STS."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    """Temporary credentials for a role, as STS issues them."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    arn: str  # arn:aws:sts::<account>:assumed-role/<role>/<session>
    role_arn: str
    account_id: str
