"""What the engine's S3 logic knows of a bucket and an object (read from moto by the adapter)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BucketFacts:
    name: str
    arn: str
    region: str
    account_id: str
    versioned: bool


@dataclass(frozen=True)
class ObjectFacts:
    key: str
    size: int
    etag: str  # without quotes
    version_id: str | None
