"""S3 event notifications to Lambda, as S3 makes and delivers them.

* Asynchronously: PutObject returns at once; the event is queued and the function invoked
  in the background (moto invokes it inside the PUT).
* In S3's shape: key URL-encoded, a per-object sequencer, the event time taken when the
  object was written.
* Only where S3 may invoke the function: like S3, putting a notification configuration
  fails unless the function's resource policy lets s3.amazonaws.com invoke it for this
  bucket and account.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote_plus

from ..iam.policy import evaluate
from .summaries import BucketSummary, ObjectSummary

_sequence = itertools.count(1)
_sequence_lock = threading.Lock()


def _sequencer() -> str:
    with _sequence_lock:
        return f"{next(_sequence):018X}"


def s3_event(event_name: str, bucket: BucketSummary, obj: ObjectSummary, notification_id: str) -> dict[str, Any]:
    """One S3 notification record, as S3 builds it."""
    described: dict[str, Any] = {
        "key": quote_plus(obj.key, safe="/"),
        "size": obj.size,
        "eTag": obj.etag,
        "sequencer": _sequencer(),
    }
    if bucket.versioned and obj.version_id:
        described["versionId"] = obj.version_id
    now = datetime.now(timezone.utc)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": bucket.region,
                "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                "eventName": event_name.removeprefix("s3:"),
                "userIdentity": {"principalId": f"AWS:{bucket.account_id}"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": _sequencer(), "x-amz-id-2": "embedded-engine"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": notification_id,
                    "bucket": {
                        "name": bucket.name,
                        "ownerIdentity": {"principalId": bucket.account_id},
                        "arn": bucket.arn,
                    },
                    "object": described,
                },
            }
        ]
    }


def s3_may_invoke(policy: Mapping[str, Any] | None, function_arn: str, bucket: BucketSummary) -> bool:
    """Whether a function's resource policy lets s3.amazonaws.com invoke it for ``bucket`` and its account."""
    if policy is None:
        return False
    context = {"aws:sourcearn": bucket.arn, "aws:sourceaccount": bucket.account_id}
    decision = evaluate(
        [json.dumps(policy)], "lambda:InvokeFunction", function_arn, context, principal={"Service": "s3.amazonaws.com"}
    )
    return decision.allowed
