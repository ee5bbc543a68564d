"""Every reach into moto's internals, in one adapter: one module per service the engine changes.

The engine serves moto's WSGI app (``moto_app``) and makes its per-request bookkeeping cheap
(``core``), runs Lambda functions itself (``awslambda``), delivers S3 notifications
asynchronously and evaluates bucket policies with the request's transport (``s3``), writes
function output into CloudWatch Logs (``logs``), sends failure records to SQS (``sqs``), gives
a function its role's credentials and reads the role's policies (``iam``), injects faults into
DynamoDB and rejects what DynamoDB rejects and moto accepts (``dynamodb``), and hands its own
errors to moto to answer (``moto_errors``). No other module of the engine imports moto.

Each module declares what it relies on in moto (``dependencies``): the symbols it patches,
wraps, calls or subclasses (``MOTO_SYMBOLS``) and the attributes it reads off moto's objects
(``MOTO_ATTRIBUTES``); tooling/tests/engine/test_moto_contract.py checks every one against the
installed moto. Every change to moto can be undone (``patching.restore_all``).

moto is bounded to the minor range the engine is tested with (``SUPPORTED_MOTO``, the same
bound as tooling/requirements.in); the engine refuses to start on another, saying so.
"""

from __future__ import annotations

from importlib.metadata import version

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from . import awslambda, core, dynamodb, iam, logs, moto_app, moto_errors, s3, sqs
from .dependencies import MotoAttribute, MotoSymbol
from .patching import restore_all

SUPPORTED_MOTO = SpecifierSet(">=5.2,<5.3")

MOTO_SYMBOLS: tuple[MotoSymbol, ...] = (
    *moto_app.MOTO_SYMBOLS,
    *core.MOTO_SYMBOLS,
    *moto_errors.MOTO_SYMBOLS,
    *awslambda.MOTO_SYMBOLS,
    *s3.MOTO_SYMBOLS,
    *dynamodb.MOTO_SYMBOLS,
    *iam.MOTO_SYMBOLS,
    *logs.MOTO_SYMBOLS,
    *sqs.MOTO_SYMBOLS,
)
MOTO_ATTRIBUTES: tuple[MotoAttribute, ...] = (
    *moto_errors.MOTO_ATTRIBUTES,
    *awslambda.MOTO_ATTRIBUTES,
    *s3.MOTO_ATTRIBUTES,
    *dynamodb.MOTO_ATTRIBUTES,
    *iam.MOTO_ATTRIBUTES,
    *logs.MOTO_ATTRIBUTES,
)

__all__ = [
    "MOTO_ATTRIBUTES",
    "MOTO_SYMBOLS",
    "SUPPORTED_MOTO",
    "UnsupportedMoto",
    "check_moto",
    "check_moto_version",
    "install_fixes",
    "restore_all",
]


class UnsupportedMoto(RuntimeError):
    """The installed moto is outside the range the engine was tested with, or lacks what the engine relies on."""


def installed_moto() -> str:
    return version("moto")


def check_moto_version(found: str | None = None) -> str:
    """The installed moto's version, or UnsupportedMoto when the engine was not tested with it."""
    found = found or installed_moto()
    if Version(found) not in SUPPORTED_MOTO:
        raise UnsupportedMoto(
            f"the embedded engine reaches into moto's internals and is tested with moto {SUPPORTED_MOTO} "
            f"(pipeline_tooling/engine/adapter), but moto {found} is installed. Install the pinned requirements "
            "(`make setup`, tooling/requirements.txt), or move the bound in tooling/requirements.in and "
            "pipeline_tooling/engine/adapter after tooling/tests/engine/test_moto_contract.py passes on the new moto."
        )
    return found


def check_moto() -> str:
    """The installed moto's version, checked as the engine starts: in the supported range, and with
    what the adapter assumes of moto's classes; UnsupportedMoto otherwise."""
    found = check_moto_version()
    if not core.backend_dict_is_a_dict():
        raise UnsupportedMoto(
            f"moto {found}: moto.core.base_backend.BackendDict no longer subclasses dict, and the embedded engine "
            "reads an account's backend out of it with dict.__getitem__ (pipeline_tooling/engine/adapter/core.py). "
            "Run tooling/tests/engine/test_moto_contract.py on this moto and adapt the adapter."
        )
    return found


def install_fixes() -> None:
    """Where moto differs from AWS in ways the module's users would notice (each fix checks, as it runs,
    that moto still needs it), and where moto's own bookkeeping made every request slow."""
    core.speed_up_backend_lookup()
    core.remember_action_names()
    s3.drop_extra_put_event_on_multipart_completion()
    s3.url_encode_listed_object_versions()
    dynamodb.reject_empty_string_expression_values()
    awslambda.replace_event_invoke_config_on_put()
    awslambda.answer_logging_config()
