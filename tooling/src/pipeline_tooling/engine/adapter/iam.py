"""moto's IAM and STS: a role's policy documents, and temporary credentials for a function's role."""

from __future__ import annotations

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from ..credentials import Credentials
from .dependencies import MotoAttribute, MotoSymbol

MOTO_SYMBOLS = (
    MotoSymbol("moto.iam.models.iam_backends", "called", None, "reach an account's roles"),
    MotoSymbol("moto.iam.models.IAMBackend.get_role_by_arn", "called", ("self", "arn"), "find a function's role"),
    MotoSymbol("moto.sts.models.sts_backends", "called", None, "reach an account's STS"),
    MotoSymbol(
        "moto.sts.models.STSBackend.assume_role",
        "called",
        ("self", "region_name", "role_session_name", "role_arn", "policy", "duration", "external_id"),
        "credentials of the function's execution role, as Lambda gets them",
    ),
)

_ASSUMED, _ROLE = "moto.sts.models.AssumedRole", "moto.iam.models.Role"
_POLICY, _VERSION = "moto.iam.models.ManagedPolicy", "moto.iam.models.PolicyVersion"

MOTO_ATTRIBUTES = (
    MotoAttribute(_ASSUMED, "access_key_id", str, "the function's credentials"),
    MotoAttribute(_ASSUMED, "secret_access_key", str, "the function's credentials"),
    MotoAttribute(_ASSUMED, "session_token", str, "the function's credentials"),
    MotoAttribute(_ASSUMED, "arn", str, "the assumed-role ARN a refusal names"),
    MotoAttribute(_ASSUMED, "account_id", str, "the account the credentials act in"),
    MotoAttribute(_ROLE, "policies", dict, "the role's inline policy documents, by name"),
    MotoAttribute(_ROLE, "managed_policies", dict, "the policies attached to the role, by ARN"),
    MotoAttribute(_POLICY, "versions", list, "an attached policy's versions"),
    MotoAttribute(_POLICY, "default_version_id", str, "the version of an attached policy that is in force"),
    MotoAttribute(_VERSION, "version_id", str, "find the default version"),
    MotoAttribute(_VERSION, "document", str, "the policy document of a version"),
)


def assume_role(account_id: str, role_arn: str, session_name: str, partition: str = "aws") -> Credentials:
    """Credentials for ``role_arn`` from moto's STS, which then knows them (GetCallerIdentity answers with the role)."""
    assumed = sts_backends[account_id][partition].assume_role(
        region_name="us-east-1",
        role_session_name=session_name,
        role_arn=role_arn,
        policy="",
        duration=43200,
        external_id="",
    )
    return Credentials(
        assumed.access_key_id,
        assumed.secret_access_key,
        assumed.session_token,
        assumed.arn,
        role_arn,
        assumed.account_id,
    )


def role_policies(account_id: str, role_arn: str, partition: str = "aws") -> list[str] | None:
    """The role's identity policies as they are now: inline ones, then the default version of each
    attached one (AWS managed policies included); None when there is no such role."""
    try:
        role = iam_backends[account_id][partition].get_role_by_arn(role_arn)
    except Exception:  # moto's NotFoundException
        return None
    documents = [str(document) for document in role.policies.values()]
    for policy in role.managed_policies.values():
        documents += [str(v.document) for v in policy.versions if v.version_id == policy.default_version_id]
    return documents
