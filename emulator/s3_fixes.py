"""Where moto's S3 differs from S3 in ways the module's users would notice.

* CompleteMultipartUpload: moto notifies ``ObjectCreated:Put`` and then
  ``ObjectCreated:CompleteMultipartUpload``; S3 sends only the latter.
* ListObjectVersions with ``encoding-type=url``: moto returns keys unencoded.
  The Terraform AWS provider asks for URL-encoded keys when it empties a
  bucket (force_destroy) and decodes them, so a key holding ``+`` or ``%20``
  came back as another key, could never be deleted, and destroy never ended.
"""

from __future__ import annotations

import threading
import urllib.parse
from typing import Any

from moto.core.responses import ActionResult
from moto.s3 import notifications
from moto.s3.models import S3Backend
from moto.s3.responses import S3Response

_completing = threading.local()


def _quote(value: Any) -> Any:
    return urllib.parse.quote(value) if isinstance(value, str) else value


def _url_encoded(result: dict[str, Any]) -> dict[str, Any]:
    encoded = {
        k: (_quote(v) if k in ("Prefix", "KeyMarker", "NextKeyMarker", "Delimiter") else v) for k, v in result.items()
    }
    for listing in ("Versions", "DeleteMarkers"):
        encoded[listing] = [{**entry, "Key": _quote(entry["Key"])} for entry in result.get(listing, [])]
    if "CommonPrefixes" in result:
        encoded["CommonPrefixes"] = [{"Prefix": _quote(p["Prefix"])} for p in result["CommonPrefixes"]]
    encoded["EncodingType"] = "url"
    return encoded


def install() -> None:
    original_send = notifications.send_event
    original_complete = S3Backend.complete_multipart_upload
    original_list_versions = S3Response.list_object_versions

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        if (
            getattr(_completing, "active", False)
            and event_name == notifications.S3NotificationEvent.OBJECT_CREATED_PUT_EVENT
        ):
            return
        original_send(account_id, event_name, bucket, key)

    def complete_multipart_upload(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        _completing.active = True
        try:
            return original_complete(self, *args, **kwargs)
        finally:
            _completing.active = False

    def list_object_versions(self: S3Response) -> Any:
        if self.querystring.get("encoding-type", [None])[0] != "url":
            return original_list_versions(self)
        serialize = self.serialized

        def serialized(action: ActionResult) -> Any:
            assert isinstance(action.result, dict)
            return serialize(ActionResult(_url_encoded(action.result)))

        object.__setattr__(self, "serialized", serialized)  # for this one response only
        try:
            return original_list_versions(self)
        finally:
            object.__delattr__(self, "serialized")

    notifications.send_event = send_event
    S3Backend.complete_multipart_upload = complete_multipart_upload  # type: ignore[method-assign]
    S3Response.list_object_versions = list_object_versions  # type: ignore[method-assign]
