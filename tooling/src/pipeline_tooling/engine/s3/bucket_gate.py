"""Bucket policies on bucket-level requests too (ListObjects, GetBucketPolicy, ...), not only on objects.

moto consults a bucket's policy for object requests only; S3 evaluates it for every request on
the bucket, so a TLS-only policy refuses a plain-HTTP ListObjects as it refuses a plain-HTTP
GetObject. This gate, in front of moto, evaluates the policy for the requests moto leaves out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from ..adapter import s3 as moto_s3
from ..errors import access_denied
from ..iam.actions import Unmapped, s3_calls, signer
from ..request_context import current_context
from ..wsgi import WsgiApp
from .bucket_policy import evaluate


class BucketPolicyGate:
    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        signed = signer(environ)
        path = str(environ.get("PATH_INFO", "/"))
        bucket, _, key = unquote(path).lstrip("/").partition("/")
        if signed is None or signed.service != "s3" or not bucket or key:  # objects: moto evaluates those itself
            return self._app(environ, start_response)
        policy = moto_s3.bucket_policy(bucket)
        if policy is None:
            return self._app(environ, start_response)
        needed = s3_calls(
            str(environ.get("REQUEST_METHOD", "GET")), path, str(environ.get("QUERY_STRING", "")), {}, b""
        )
        if isinstance(needed, Unmapped):
            return self._app(environ, start_response)
        context = current_context()
        if any(evaluate(policy, call.action, call.resource, context) == "DENIED" for call in needed):
            return access_denied("s3", "Access Denied", start_response)
        return self._app(environ, start_response)
