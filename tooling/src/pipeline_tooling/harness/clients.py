"""boto3 clients that follow the chosen target: one helper for every engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast, overload

import boto3
from botocore.client import BaseClient
from botocore.config import Config

from .engines import localstack
from .targets import Target

if TYPE_CHECKING:  # the stubs (tooling/requirements.txt) are for the type checker only
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sts import STSClient

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    max_pool_connections=32,
    connect_timeout=10,
    read_timeout=60,
)


# One overload per service of SERVICES (targets.py): each gives its stub's client type.
@overload
def client(target: Target, service: Literal["s3"], *, endpoint: str | None = None, attempts: int = 5) -> S3Client: ...


@overload
def client(
    target: Target, service: Literal["dynamodb"], *, endpoint: str | None = None, attempts: int = 5
) -> DynamoDBClient: ...


@overload
def client(
    target: Target, service: Literal["lambda"], *, endpoint: str | None = None, attempts: int = 5
) -> LambdaClient: ...


@overload
def client(target: Target, service: Literal["iam"], *, endpoint: str | None = None, attempts: int = 5) -> IAMClient: ...


@overload
def client(target: Target, service: Literal["sts"], *, endpoint: str | None = None, attempts: int = 5) -> STSClient: ...


@overload
def client(
    target: Target, service: Literal["logs"], *, endpoint: str | None = None, attempts: int = 5
) -> CloudWatchLogsClient: ...


@overload
def client(target: Target, service: Literal["sqs"], *, endpoint: str | None = None, attempts: int = 5) -> SQSClient: ...


@overload
def client(target: Target, service: Literal["kms"], *, endpoint: str | None = None, attempts: int = 5) -> KMSClient: ...


@overload
def client(
    target: Target, service: Literal["cloudwatch"], *, endpoint: str | None = None, attempts: int = 5
) -> CloudWatchClient: ...


@overload
def client(target: Target, service: Literal["sns"], *, endpoint: str | None = None, attempts: int = 5) -> SNSClient: ...


def client(target: Target, service: str, *, endpoint: str | None = None, attempts: int = 5) -> BaseClient:
    """A client for ``service`` on ``target`` (or on ``endpoint`` of the same engine).

    ``attempts``: botocore's retries included (1: none, to see a throttle as it comes).
    """
    config = _CONFIG.merge(Config(retries={"mode": "standard", "max_attempts": attempts}))
    if service == "s3" and target.emulated:
        config = config.merge(Config(s3={"addressing_style": "path"}))
    if target.name == "localstack" and endpoint in (None, target.endpoint):
        made = localstack.client(target, service, config)
    else:
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
        made = factory(service, **kwargs)
    # The one untyped boundary: boto3 makes the client's class from the service's name at run time; the overloads
    # above say which stub class that is for each name.
    return cast(BaseClient, made)


@dataclass(frozen=True)
class Clients:
    """The clients the checks use, all on one target: one per service of ``SERVICES``, by the field of its name
    (``lambda_`` for lambda; tests/harness/test_targets.py keeps the two equal)."""

    s3: S3Client
    dynamodb: DynamoDBClient
    logs: CloudWatchLogsClient
    lambda_: LambdaClient
    iam: IAMClient
    sts: STSClient
    sqs: SQSClient
    kms: KMSClient
    cloudwatch: CloudWatchClient
    sns: SNSClient

    @classmethod
    def for_target(cls, target: Target) -> Clients:
        """A client for each of the services, on ``target``."""
        return cls(
            s3=client(target, "s3"),
            dynamodb=client(target, "dynamodb"),
            logs=client(target, "logs"),
            lambda_=client(target, "lambda"),
            iam=client(target, "iam"),
            sts=client(target, "sts"),
            sqs=client(target, "sqs"),
            kms=client(target, "kms"),
            cloudwatch=client(target, "cloudwatch"),
            sns=client(target, "sns"),
        )
