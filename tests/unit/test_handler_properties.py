"""Property-based tests of the handler over generated events, valid and malformed.

No exception but the deliberate raise on AWS errors; malformed records never write;
every valid record writes exactly once, however often the event is delivered.
Profiles: HYPOTHESIS_PROFILE=ci runs 10,000 examples per property (CI), the default 300.
"""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote_plus

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.loaded import index

settings.register_profile(
    "ci", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "dev", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
# The main property runs the profile's full count; the two narrower ones a fifth of it.
narrower = settings(max_examples=max(100, settings().max_examples // 5))


@dataclass
class FakeTable:
    """put_item with DynamoDB's conditional semantics, in memory; can be told to fail."""

    items: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    fail_with: str | None = None
    puts: int = 0

    def put_item(self, *, TableName: str, Item: dict[str, Any], ConditionExpression: str) -> dict[str, Any]:
        self.puts += 1
        if self.fail_with:
            raise ClientError({"Error": {"Code": self.fail_with, "Message": "injected"}}, "PutItem")
        assert ConditionExpression == "attribute_not_exists(requestId)"
        key = (Item["requestId"]["S"], Item["timestamp"]["S"])
        if key in self.items:
            raise ClientError({"Error": {"Code": "ConditionalCheckFailedException", "Message": "exists"}}, "PutItem")
        self.items[key] = Item
        return {}


# -- valid records, with the identity that should decide their item ------------------------------

# Strategies draw few choices each (a corpus of awkward keys with a short generated tail,
# whole numbers mapped to strings): 10,000 examples must stay well under a minute.
AWKWARD_KEYS = [
    "plain.txt",
    "with space/file name.txt",
    "plus+sign/a+b=c.txt",
    "percent%20literal/100%.csv",
    "caf\u00e9/\u65e5\u672c\u8a9e/\U0001f600.txt",
    "&$@=;:+,? /<>#{}|\\^~[]`",
    "deep/" * 100 + "leaf",
    "k" * 1024,
    "%",
    "+",
    " ",
]
keys = st.builds(
    lambda base, tail: (base + tail)[:1024],
    st.sampled_from(AWKWARD_KEYS),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=4),
)
EPOCH_2000_MS, EPOCH_2100_MS = 946_684_800_000, 4_102_444_800_000


BUCKETS = ["logs", "data-in", "a.b.c", "x" * 63]
EVENT_NAMES = ["ObjectCreated:Put", "ObjectCreated:Copy", "ObjectCreated:CompleteMultipartUpload"]
# The scalar facets of a record come from one drawn number (cheaper than a draw each;
# it still shrinks towards the simplest record).
facets = st.integers(0, 2**256 - 1)


def _take(n: int, base: int) -> tuple[int, int]:
    return n % base, n // base


@st.composite
def valid_records(draw: st.DrawFn) -> tuple[dict[str, Any], tuple[Any, ...]]:
    key, n = draw(keys), draw(facets)
    bucket, n = _take(n, len(BUCKETS))
    name, n = _take(n, len(EVENT_NAMES))
    ms, n = _take(n, EPOCH_2100_MS - EPOCH_2000_MS)
    optional, n = _take(n, 8)  # one bit each: sequencer, eTag, size present
    sequencer_n, n = _take(n, 2**72)
    etag_n, n = _take(n, 2**128)
    when = datetime.fromtimestamp((EPOCH_2000_MS + ms) / 1000, timezone.utc)
    sequencer = f"{sequencer_n:018X}" if optional & 1 else None
    etag = f"{etag_n:032x}" if optional & 2 else None
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/")}
    for field_name, value in (("sequencer", sequencer), ("eTag", etag), ("size", n if optional & 4 else None)):
        if value is not None:
            obj[field_name] = value
    record = {
        "eventSource": "aws:s3",
        "eventName": EVENT_NAMES[name],
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
        "s3": {"bucket": {"name": BUCKETS[bucket]}, "object": obj},
    }
    return record, (BUCKETS[bucket], key, EVENT_NAMES[name], when, sequencer, etag)


# -- malformed records: valid ones broken in one place, or not records at all --------------------

junk = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.lists(st.integers(), max_size=2)
)
# Every way a record is broken here, one drawn index each: a field dropped, or set to a
# value of the wrong type or shape.
WRONG_TYPES: list[Any] = [None, 0, -1, 1.5, True, [], ["x"], {}, ""]
REQUIRED = [
    ("eventName",),
    ("eventTime",),
    ("s3",),
    ("s3", "bucket"),
    ("s3", "object"),
    ("s3", "bucket", "name"),
    ("s3", "object", "key"),
]
BREAKAGES: list[tuple[str, tuple[str, ...], Any]] = [
    *(("drop", path, None) for path in REQUIRED),
    *(("set", path, value) for path in REQUIRED for value in WRONG_TYPES),
    *(("set", ("eventSource",), v) for v in ["aws:sqs", "aws:sns", "", None, 3]),
    *(("set", ("s3", "object", "key"), v) for v in ["%FF", "a%C3", "%E2%82", "x/%80y"]),
    *(("set", ("eventTime",), v) for v in ["yesterday", "2024-13-01T00:00:00Z", "12:00"]),
    *(("set", ("s3", "object", "size"), v) for v in [-1, "12", 1.5, True]),
]
NOT_RECORDS: list[Any] = [None, 0, 1.5, True, "record", ["Records"], b"bytes"]
breakages = st.sampled_from(BREAKAGES)
not_records = st.sampled_from(NOT_RECORDS)
ONE_IN_EIGHT = st.integers(0, 7)


@st.composite
def malformed_records(draw: st.DrawFn) -> Any:
    if draw(ONE_IN_EIGHT) == 0:
        return draw(not_records)
    record, _ = draw(valid_records())
    how, path, value = draw(breakages)
    *parents, last = path
    target = record
    for name in parents:
        target = target[name]
    if how == "drop":
        del target[last]
    else:
        target[last] = value
    return record


entries = st.lists(
    st.one_of(valid_records().map(lambda v: ("valid", v)), malformed_records().map(lambda m: ("bad", m))), max_size=4
)


@dataclass(frozen=True)
class Context:
    function_name: str = "s3-processor-fuzz"
    aws_request_id: str = "fuzz-request"


_current = {"table": FakeTable()}


@pytest.fixture(autouse=True)
def _fake_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler's client is whatever table the running example uses (patched once per test, not per example)."""
    monkeypatch.setattr(index, "dynamodb_client", lambda: _current["table"])


def run(event: Any, table: FakeTable) -> dict[str, Any]:
    _current["table"] = table
    with redirect_stdout(io.StringIO()):
        result: dict[str, Any] = index.lambda_handler(event, Context())
        return result


@given(entries)
def test_valid_records_write_once_and_malformed_never(batch):
    table = FakeTable()
    event = {"Records": [value[0] if kind == "valid" else value for kind, value in batch]}
    valid = [value for kind, value in batch if kind == "valid"]
    rejected = sum(kind == "bad" for kind, _ in batch) or (0 if batch else 1)  # an empty event is rejected whole
    identities = {identity for _, identity in valid}

    first = run(event, table)
    second = run(event, table)  # S3 delivers at least once

    assert first["rejected"] == second["rejected"] == rejected
    assert first["statusCode"] == (400 if rejected or not batch else 200)
    assert first["written"] == len(identities) == len(table.items)
    assert second["written"] == 0
    assert second["duplicates"] == len(valid)
    written = sorted((i["bucketName"]["S"], i["objectKey"]["S"], i["eventName"]["S"]) for i in table.items.values())
    assert written == sorted((b, k, n) for b, k, n, *_ in identities)


@narrower
@given(
    st.one_of(
        junk, st.text(max_size=5), st.fixed_dictionaries({"Records": junk}), st.just({}), st.just({"Records": []})
    )
)
def test_events_that_are_not_s3_notifications_are_rejected(event):
    table = FakeTable()

    result = run(event, table)

    assert result["statusCode"] == 400
    assert table.items == {}
    assert table.puts == 0


@narrower
@given(
    st.lists(valid_records(), min_size=1, max_size=4),
    st.sampled_from(["ProvisionedThroughputExceededException", "InternalServerError", "ThrottlingException"]),
)
def test_aws_errors_raise_and_nothing_else_does(records, code):
    table = FakeTable(fail_with=code)

    with pytest.raises(ClientError) as raised:
        run({"Records": [r for r, _ in records]}, table)

    assert raised.value.response["Error"]["Code"] == code
    assert table.puts == 1  # it stops at the first failure, so Lambda retries the whole event


# -- who uploaded: S3's request metadata, copied when it is a non-empty string, absent otherwise --

UPLOADER_FIELDS = [
    ("uploaderPrincipalId", ("userIdentity", "principalId")),
    ("uploaderSourceIp", ("requestParameters", "sourceIPAddress")),
    ("s3RequestId", ("responseElements", "x-amz-request-id")),
    ("s3HostId", ("responseElements", "x-amz-id-2")),
]
UPLOADER_VALUES: list[Any] = [None, "AWS:AIDAEXAMPLE", "203.0.113.7", "2001:db8::1", "", 7, ["x"], {"a": 1}, "Z" * 200]
SECTION_BREAKAGES: list[Any] = [None, "text", 3, ["x"]]


@narrower
@given(valid_records(), st.lists(st.sampled_from(UPLOADER_VALUES), min_size=4, max_size=4), st.integers(0, 15))
def test_uploader_fields_are_copied_when_present_and_never_block_the_item(valid, values, broken_sections):
    record, _ = valid
    expected = {}
    for (attribute, (section, name)), value in zip(UPLOADER_FIELDS, values):
        if value is not None:
            record.setdefault(section, {})[name] = value
        if isinstance(value, str) and value:
            expected[attribute] = value
    for bit, section in enumerate(["userIdentity", "requestParameters", "responseElements"]):
        if broken_sections >> bit & 1:  # a section that is not an object: its fields are absent, the item is written
            record[section] = SECTION_BREAKAGES[(broken_sections + bit) % len(SECTION_BREAKAGES)]
            expected = {a: v for a, v in expected.items() if dict(UPLOADER_FIELDS)[a][0] != section}
    table = FakeTable()

    result = run({"Records": [record]}, table)

    assert result["written"] == 1
    [item] = table.items.values()
    assert {a: v["S"] for a, v in item.items() if a in dict(UPLOADER_FIELDS)} == expected
