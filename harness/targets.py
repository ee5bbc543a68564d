"""Where the suite deploys: chosen by E2E_TARGET.

* ``embedded`` (default): the embedded emulator, started for the session.
* ``localstack``: a running LocalStack at LOCALSTACK_ENDPOINT (default
  http://localhost:4566), health-checked first.
* ``aws``: real AWS with the ambient credentials and region.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass


class TargetError(RuntimeError):
    """The chosen target cannot be used; the message says why and what to do."""


# Services the stack and the checks talk to; each gets the target's endpoint.
SERVICES = ("s3", "dynamodb", "lambda", "iam", "sts", "logs", "sqs", "kms")


@dataclass(frozen=True)
class Target:
    name: str
    endpoint: str | None  # None: AWS's own endpoints
    region: str
    ca_bundle: str | None = None  # trust this CA instead of the system's
    plain_http_endpoint: str | None = None  # the same engine without TLS, if it has one
    enforces_bucket_policies: bool = True  # LocalStack's community edition does not
    emulator_control: str | None = None  # the embedded emulator's /_emulator/ API (fault injection)

    @property
    def emulated(self) -> bool:
        return self.endpoint is not None


def chosen() -> str:
    name = os.environ.get("E2E_TARGET", "embedded").strip().lower() or "embedded"
    if name not in ("embedded", "localstack", "aws"):
        raise TargetError(f"E2E_TARGET must be embedded, localstack or aws, not {name!r}")
    return name


def localstack() -> Target:
    endpoint = os.environ.get("LOCALSTACK_ENDPOINT", "http://localhost:4566").rstrip("/")
    health_url = f"{endpoint}/_localstack/health"
    try:
        with urllib.request.urlopen(health_url, timeout=5) as response:
            health = json.load(response)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise TargetError(
            f"LocalStack is not reachable at {endpoint} ({error}). Start it with `docker compose up -d` "
            "or set LOCALSTACK_ENDPOINT."
        ) from error
    services = health.get("services", {})
    needed = ("s3", "dynamodb", "lambda", "iam", "sts", "logs", "sqs")
    missing = [s for s in needed if services.get(s) not in ("available", "running")]
    if missing:
        raise TargetError(f"LocalStack at {endpoint} does not offer {', '.join(missing)}: {services}")
    region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    plain = endpoint if endpoint.startswith("http:") else None
    return Target("localstack", endpoint, region, plain_http_endpoint=plain, enforces_bucket_policies=False)


def aws() -> Target:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise TargetError("E2E_TARGET=aws needs AWS_REGION (or AWS_DEFAULT_REGION) and credentials in the environment")
    # S3 still answers plain HTTP, which is what the TLS-only policy is there to refuse.
    return Target("aws", None, region, plain_http_endpoint=f"http://s3.{region}.amazonaws.com")
