"""S3 ObjectCreated events -> one DynamoDB log item per event.

A thin ``lambda_handler`` over small pure functions:

* ``parse_record`` turns one S3 event record into an ``S3Event`` or raises
  ``MalformedRecord`` (permanent: logged, skipped, reported with status 400).
* ``build_item`` turns an ``S3Event`` into the DynamoDB item. Its key is
  derived from the event alone (``requestId`` = UUIDv5 of the event's
  identity, ``timestamp`` = the event's own time), so a redelivered event maps
  to the same item and the conditional write stores it once.
* Any AWS error other than "already written" is logged and raised, so Lambda's
  asynchronous retries (and on-failure destination) take over instead of the
  item being silently lost.

Standard library and boto3 only: the Lambda Python runtime provides both.
Python 3.9 syntax.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import unquote_plus

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# Fixed namespace for requestIds: the same event always yields the same id.
REQUEST_ID_NAMESPACE = uuid.UUID("4f6c7d2a-1b3e-5a8f-9c0d-2e4b6a8c0d1f")

# Error codes after which a retry may well succeed.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)

AttributeValue = Dict[str, Any]
Item = Dict[str, AttributeValue]


class MalformedRecord(ValueError):
    """A record that can never be processed: skipped, never retried."""


class ConfigurationError(RuntimeError):
    """The function's environment is incomplete."""


@dataclass(frozen=True)
class S3Event:
    bucket: str
    key: str
    event_name: str
    event_time: str  # ISO 8601 UTC, millisecond precision, "Z" suffix
    size: Optional[int] = None
    etag: Optional[str] = None
    sequencer: Optional[str] = None
    version_id: Optional[str] = None
    # Who uploaded, as S3's event says (each only when the event carries it).
    principal_id: Optional[str] = None
    source_ip: Optional[str] = None
    s3_request_id: Optional[str] = None
    s3_host_id: Optional[str] = None


# ---------------------------------------------------------------- logging ---

# Lambda's log levels, lowest first. AWS_LAMBDA_LOG_LEVEL is set by Lambda when the function's
# logging config has an application log level (JSON log format only).
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


def logs_at(level: str, threshold: Optional[str]) -> bool:
    """Whether a line at ``level`` is written under the configured ``threshold`` (unset or unknown: all)."""
    configured = (threshold or "").strip().upper()
    if configured not in LOG_LEVELS:
        return True
    return LOG_LEVELS.index(level) >= LOG_LEVELS.index(configured)


def log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line on stdout, which Lambda ships to CloudWatch, under both of Lambda's log
    formats; with "timestamp" and "level", Lambda's JSON format can filter it by level too."""
    if not logs_at(level, os.environ.get("AWS_LAMBDA_LOG_LEVEL")):
        return
    line = {
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": level,
        "message": message,
        **fields,
    }
    sys.stdout.write(json.dumps(line, default=str, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# ------------------------------------------------------ pure per-record logic ---


def _require_str(mapping: Mapping[str, Any], name: str, where: str) -> str:
    value = mapping.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedRecord(f"{where}.{name} must be a non-empty string, got {type(value).__name__}")
    return value


def _optional_str(mapping: Mapping[str, Any], name: str, where: str) -> Optional[str]:
    value = mapping.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedRecord(f"{where}.{name} must be a string, got {type(value).__name__}")
    return value or None


def _metadata(record: Mapping[str, Any], section: str, name: str) -> Optional[str]:
    """A string S3 adds about the request (who, from where, its ids): None when absent or not a non-empty
    string. Never a reason to reject the record: the object's item matters more than its metadata."""
    value = record.get(section)
    found = value.get(name) if isinstance(value, Mapping) else None
    return found if isinstance(found, str) and found else None


def _require_mapping(mapping: Mapping[str, Any], name: str, where: str) -> Mapping[str, Any]:
    value = mapping.get(name)
    if not isinstance(value, Mapping):
        raise MalformedRecord(f"{where}.{name} must be an object, got {type(value).__name__}")
    return value


def normalise_event_time(raw: str) -> str:
    """S3's eventTime (e.g. 2024-05-01T12:00:00.123Z) as ISO 8601 UTC with milliseconds."""
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedRecord(f"eventTime is not an ISO 8601 time: {raw!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    utc = parsed.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_record(record: Any) -> S3Event:
    """Validate one record of an S3 notification; raise MalformedRecord if it is not one."""
    if not isinstance(record, Mapping):
        raise MalformedRecord(f"record must be an object, got {type(record).__name__}")
    source = record.get("eventSource")
    if source != "aws:s3":
        raise MalformedRecord(f"not an S3 event: eventSource is {source!r}")
    event_name = _require_str(record, "eventName", "record")
    event_time = normalise_event_time(_require_str(record, "eventTime", "record"))
    s3 = _require_mapping(record, "s3", "record")
    bucket = _require_str(_require_mapping(s3, "bucket", "s3"), "name", "s3.bucket")
    obj = _require_mapping(s3, "object", "s3")
    raw_key = _require_str(obj, "key", "s3.object")
    try:
        key = unquote_plus(raw_key, errors="strict")
    except UnicodeDecodeError:
        raise MalformedRecord(f"s3.object.key is not valid percent-encoded UTF-8: {raw_key!r}") from None
    size = obj.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise MalformedRecord(f"s3.object.size must be a non-negative integer, got {size!r}")
    return S3Event(
        bucket=bucket,
        key=key,
        event_name=event_name,
        event_time=event_time,
        size=size,
        etag=_optional_str(obj, "eTag", "s3.object"),
        sequencer=_optional_str(obj, "sequencer", "s3.object"),
        version_id=_optional_str(obj, "versionId", "s3.object"),
        principal_id=_metadata(record, "userIdentity", "principalId"),
        source_ip=_metadata(record, "requestParameters", "sourceIPAddress"),
        s3_request_id=_metadata(record, "responseElements", "x-amz-request-id"),
        s3_host_id=_metadata(record, "responseElements", "x-amz-id-2"),
    )


def key_of(record: Any) -> Optional[str]:
    """The object key a record names, decoded as far as it decodes, even when the record is malformed."""
    try:
        raw = record["s3"]["object"]["key"]
    except (KeyError, TypeError, IndexError):
        return None
    return unquote_plus(raw, errors="replace") if isinstance(raw, str) and raw else None


def request_id(event: S3Event) -> str:
    """A UUID that depends only on the event, so every delivery of it gets the same one."""
    identity = "\n".join(
        [
            event.bucket,
            event.key,
            event.event_name,
            event.event_time,
            event.sequencer or "",
            event.etag or "",
            event.version_id or "",
        ]
    )
    return str(uuid.uuid5(REQUEST_ID_NAMESPACE, identity))


def build_item(
    event: S3Event,
    *,
    function_name: str,
    aws_request_id: str,
    processed_at: datetime,
    ttl_days: Optional[int] = None,
    ttl_attribute: Optional[str] = None,
) -> Item:
    """The DynamoDB item (low-level attribute-value form) for one event; with ``ttl_days``, the expiry epoch in
    ``ttl_attribute``, which the module names (ITEM_TTL_ATTRIBUTE): the handler has no name of its own for it."""
    if ttl_days is not None and not ttl_attribute:
        raise ValueError("ttl_days needs ttl_attribute: the attribute the table's TTL reads")
    item: Item = {
        "requestId": {"S": request_id(event)},
        "timestamp": {"S": event.event_time},
        "bucketName": {"S": event.bucket},
        "objectKey": {"S": event.key},
        "eventName": {"S": event.event_name},
        "functionName": {"S": function_name},
        "awsRequestId": {"S": aws_request_id},
        "processedAt": {"S": processed_at.astimezone(timezone.utc).isoformat(timespec="milliseconds")},
    }
    if event.size is not None:
        item["objectSize"] = {"N": str(event.size)}
    if event.etag is not None:
        item["eTag"] = {"S": event.etag}
    if event.sequencer is not None:
        item["sequencer"] = {"S": event.sequencer}
    if event.version_id is not None:
        item["versionId"] = {"S": event.version_id}
    for attribute, value in (
        ("uploaderPrincipalId", event.principal_id),
        ("uploaderSourceIp", event.source_ip),
        ("s3RequestId", event.s3_request_id),
        ("s3HostId", event.s3_host_id),
    ):
        if value is not None:
            item[attribute] = {"S": value}
    if ttl_days is not None and ttl_attribute:
        item[ttl_attribute] = {"N": str(int(processed_at.timestamp()) + ttl_days * 86400)}
    return item


def is_transient(error: Exception) -> bool:
    """Throttling, 5xx and network failures: worth retrying."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return code in TRANSIENT_ERROR_CODES or int(status or 0) >= 500
    return isinstance(error, BotoCoreError)


# ------------------------------------------------------------ AWS access ---


@cache
def dynamodb_client() -> Any:
    """Created once per container and reused by every invocation."""
    return boto3.client(
        "dynamodb",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=3, read_timeout=10),
    )


# In Lambda, the client is made during the init phase, which an environment started ahead of
# its first event has already been through, instead of on that first event (~100 ms).
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    dynamodb_client()


@dataclass(frozen=True)
class Settings:
    table_name: str
    ttl_days: Optional[int]
    ttl_attribute: Optional[str]  # set whenever ttl_days is


def load_settings(environ: Mapping[str, str]) -> Settings:
    """The function's environment, as the module sets it: TABLE_NAME; with TTL, ITEM_TTL_DAYS and the attribute
    the table's TTL reads, ITEM_TTL_ATTRIBUTE (the module names it; the handler has no default)."""
    table_name = environ.get("TABLE_NAME", "").strip()
    if not table_name:
        raise ConfigurationError("TABLE_NAME is not set: the function does not know which DynamoDB table to write to")
    raw_ttl = environ.get("ITEM_TTL_DAYS", "").strip()
    if not raw_ttl:
        return Settings(table_name, None, None)
    if not raw_ttl.isdigit() or int(raw_ttl) < 1:
        raise ConfigurationError(f"ITEM_TTL_DAYS must be a whole number of days >= 1, got {raw_ttl!r}")
    ttl_attribute = environ.get("ITEM_TTL_ATTRIBUTE", "").strip()
    if not ttl_attribute:
        raise ConfigurationError(
            f"ITEM_TTL_DAYS is {raw_ttl} but ITEM_TTL_ATTRIBUTE is not set: the function does not know which "
            "attribute to write the expiry into (the module sets both)"
        )
    return Settings(table_name, int(raw_ttl), ttl_attribute)


def put_once(client: Any, table_name: str, item: Item) -> bool:
    """Write the item unless it exists. True if written, False if it was already there."""
    try:
        client.put_item(
            TableName=table_name,
            Item=item,
            ConditionExpression="attribute_not_exists(requestId)",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --------------------------------------------------------------- handler ---


def _records(event: Any) -> Tuple[List[Any], Optional[str]]:
    """The event's records, or the reason the event as a whole is malformed."""
    if not isinstance(event, Mapping):
        return [], f"event must be an object, got {type(event).__name__}"
    records = event.get("Records")
    if not isinstance(records, list):
        return [], f"event.Records must be a list, got {type(records).__name__}"
    if not records:
        return [], "event.Records is empty"
    return records, None


def lambda_handler(event: Any, context: Any) -> Dict[str, Any]:
    settings = load_settings(os.environ)
    function_name = str(getattr(context, "function_name", "") or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""))
    aws_request_id = str(getattr(context, "aws_request_id", "") or "")
    client = dynamodb_client()

    records, event_error = _records(event)
    errors: List[Dict[str, Any]] = []
    if event_error:
        log("ERROR", "malformed event", reason=event_error, awsRequestId=aws_request_id)
        errors.append({"index": None, "reason": event_error})
    written = duplicates = 0

    for index, record in enumerate(records):
        try:
            parsed = parse_record(record)
        except MalformedRecord as error:
            key = key_of(record)
            where = {"key": key} if key is not None else {}
            log(
                "ERROR",
                "malformed record skipped",
                index=index,
                reason=str(error),
                awsRequestId=aws_request_id,
                **where,
            )
            errors.append({"index": index, "reason": str(error)})
            continue

        started = time.perf_counter()
        item = build_item(
            parsed,
            function_name=function_name,
            aws_request_id=aws_request_id,
            processed_at=datetime.now(timezone.utc),
            ttl_days=settings.ttl_days,
            ttl_attribute=settings.ttl_attribute,
        )
        fields = {
            "requestId": item["requestId"]["S"],
            "bucket": parsed.bucket,
            "key": parsed.key,
            "eventName": parsed.event_name,
            "awsRequestId": aws_request_id,
        }
        try:
            stored = put_once(client, settings.table_name, item)
        except (ClientError, BotoCoreError) as error:
            log(
                "ERROR",
                "write failed, raising so Lambda retries the event",
                transient=is_transient(error),
                error=f"{type(error).__name__}: {error}",
                **fields,
            )
            raise
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        if stored:
            written += 1
            log("INFO", "log item written", durationMs=elapsed_ms, **fields)
        else:
            duplicates += 1
            log("INFO", "duplicate delivery, item already written", durationMs=elapsed_ms, **fields)

    summary: Dict[str, Any] = {
        "statusCode": 400 if errors else 200,
        "written": written,
        "duplicates": duplicates,
        "rejected": len(errors),
    }
    if errors:
        summary["errors"] = errors
    log("INFO", "batch done", **{k: v for k, v in summary.items() if k != "errors"}, awsRequestId=aws_request_id)
    return summary
