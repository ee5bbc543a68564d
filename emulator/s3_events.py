"""S3 event notifications to Lambda, delivered as S3 delivers them.

* Asynchronously: PutObject returns at once; the event is queued and the
  function invoked in the background (moto invokes it inside the PUT).
* In S3's shape: key URL-encoded, a per-object sequencer, the event time taken
  when the object was written.
* Only where S3 may invoke the function: like S3, putting a notification
  configuration fails unless the function's resource policy lets
  s3.amazonaws.com invoke it for this bucket and account.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote_plus

from moto.awslambda.utils import get_backend
from moto.s3 import models as s3_models
from moto.s3 import notifications
from moto.s3.exceptions import S3ClientError

from .bucket_policy import statement_applies

_sequence = itertools.count(1)
_sequence_lock = threading.Lock()


def _sequencer() -> str:
    with _sequence_lock:
        return f"{next(_sequence):018X}"


def s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    """One S3 notification record, as S3 builds it."""
    obj: dict[str, Any] = {
        "key": quote_plus(key.name, safe="/"),
        "size": key.size,
        "eTag": key.etag.replace('"', ""),
        "sequencer": _sequencer(),
    }
    if getattr(bucket, "is_versioned", False) and getattr(key, "version_id", None):
        obj["versionId"] = key.version_id
    now = datetime.now(timezone.utc)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": bucket.region_name,
                "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                "eventName": event_name.removeprefix("s3:"),
                "userIdentity": {"principalId": f"AWS:{bucket.account_id}"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": _sequencer(), "x-amz-id-2": "emulator"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": notification_id,
                    "bucket": {
                        "name": bucket.name,
                        "ownerIdentity": {"principalId": bucket.account_id},
                        "arn": bucket.arn,
                    },
                    "object": obj,
                },
            }
        ]
    }


def _policy_lets_s3_invoke(policy_json: str, bucket_arn: str, account_id: str) -> bool:
    statements = json.loads(policy_json).get("Statement", [])
    context = {"aws:sourcearn": bucket_arn, "aws:sourceaccount": account_id}
    for statement in statements:
        principal = statement.get("Principal")
        service = principal.get("Service") if isinstance(principal, dict) else None
        if statement.get("Effect") != "Allow" or "s3.amazonaws.com" not in (
            [service] if isinstance(service, str) else service or []
        ):
            continue
        anyone = {**statement, "Principal": "*"}
        if statement_applies(anyone, "lambda:InvokeFunction", statement.get("Resource", "*"), context):
            return True
    return False


def s3_may_invoke(function_arn: str, bucket_arn: str, account_id: str) -> bool:
    region = function_arn.split(":")[3]
    try:
        policy = json.loads(get_backend(account_id, region).get_policy(function_arn))["Policy"]
    except Exception:  # no such function, or no policy at all
        return False
    return _policy_lets_s3_invoke(policy, bucket_arn, account_id)


def install(deliver: Callable[[str, str, str, dict[str, Any]], None]) -> None:
    """Route moto's S3 -> Lambda notifications through ``deliver(account, region, function arn, event)``."""

    def invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        deliver(account_id, region_name, fn_arn, event_body)

    notifications._get_s3_event = s3_event
    notifications._invoke_awslambda = invoke_awslambda

    original = s3_models.FakeBucket.set_notification_configuration

    def set_notification_configuration(self: Any, notification_config: dict[str, Any] | None) -> None:
        previous = self.notification_configuration
        original(self, notification_config)
        if self.notification_configuration is None:
            return
        refused = [
            n.arn
            for n in self.notification_configuration.cloud_function
            if not s3_may_invoke(n.arn, self.arn, self.account_id)
        ]
        if refused:
            self.notification_configuration = previous
            raise S3ClientError(
                "InvalidArgument",
                "Unable to validate the following destination configurations: "
                + ", ".join(f"{arn} (S3 is not allowed to invoke it)" for arn in refused),
            )

    s3_models.FakeBucket.set_notification_configuration = set_notification_configuration  # type: ignore[method-assign]
