"""boto3 clients that follow the chosen target: one helper for every engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from .engines import localstack
from .targets import SERVICES, Target

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    max_pool_connections=32,
    connect_timeout=10,
    read_timeout=60,
)


def client(target: Target, service: str, *, endpoint: str | None = None, attempts: int = 5) -> Any:
    """A client for ``service`` on ``target`` (or on ``endpoint`` of the same engine).

    ``attempts``: botocore's retries included (1: none, to see a throttle as it comes).
    """
    config = _CONFIG.merge(Config(retries={"mode": "standard", "max_attempts": attempts}))
    if service == "s3" and target.emulated:
        config = config.merge(Config(s3={"addressing_style": "path"}))
    if target.name == "localstack" and endpoint in (None, target.endpoint):
        return localstack.client(target, service, config)
    kwargs: dict[str, Any] = {"region_name": target.region, "config": config}
    if target.emulated:
        kwargs.update(
            endpoint_url=endpoint or target.endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        if target.ca_bundle:
            kwargs["verify"] = target.ca_bundle
    factory: Any = boto3.client  # the service is a run-time string, outside the stubs' overloads
    return factory(service, **kwargs)


@dataclass(frozen=True)
class Clients:
    """The clients the checks use, all on one target."""

    s3: Any
    dynamodb: Any
    logs: Any
    lambda_: Any
    iam: Any
    sts: Any
    sqs: Any
    kms: Any
    cloudwatch: Any
    sns: Any

    @classmethod
    def for_target(cls, target: Target) -> Clients:
        """A client for each of the services (``SERVICES``), by the field of its name (``lambda_`` for lambda)."""
        return cls(**{f"{s}_" if s == "lambda" else s: client(target, s) for s in SERVICES})
