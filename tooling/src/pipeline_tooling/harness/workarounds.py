"""Known engine bugs the harness works around, in the open: what, why, for which versions.

An entry that acts on what the engine holds is checked on the engine itself before it acts (so a
fixed release is left alone), and says so in the progress lines when it does act; one in how the
harness starts the engine is there from the start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class KnownBug:
    engine: str
    versions: str  # where it was seen, and the newest release checked
    what: str
    why: str
    workaround: str


UNENCODED_OBJECT_VERSIONS = KnownBug(
    engine="ministack",
    versions="1.5.33, the newest release on PyPI when checked (2026-11-27)",
    what="ListObjectVersions ignores EncodingType=url: keys come back unencoded, and the response says no EncodingType",
    why=(
        "the AWS provider's force_destroy empties a bucket by listing its versions with EncodingType=url and "
        "decoding the keys, so a key with a space, '+', '%' or non-ASCII characters comes back as another key, "
        "is never deleted, and `terraform destroy` loops for ever"
    ),
    workaround=(
        "before `terraform destroy`, the harness deletes every object version and delete marker of the stack's "
        "bucket itself, with the keys as listed without encoding"
    ),
)

DROPPED_ANSWER_AT_KEEP_ALIVE = KnownBug(
    engine="ministack",
    versions="1.5.33 (hypercorn 0.18), the newest release on PyPI when checked (2026-12-02)",
    what=(
        "a request that reaches a connection as the server closes it for being idle 75 s, the server busy, "
        "is run and its answer dropped with the connection (python tooling/scripts/ministack_keepalive_race.py)"
    ),
    why=(
        "Terraform's client keeps idle connections 90 s and sends a request again when its connection drops: an "
        "AddPermission sent again meets the statement it made, the provider retries that conflict for 5 minutes, "
        "and the apply fails"
    ),
    workaround=(
        "the harness starts MiniStack as `ministack -d` does (python -m hypercorn ministack.app:app) with a "
        "keep-alive of a day: an idle connection is only ever closed by its client"
    ),
)

KNOWN_BUGS = (UNENCODED_OBJECT_VERSIONS, DROPPED_ANSWER_AT_KEEP_ALIVE)


def _needs_encoding(key: str) -> bool:
    return quote(key, safe="/~") != key


def lists_versions_unencoded(s3: Any, bucket: str) -> bool:
    """Whether the engine shows the bug on this bucket: keys that need encoding, returned without it."""
    listing = s3.list_object_versions(Bucket=bucket, EncodingType="url", MaxKeys=1000)
    keys = [v["Key"] for v in listing.get("Versions", []) + listing.get("DeleteMarkers", [])]
    return listing.get("EncodingType") != "url" and any(_needs_encoding(k) for k in keys)


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every version and delete marker; returns how many were deleted."""
    deleted = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
        if not entries:
            continue
        objects = [{"Key": e["Key"], "VersionId": e["VersionId"]} for e in entries]
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
        if response.get("Errors"):
            raise RuntimeError(f"emptying {bucket} failed for {response['Errors'][:5]}")
        deleted += len(objects)
    return deleted


def before_destroy(engine: str, version: str | None, s3: Any, bucket: str, say: Callable[[str], None]) -> None:
    """Act on every known bug of ``engine`` that shows on this bucket."""
    if engine != UNENCODED_OBJECT_VERSIONS.engine or not lists_versions_unencoded(s3, bucket):
        return
    bug = UNENCODED_OBJECT_VERSIONS
    say(
        f"workaround for {engine} {version or ''} (pipeline_tooling/harness/workarounds.py; seen in {bug.versions}): "
        f"{bug.what}. "
        f"Emptying {bucket} before terraform destroy, because {bug.why}."
    )
    say(f"emptied {bucket}: {empty_bucket(s3, bucket)} object versions deleted")
