"""Builders for S3 notification events as S3 sends them (keys percent-encoded)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus


def s3_record(
    key: str,
    *,
    bucket: str = "lambda-trigger-bucket-test-123456789012",
    event_name: str = "ObjectCreated:Put",
    event_time: str = "2026-11-25T10:00:00.123Z",
    size: int | None = 42,
    etag: str | None = "d41d8cd98f00b204e9800998ecf8427e",
    sequencer: str | None = "0065A1B2C3D4E5F601",
) -> dict[str, Any]:
    """One record; ``key`` is the real key, encoded here the way S3 encodes it."""
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/")}
    if size is not None:
        obj["size"] = size
    if etag is not None:
        obj["eTag"] = etag
    if sequencer is not None:
        obj["sequencer"] = sequencer
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": event_time,
        "eventName": event_name,
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"}, "object": obj},
    }


def s3_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}
