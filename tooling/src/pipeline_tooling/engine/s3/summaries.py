"""A bucket and an object as the engine's S3 logic sees them: the few fields it needs, read from moto by the adapter."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BucketSummary:
    name: str
    arn: str
    region: str
    account_id: str
    versioned: bool


@dataclass(frozen=True)
class ObjectSummary:
    key: str
    size: int
    etag: str  # without quotes
    version_id: str | None
