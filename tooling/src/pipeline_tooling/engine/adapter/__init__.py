"""Every reach into moto's internals, in one adapter: one module per service the engine changes.

The engine serves moto's WSGI app (``server``) and makes its per-request bookkeeping cheap
(``core``), runs Lambda functions itself (``awslambda``), delivers S3 notifications
asynchronously and evaluates bucket policies with the request's transport (``s3``), writes
function output into CloudWatch Logs (``logs``), sends failure records to SQS (``sqs``), gives
a function its role's credentials and reads the role's policies (``iam``),
injects faults into DynamoDB and mends where moto is laxer than AWS (``dynamodb``). No other
module of the engine imports moto. Each module lists the private symbols it uses as ``SEAMS``;
tooling/tests/engine/test_moto_contract.py checks every one against the installed moto.

moto is bounded to the minor range the engine is tested with (``SUPPORTED_MOTO``, the same
bound as tooling/requirements.in); the engine refuses to start on another, saying so.
"""

from __future__ import annotations

from importlib.metadata import version

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from . import awslambda, core, dynamodb, iam, logs, s3, server, sqs
from .seams import Seam, restore_all

SUPPORTED_MOTO = SpecifierSet(">=5.2,<5.3")

SEAMS: tuple[Seam, ...] = (
    *server.SEAMS,
    *core.SEAMS,
    *awslambda.SEAMS,
    *s3.SEAMS,
    *dynamodb.SEAMS,
    *iam.SEAMS,
    *logs.SEAMS,
    *sqs.SEAMS,
)

__all__ = ["SEAMS", "SUPPORTED_MOTO", "MotoVersionError", "check_moto_version", "install_mends", "restore_all"]


class MotoVersionError(RuntimeError):
    """The installed moto is outside the range the engine was tested with."""


def installed_moto() -> str:
    return version("moto")


def check_moto_version(found: str | None = None) -> str:
    """The installed moto's version, or MotoVersionError when the engine was not tested with it."""
    found = found or installed_moto()
    if Version(found) not in SUPPORTED_MOTO:
        raise MotoVersionError(
            f"the embedded engine reaches into moto's internals and is tested with moto {SUPPORTED_MOTO} "
            f"(pipeline_tooling/engine/adapter), but moto {found} is installed. Install the pinned requirements "
            "(`make setup`, tooling/requirements.txt), or move the bound in tooling/requirements.in and "
            "pipeline_tooling/engine/adapter after tooling/tests/engine/test_moto_contract.py passes on the new moto."
        )
    return found


def install_mends() -> None:
    """Where moto differs from AWS in ways the module's users would notice (each checks it is still needed),
    and where moto's own bookkeeping made every request slow."""
    core.speed_up_backend_lookup()
    core.remember_action_names()
    s3.mend_multipart_completion_events()
    s3.mend_list_object_versions_encoding()
    dynamodb.mend_empty_string_expression_values()
    awslambda.mend_event_invoke_config_replacement()
    awslambda.answer_logging_config()
