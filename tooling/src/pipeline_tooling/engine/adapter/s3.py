"""moto's S3: notifications to Lambda, bucket policy evaluation, and two fixes where moto differs from S3.

The fixes (each checks, as it runs, whether moto still needs it, so it cannot apply twice):

* CompleteMultipartUpload: moto notifies ``ObjectCreated:Put`` and then
  ``ObjectCreated:CompleteMultipartUpload``; S3 sends only the latter, so the Put is dropped.
* ListObjectVersions with ``encoding-type=url``: moto returns keys unencoded, so the engine
  encodes them. The AWS provider asks for URL-encoded keys when it empties a bucket
  (force_destroy) and decodes them, so a key holding ``+`` or ``%20`` came back as another key,
  was never deleted, and destroy never ended.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.iam.access_control import PermissionResult
from moto.s3 import notifications
from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeBucket, NotificationConfiguration, S3Backend, s3_backends
from moto.s3.responses import S3Response

from ..s3.summaries import BucketSummary, ObjectSummary
from .dependencies import MotoAttribute, MotoSymbol
from .patching import replace

MOTO_SYMBOLS = (
    MotoSymbol(
        "moto.s3.notifications._invoke_awslambda",
        "patched",
        ("account_id", "event_body", "fn_arn", "region_name"),
        "deliver S3's notifications to Lambda asynchronously, as S3 does (moto invokes inside the PUT)",
    ),
    MotoSymbol(
        "moto.s3.notifications._get_s3_event",
        "patched",
        ("event_name", "bucket", "key", "notification_id"),
        "build the event as S3 does (sequencer, principal, version id)",
    ),
    MotoSymbol(
        "moto.s3.notifications.send_event",
        "wrapped",
        ("account_id", "event_name", "bucket", "key"),
        "drop the extra Put event moto sends while completing a multipart upload",
    ),
    MotoSymbol(
        "moto.s3.notifications.S3NotificationEvent.OBJECT_CREATED_PUT_EVENT",
        "called",
        None,
        "recognise the extra Put event",
    ),
    MotoSymbol(
        "moto.s3.models.S3Backend.complete_multipart_upload",
        "wrapped",
        ("self", "bucket_name", "multipart_id", "body"),
        "know when a multipart upload is being completed",
    ),
    MotoSymbol(
        "moto.s3.models.FakeBucket.get_permission",
        "patched",
        ("self", "action", "resource"),
        "evaluate bucket policies with the request's real transport (aws:SecureTransport)",
    ),
    MotoSymbol(
        "moto.s3.models.FakeBucket.set_notification_configuration",
        "wrapped",
        ("self", "notification_config"),
        "refuse a notification S3 may not invoke, as S3 does",
    ),
    MotoSymbol(
        "moto.s3.responses.S3Response.list_object_versions",
        "wrapped",
        ("self",),
        "URL-encode the keys when encoding-type=url is asked for",
    ),
    MotoSymbol(
        "moto.s3.responses.S3Response.serialized", "called", ("self", "action_result"), "see the listing's result"
    ),
    MotoSymbol("moto.core.responses.ActionResult", "called", ("result",), "hand the encoded listing back"),
    MotoSymbol("moto.iam.access_control.PermissionResult", "called", None, "answer a bucket policy decision"),
    MotoSymbol("moto.s3.models.s3_backends", "called", None, "reach a bucket, for its policy"),
    MotoSymbol("moto.s3.models.s3_backends.bucket_accounts", "called", None, "the account that owns a bucket"),
    MotoSymbol("moto.s3.models.S3Backend.get_bucket", "called", ("self", "bucket_name"), "find a bucket by name"),
    MotoSymbol("moto.s3.exceptions.S3ClientError", "called", None, "refuse with S3's error shape"),
)


_BUCKET, _KEY = "moto.s3.models.FakeBucket", "moto.s3.models.FakeKey"

MOTO_ATTRIBUTES = (
    MotoAttribute(_BUCKET, "name", str, "summarise the bucket"),
    MotoAttribute(_BUCKET, "arn", str, "summarise the bucket"),
    MotoAttribute(_BUCKET, "region_name", str, "summarise the bucket"),
    MotoAttribute(_BUCKET, "account_id", str, "summarise the bucket"),
    MotoAttribute(_BUCKET, "is_versioned", bool, "summarise the bucket"),
    MotoAttribute(_BUCKET, "policy", (bytes, type(None)), "the bucket policy to evaluate (decoded from bytes)"),
    MotoAttribute(
        _BUCKET,
        "notification_configuration",
        (NotificationConfiguration, type(None)),
        "see the configuration just put; put the previous one back when S3 would refuse it",
    ),
    MotoAttribute(
        "moto.s3.models.NotificationConfiguration", "cloud_function", list, "the configuration's Lambda targets"
    ),
    MotoAttribute("moto.s3.models.Notification", "arn", str, "the function a Lambda target names"),
    MotoAttribute(_KEY, "name", str, "summarise the object"),
    MotoAttribute(_KEY, "size", int, "summarise the object"),
    MotoAttribute(_KEY, "etag", str, "summarise the object"),
    MotoAttribute(_KEY, "version_id", (str, type(None)), "summarise the object"),
    MotoAttribute("moto.s3.responses.S3Response", "querystring", dict, "see whether encoding-type=url is asked for"),
    MotoAttribute("moto.core.responses.ActionResult", "result", dict, "the listing moto is about to serialise"),
)


def _bucket(bucket: Any) -> BucketSummary:
    return BucketSummary(bucket.name, bucket.arn, bucket.region_name, bucket.account_id, bucket.is_versioned)


def _object(key: Any) -> ObjectSummary:
    return ObjectSummary(key.name, key.size, key.etag.replace('"', ""), getattr(key, "version_id", None))


def route_lambda_notifications(
    make_event: Callable[[str, BucketSummary, ObjectSummary, str], dict[str, Any]],
    deliver: Callable[[str, str, str, dict[str, Any]], None],
) -> None:
    """S3 -> Lambda notifications: built by ``make_event(event name, bucket, object, notification id)``,
    handed to ``deliver(account, region, function arn, event)`` instead of being invoked inside the PUT."""

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        name = str(getattr(event_name, "value", event_name))  # moto passes its str-valued enum
        return make_event(name, _bucket(bucket), _object(key), notification_id)

    def invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        deliver(account_id, region_name, fn_arn, event_body)

    replace(notifications, "_get_s3_event", get_s3_event)
    replace(notifications, "_invoke_awslambda", invoke_awslambda)


def evaluate_bucket_policies(evaluate: Callable[[str, str, str], str]) -> None:
    """Bucket policies decided by ``evaluate(policy json, action, resource)`` -> DENIED / PERMITTED / NEUTRAL."""

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        return PermissionResult[evaluate(self.policy.decode(), action, resource)]

    replace(FakeBucket, "get_permission", get_permission)


def guard_notification_configuration(refused: Callable[[BucketSummary, list[str]], list[str]]) -> None:
    """Putting a notification configuration fails, as in S3, for the function ARNs ``refused`` returns."""
    original = FakeBucket.set_notification_configuration

    def set_notification_configuration(self: FakeBucket, notification_config: dict[str, Any] | None) -> None:
        previous = self.notification_configuration
        original(self, notification_config)
        if self.notification_configuration is None:
            return
        arns = [n.arn for n in self.notification_configuration.cloud_function]
        refusals = refused(_bucket(self), arns)
        if refusals:
            self.notification_configuration = previous
            raise S3ClientError(
                "InvalidArgument",
                "Unable to validate the following destination configurations: "
                + ", ".join(f"{arn} (S3 is not allowed to invoke it)" for arn in refusals),
            )

    replace(FakeBucket, "set_notification_configuration", set_notification_configuration)


_completing = threading.local()


def drop_extra_put_event_on_multipart_completion() -> None:
    """Only ``ObjectCreated:CompleteMultipartUpload`` for a completed upload, as in S3 (moto also sends a Put)."""
    send = notifications.send_event
    complete = S3Backend.complete_multipart_upload
    put_event = notifications.S3NotificationEvent.OBJECT_CREATED_PUT_EVENT

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        # A Put while completing is moto's extra event; once moto stops sending it, nothing is dropped.
        if getattr(_completing, "active", False) and event_name == put_event:
            return
        send(account_id, event_name, bucket, key)

    def complete_multipart_upload(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        _completing.active = True
        try:
            return complete(self, *args, **kwargs)
        finally:
            _completing.active = False

    replace(notifications, "send_event", send_event)
    replace(S3Backend, "complete_multipart_upload", complete_multipart_upload)


def _quote(value: Any) -> Any:
    return urllib.parse.quote(value) if isinstance(value, str) else value


def url_encoded_listing(result: dict[str, Any]) -> dict[str, Any]:
    """A ListObjectVersions result with its keys and prefixes URL-encoded, as S3 returns it for encoding-type=url."""
    if result.get("EncodingType") == "url":  # moto encoded it itself: nothing to fix
        return result
    encoded = {
        k: (_quote(v) if k in ("Prefix", "KeyMarker", "NextKeyMarker", "Delimiter") else v) for k, v in result.items()
    }
    for listing in ("Versions", "DeleteMarkers"):
        encoded[listing] = [{**entry, "Key": _quote(entry["Key"])} for entry in result.get(listing, [])]
    if "CommonPrefixes" in result:
        encoded["CommonPrefixes"] = [{"Prefix": _quote(p["Prefix"])} for p in result["CommonPrefixes"]]
    encoded["EncodingType"] = "url"
    return encoded


def url_encode_listed_object_versions() -> None:
    """encoding-type=url on ListObjectVersions gives URL-encoded keys, as in S3."""
    original = S3Response.list_object_versions

    def list_object_versions(self: S3Response) -> Any:
        if self.querystring.get("encoding-type", [None])[0] != "url":
            return original(self)
        serialize = self.serialized

        def serialized(action: ActionResult) -> Any:
            assert isinstance(action.result, dict)
            return serialize(ActionResult(url_encoded_listing(action.result)))

        object.__setattr__(self, "serialized", serialized)  # for this one response only
        try:
            return original(self)
        finally:
            object.__delattr__(self, "serialized")

    replace(S3Response, "list_object_versions", list_object_versions)


def bucket_policy(bucket_name: str) -> str | None:
    """The bucket's policy document, or None (no policy, or no such bucket)."""
    owner = s3_backends.bucket_accounts.get(bucket_name)
    if owner is None:
        return None
    partition, account_id = owner
    try:
        bucket = s3_backends[account_id][partition].get_bucket(bucket_name)
    except S3ClientError:
        return None
    policy = bucket.policy
    return policy.decode() if isinstance(policy, bytes) else policy
