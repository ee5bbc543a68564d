"""Where the suite deploys: one ``Target`` per engine, chosen by E2E_TARGET.

* ``embedded`` (default): the embedded engine (``pipeline_tooling/engine/``), started for the session.
* ``ministack``: MiniStack, started from its own venv for the session, or the one
  MINISTACK_ENDPOINT points at.
* ``localstack``: a running LocalStack (LOCALSTACK_ENDPOINT, else localstack-client's
  LOCALSTACK_HOST / USE_SSL settings), health-checked first.
* ``aws``: real AWS with the ambient credentials and region.

How each is started or reached lives in ``pipeline_tooling/harness/engines``; what each can do, in
``pipeline_tooling/harness/capabilities.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

ENGINES = ("embedded", "ministack", "localstack", "aws")
TITLES = {"embedded": "embedded", "ministack": "MiniStack", "localstack": "LocalStack", "aws": "AWS"}

# Services the stack and the checks talk to; each gets the target's endpoint.
SERVICES = ("s3", "dynamodb", "lambda", "iam", "sts", "logs", "sqs", "kms", "cloudwatch", "sns")


class TargetError(RuntimeError):
    """The chosen target cannot be used; the message names it, says what was tried and what to do."""


@dataclass(frozen=True)
class Target:
    name: str  # one of ENGINES
    endpoint: str | None  # None: AWS's own endpoints
    region: str
    ca_bundle: str | None = None  # trust this CA instead of the system's
    plain_http_endpoint: str | None = None  # the same engine without TLS, if it has one
    engine_control: str | None = None  # the embedded engine's /_engine/ API (faults, stats)
    version: str | None = None  # the engine's own version, where it reports one
    started_in_s: float | None = None  # from process start to its first answer, when the harness started it

    @property
    def emulated(self) -> bool:
        return self.endpoint is not None

    @property
    def label(self) -> str:
        """The engine and its version, for messages: ``MiniStack 1.5.33``."""
        return f"{TITLES[self.name]} {self.version}" if self.version else TITLES[self.name]


def chosen(environ: dict[str, str] | None = None) -> str:
    """The engine E2E_TARGET names (embedded when unset)."""
    env = os.environ if environ is None else environ
    raw = env.get("E2E_TARGET", "")
    name = raw.strip().lower() or "embedded"
    if name not in ENGINES:
        raise TargetError(
            f"E2E_TARGET={raw!r} is not an engine this suite knows. Choose one of {', '.join(ENGINES)} "
            "(unset means embedded); see the README's section on engines."
        )
    return name


def named_region(environ: dict[str, str] | None = None) -> str | None:
    """The region the environment names (AWS_REGION, else AWS_DEFAULT_REGION, as the SDKs read them), if any."""
    env = os.environ if environ is None else environ
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None


def region(environ: dict[str, str] | None = None, default: str = "us-east-1") -> str:
    """The region to deploy to: the one the environment names, else ``default``."""
    return named_region(environ) or default
