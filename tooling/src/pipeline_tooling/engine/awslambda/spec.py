"""What the engine knows of a function: read fresh from moto at every invocation (adapter.awslambda)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class FunctionSpec:
    """What an execution environment needs to know of a function."""

    name: str
    arn: str
    account_id: str
    region: str
    handler: str
    runtime: str
    timeout_s: float
    memory_mb: int
    code: bytes = field(repr=False)
    code_sha256: str
    role: str = ""
    environment: dict[str, str] = field(default_factory=dict)
    log_group: str = ""
    reserved_concurrency: int | None = None  # None: unreserved
    log_format: str = "Text"  # Lambda's LoggingConfig: Text or JSON, levels only with JSON
    application_log_level: str | None = None
    system_log_level: str | None = None

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever the code or anything a running environment baked in changes."""
        baked = [
            self.handler,
            self.runtime,
            self.timeout_s,
            self.memory_mb,
            self.code_sha256,
            self.role,
            self.log_format,
            self.application_log_level,
        ]
        blob = json.dumps([baked, sorted(self.environment.items())]).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @property
    def key(self) -> tuple[str, str]:
        """Warm environments are kept per function and fingerprint, as Lambda keeps them per version of both."""
        return (self.arn, self.fingerprint)


@dataclass(frozen=True)
class AsyncConfig:
    """The function's event invoke config, as it is now."""

    maximum_retry_attempts: int = 2
    maximum_event_age_s: float = 21600.0
    on_failure: str | None = None  # destination ARN
