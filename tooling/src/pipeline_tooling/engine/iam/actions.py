"""Which IAM action on which resource a request needs, read off the request as AWS reads it.

moto's own evaluator checks every non-S3 request against resource ``*``; a policy scoped to one
table would then allow nothing, and one with ``Resource: "*"`` everything. Here each request
maps to its action and the ARN it acts on: the table for DynamoDB, the object or bucket for S3,
the log group (and stream) for CloudWatch Logs, the queue for SQS, the function for Lambda. A
request this module cannot map is reported as such (``Unmapped``) so the enforcer can deny it by
name rather than guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Call:
    action: str  # e.g. dynamodb:PutItem
    resource: str  # an ARN, or * where the action takes no resource


@dataclass(frozen=True)
class Unmapped:
    why: str


@dataclass(frozen=True)
class Signed:
    """Who signed a request and where it was sent: the parts of SigV4's credential scope."""

    access_key_id: str
    region: str
    service: str


def signer(environ: Mapping[str, Any]) -> Signed | None:
    """The request's SigV4 credential (Authorization header, or a presigned URL's query)."""
    header = str(environ.get("HTTP_AUTHORIZATION", ""))
    query = parse_qs(str(environ.get("QUERY_STRING", "")))
    credential = query.get("X-Amz-Credential", [""])[0]
    found = _CREDENTIAL.search(header) or _CREDENTIAL.search(f"Credential={credential}")
    return Signed(*found.groups()) if found else None


def _target_operation(environ: Mapping[str, Any], body: bytes) -> str | None:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    action = parse_qs(body.decode("utf-8", "replace")).get("Action") or parse_qs(environ.get("QUERY_STRING", "")).get(
        "Action"
    )
    return action[0] if action else None


def _json(body: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(body or b"{}")
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _dynamodb(operation: str, params: dict[str, Any], arn: str) -> list[Call] | Unmapped:
    action = f"dynamodb:{operation}"
    if operation in ("ListTables", "DescribeLimits", "DescribeEndpoints", "ListBackups", "ListGlobalTables"):
        return [Call(action, "*")]
    tables: list[str] = []
    if "TableName" in params:
        tables.append(str(params["TableName"]))
    tables += [str(t) for t in params.get("RequestItems", {})]
    for item in params.get("TransactItems", []):
        tables += [str(body["TableName"]) for body in item.values() if isinstance(body, dict) and "TableName" in body]
    if not tables:
        return Unmapped(f"{action} names no table the engine can read")
    index = f"/index/{params['IndexName']}" if "IndexName" in params else ""
    return [Call(action, f"{arn}table/{table}{index}") for table in dict.fromkeys(tables)]


def _logs(operation: str, params: dict[str, Any], arn: str) -> list[Call] | Unmapped:
    action = f"logs:{operation}"
    group = params.get("logGroupName")
    if group is None:
        if operation in ("DescribeLogGroups", "DescribeQueries", "DescribeDestinations"):
            return [Call(action, f"{arn}log-group:*")]
        return Unmapped(f"{action} names no log group the engine can read")
    stream = params.get("logStreamName")
    resource = f"{arn}log-group:{group}:log-stream:{stream}" if stream else f"{arn}log-group:{group}"
    return [Call(action, resource)]


def _sqs(operation: str, params: Mapping[str, Any], arn: str) -> list[Call] | Unmapped:
    action = f"sqs:{operation}"
    if operation == "ListQueues":
        return [Call(action, "*")]
    url = params.get("QueueUrl")
    if isinstance(url, list):
        url = url[0]
    name = params.get("QueueName")
    if isinstance(name, list):
        name = name[0]
    queue = urlsplit(str(url)).path.rsplit("/", 1)[-1] if url else name
    if not queue:
        return Unmapped(f"{action} names no queue the engine can read")
    return [Call(action, f"{arn}{queue}")]


# S3 sub-resources: (method, on a key?) -> action, for the ones the engine maps.
_S3_SUBRESOURCES = {
    ("GET", False, "versions"): "ListBucketVersions",
    ("GET", False, "location"): "GetBucketLocation",
    ("GET", False, "policy"): "GetBucketPolicy",
    ("PUT", False, "policy"): "PutBucketPolicy",
    ("DELETE", False, "policy"): "DeleteBucketPolicy",
    ("GET", False, "notification"): "GetBucketNotification",
    ("PUT", False, "notification"): "PutBucketNotification",
    ("GET", False, "acl"): "GetBucketAcl",
    ("GET", False, "encryption"): "GetEncryptionConfiguration",
    ("PUT", False, "encryption"): "PutEncryptionConfiguration",
    ("GET", False, "uploads"): "ListBucketMultipartUploads",
    ("GET", False, "tagging"): "GetBucketTagging",
    ("GET", False, "publicAccessBlock"): "GetBucketPublicAccessBlock",
    ("GET", False, "ownershipControls"): "GetBucketOwnershipControls",
    ("POST", False, "delete"): "DeleteObject",
    ("GET", True, "acl"): "GetObjectAcl",
    ("PUT", True, "acl"): "PutObjectAcl",
    ("GET", True, "tagging"): "GetObjectTagging",
    ("PUT", True, "tagging"): "PutObjectTagging",
    ("DELETE", True, "tagging"): "DeleteObjectTagging",
    ("GET", True, "uploadId"): "ListMultipartUploadParts",
    ("PUT", True, "uploadId"): "PutObject",
    ("POST", True, "uploadId"): "PutObject",
    ("POST", True, "uploads"): "PutObject",
    ("DELETE", True, "uploadId"): "AbortMultipartUpload",
}
_S3_PLAIN = {
    ("GET", False): "ListBucket",
    ("HEAD", False): "ListBucket",
    ("PUT", False): "CreateBucket",
    ("DELETE", False): "DeleteBucket",
    ("GET", True): "GetObject",
    ("HEAD", True): "GetObject",
    ("PUT", True): "PutObject",
    ("DELETE", True): "DeleteObject",
}
_S3_NEUTRAL_QUERY = {
    "list-type",
    "prefix",
    "delimiter",
    "encoding-type",
    "max-keys",
    "continuation-token",
    "start-after",
    "fetch-owner",
    "key-marker",
    "version-id-marker",
    "versionId",
    "partNumber",
    "x-id",
    "marker",
    "response-content-type",
    "max-uploads",
    "upload-id-marker",
    "max-parts",
    "part-number-marker",
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
}


def s3_calls(method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> list[Call] | Unmapped:
    """S3's REST requests, path style (/bucket/key), as the engine's clients send them."""
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket:
        return [Call("s3:ListAllMyBuckets", "*")] if method == "GET" else Unmapped(f"{method} / is not an S3 action")
    on_key = bool(key)
    subresources = [name for name in parse_qs(query, keep_blank_values=True) if name not in _S3_NEUTRAL_QUERY]
    if len(subresources) > 1:
        return Unmapped(f"S3 {method} with {sorted(subresources)}")
    if subresources:
        operation = _S3_SUBRESOURCES.get((method, on_key, subresources[0]))
    else:
        operation = _S3_PLAIN.get((method, on_key))
    if operation is None:
        return Unmapped(f"S3 {method} {'object' if on_key else 'bucket'} ?{','.join(subresources)}")
    if operation == "DeleteObject" and not on_key:  # DeleteObjects: one DeleteObject per key in the body
        keys = re.findall(rb"<Key>(.*?)</Key>", body)
        return [Call("s3:DeleteObject", f"arn:aws:s3:::{bucket}/{k.decode()}") for k in keys]
    resource = f"arn:aws:s3:::{bucket}/{key}" if on_key else f"arn:aws:s3:::{bucket}"
    calls = [Call(f"s3:{operation}", resource)]
    source = headers.get("x-amz-copy-source")
    if source and method == "PUT" and on_key:
        calls.append(Call("s3:GetObject", "arn:aws:s3:::" + unquote(source.split("?", 1)[0]).lstrip("/")))
    return calls


_LAMBDA_INVOKE = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")


def _lambda(method: str, path: str, region: str, account_id: str) -> list[Call] | Unmapped:
    invoked = _LAMBDA_INVOKE.match(path)
    if invoked is None:
        return Unmapped(f"lambda {method} {path}")
    function = unquote(invoked[1])
    arn = function if function.startswith("arn:") else f"arn:aws:lambda:{region}:{account_id}:function:{function}"
    return [Call("lambda:InvokeFunction", arn)]


def _operation_calls(environ: Mapping[str, Any], body: bytes, signed: Signed, account_id: str) -> list[Call] | Unmapped:
    """The services that name their operation (X-Amz-Target, or Action= in a query)."""
    service = signed.service
    operation = _target_operation(environ, body)
    if operation is None:
        return Unmapped(f"{service} request without an operation")
    if service == "sts" and operation == "GetCallerIdentity":
        return []  # AWS asks no permission for it
    arn_prefix = f"arn:aws:{service}:{signed.region}:{account_id}:"
    if service == "sqs":
        params: Mapping[str, Any] = _json(body) if environ.get("HTTP_X_AMZ_TARGET") else parse_qs(body.decode())
        return _sqs(operation, params, arn_prefix)
    mapper = {"dynamodb": _dynamodb, "logs": _logs}.get(service)
    if mapper is None:
        return Unmapped(f"{service}:{operation}")
    return mapper(operation, _json(body), arn_prefix)


def calls(environ: Mapping[str, Any], body: bytes, signed: Signed, account_id: str) -> list[Call] | Unmapped:
    """What the request needs, for the services a function can be expected to call."""
    method, path = str(environ.get("REQUEST_METHOD", "GET")), str(environ.get("PATH_INFO", "/"))
    if signed.service == "s3":
        headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
        return s3_calls(method, path, str(environ.get("QUERY_STRING", "")), headers, body)
    if signed.service == "lambda":
        return _lambda(method, path, signed.region, account_id)
    return _operation_calls(environ, body, signed, account_id)
