"""AWS's error responses, in each service's wire shape: every error the engine itself answers with.

Two kinds. ``JsonError`` and its kinds are raised while moto handles a request (an injected
DynamoDB fault, Lambda's throttle): the adapter hands them to moto (``adapter/moto_errors.py``),
which answers them as its own errors, with the status, ``X-Amzn-ErrorType`` and the JSON body
given here. ``access_denied`` is the answer of the engine's middleware, in front of moto, when it
refuses a request itself: S3's XML ``<Error>``, SQS's and DynamoDB's JSON ``__type``, Lambda's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

DYNAMODB_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"


class JsonError(Exception):
    """An error of a JSON-protocol service: ``{"__type": error_type, "message": message}`` unless ``body`` says
    otherwise, with an HTTP status."""

    def __init__(self, error_type: str, message: str, status: int = 400, body: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status
        self.body = body if body is not None else json.dumps({"__type": error_type, "message": message})


class DynamoDBError(JsonError):
    """An error in DynamoDB's wire shape: ``DynamoDBError("InternalServerError", message, 500)``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(DYNAMODB_ERROR_PREFIX + code, message, status)


class TooManyRequests(JsonError):
    """Lambda's 429 for an invoke beyond the function's concurrency, in Lambda's error shape."""

    def __init__(self, reason: str) -> None:
        message = "Rate Exceeded."
        body = json.dumps({"Reason": reason, "Type": "User", "message": message})
        super().__init__("TooManyRequestsException", message, 429, body)


def access_denied(service: str, message: str, start_response: Callable[..., Any]) -> list[bytes]:
    """AWS's AccessDenied, in the shape the service's clients parse."""
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>AccessDenied</Code><Message>{escape(message)}</Message></Error>"
        ).encode()
        status, headers = "403 Forbidden", [("Content-Type", "application/xml")]
    elif service == "sqs":
        body = json.dumps({"__type": "com.amazonaws.sqs#AccessDenied", "message": message}).encode()
        status = "403 Forbidden"
        headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", "AccessDenied;Sender")]
    elif service == "lambda":
        body = json.dumps({"Type": "User", "message": message}).encode()
        status, headers = "403 Forbidden", [("x-amzn-errortype", "AccessDeniedException")]
    else:
        prefix = DYNAMODB_ERROR_PREFIX if service == "dynamodb" else ""
        body = json.dumps({"__type": f"{prefix}AccessDeniedException", "message": message}).encode()
        status, headers = "400 Bad Request", [("Content-Type", "application/x-amz-json-1.1")]
    start_response(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]
