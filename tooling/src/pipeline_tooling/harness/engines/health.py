"""LocalStack's health endpoint, which MiniStack serves too: is the engine up, and does it offer our services?"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

from ..targets import TargetError

HEALTH_PATH = "/_localstack/health"
# What the stack and the checks use; an engine without one of them cannot run the suite.
NEEDED_SERVICES = ("s3", "dynamodb", "lambda", "iam", "sts", "logs", "sqs")
_READY = ("available", "running")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def fetch_health(endpoint: str, *, timeout: float = 5) -> dict[str, Any]:
    """The health document; raises OSError/ValueError when the engine does not answer with one."""
    with urllib.request.urlopen(f"{endpoint}{HEALTH_PATH}", timeout=timeout) as response:
        health: dict[str, Any] = json.load(response)
    return health


def check_health(title: str, endpoint: str, *, what_to_do: str) -> dict[str, Any]:
    """The health document of a running engine, or TargetError naming the engine, the URL tried and the remedy."""
    url = f"{endpoint}{HEALTH_PATH}"
    try:
        health = fetch_health(endpoint)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise TargetError(f"{title} does not answer at {url} ({error}). {what_to_do}") from error
    services = health.get("services", {})
    missing = [s for s in NEEDED_SERVICES if services.get(s) not in _READY]
    if missing:
        offered = ", ".join(f"{s}={services.get(s, 'absent')}" for s in missing)
        raise TargetError(
            f"{title} at {endpoint} does not offer every service the stack needs: {offered}. "
            f"Enable {', '.join(missing)} (for LocalStack: the SERVICES setting)."
        )
    return health
