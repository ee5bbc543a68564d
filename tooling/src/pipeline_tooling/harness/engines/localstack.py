"""LocalStack as a target, reached through localstack-client's settings.

localstack-client (the package the project's user named) decides where LocalStack is, as
every LocalStack tool does: ``LOCALSTACK_HOST`` (host:port, default localhost:4566), ``USE_SSL``,
or ``AWS_ENDPOINT_URL`` when set; and it builds the target's boto3 clients (``client``).
The harness runs nothing here: LocalStack needs Docker (``docker compose -f tooling/docker-compose.yml up -d``).
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from localstack_client import config as localstack_config
from localstack_client.session import Session

from ..targets import Target, region
from .health import check_health

REMEDY = (
    "Start it with `docker compose -f tooling/docker-compose.yml up -d` (LocalStack 4.14.0, the last release "
    "without an account), "
    "or point LOCALSTACK_HOST (host:port) and USE_SSL at the one you run."
)


def endpoint() -> str:
    found = localstack_config.get_service_endpoint("s3")
    assert found is not None  # every service maps to the edge endpoint
    return str(found).rstrip("/")


def connect() -> Target:
    url = endpoint()
    health = check_health("LocalStack", url, what_to_do=REMEDY)
    # LocalStack answers plain HTTP on its edge port unless USE_SSL is set.
    plain = url if url.startswith("http:") else None
    return Target("localstack", url, region(), plain_http_endpoint=plain, version=health.get("version"))


def client(target: Target, service: str, config: Config) -> Any:
    """A boto3 client for ``service`` from localstack-client's session (its endpoint, its TLS settings)."""
    session = Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=target.region)
    return session.client(service, config=config)
