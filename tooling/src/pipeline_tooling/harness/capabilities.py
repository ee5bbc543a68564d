"""What each engine can do, declared once: the engine × capability table.

A test that needs a capability carries ``@pytest.mark.needs(Capability.X)`` and is skipped,
with the capability named, on an engine this table says lacks it; every other test runs on
every engine. The bench reads the same table to say "not reported by <engine>" instead of
printing a figure an engine does not give. The README's table is generated from this one
(``markdown_table``) and a test keeps the two equal.
"""

from __future__ import annotations

from enum import Enum

from .targets import ENGINES, TITLES


class Capability(Enum):
    """A capability some engines lack; the value is how the README and skip messages name it."""

    FAULT_INJECTION = "fault-injection API (duplicate deliveries, failing PutItem, unavailable tables)"
    INVOCATION_STATS = "invocation counters (invocations, retries, queued asynchronous events)"
    PLAIN_HTTP_POLICY = "bucket policies enforced on a plain-HTTP request (aws:SecureTransport = false)"
    REPORT_LINES = "AWS-style REPORT lines (Init Duration, Max Memory Used) in the function's log group"
    COMPLETE_FUNCTION_LOGS = "every line the function writes reaches its log group"
    IAM_ENFORCEMENT = "IAM enforcement of the function's execution role"
    URL_ENCODED_VERSIONS = "ListObjectVersions honours EncodingType=url"
    EMPTY_STRING_VALIDATION = "DynamoDB's rejection of empty-string ExpressionAttributeValues"


# Engine × capability. An engine absent from a row lacks that capability; the note says how.
SUPPORT: dict[Capability, dict[str, str]] = {
    Capability.FAULT_INJECTION: {
        "embedded": "yes: /_engine/faults",
    },
    Capability.INVOCATION_STATS: {
        "embedded": "yes: /_engine/stats",
    },
    Capability.PLAIN_HTTP_POLICY: {
        "embedded": "yes: a plain-HTTP listener beside the HTTPS one",
        "aws": "yes",
    },
    Capability.REPORT_LINES: {
        "embedded": "yes",
        "aws": "yes",
    },
    Capability.COMPLETE_FUNCTION_LOGS: {
        "embedded": "yes: each invocation's output drained once the runtime has its result",
        "localstack": "yes",
        "aws": "yes (delivered eventually)",
    },
    Capability.IAM_ENFORCEMENT: {
        "embedded": "yes: action and resource against the role (--no-enforce-iam turns it off)",
        "aws": "yes",
    },
    Capability.URL_ENCODED_VERSIONS: {
        "embedded": "yes: moto's omission fixed in the engine",
        "localstack": "yes",
        "aws": "yes",
    },
    Capability.EMPTY_STRING_VALIDATION: {
        "embedded": "yes: moto's laxness closed in the engine",
        "localstack": "yes: DynamoDB Local",
        "aws": "yes",
    },
}

# Why an engine lacks a capability, where there is more to say than "no".
LACKING: dict[tuple[Capability, str], str] = {
    (Capability.PLAIN_HTTP_POLICY, "ministack"): "no: policies are evaluated only with AUTH=true, not set here",
    (Capability.PLAIN_HTTP_POLICY, "localstack"): "no: not in the community edition",
    (Capability.REPORT_LINES, "ministack"): "no: Duration only; no Init Duration, Max Memory Used reads 0 MB",
    (Capability.REPORT_LINES, "localstack"): "no: not promised",
    (Capability.COMPLETE_FUNCTION_LOGS, "ministack"): (
        "no: a line written just before the handler returns can be left in the worker's pipe (drained for at "
        "most 50 ms after the result) until that worker's next invocation, and is lost if it has none"
    ),
    (Capability.IAM_ENFORCEMENT, "ministack"): "no: only with AUTH=true, not set here",
    (Capability.IAM_ENFORCEMENT, "localstack"): "no: paid edition only",
    (
        Capability.URL_ENCODED_VERSIONS,
        "ministack",
    ): "no: the harness works around it (pipeline_tooling/harness/workarounds.py)",
    (Capability.EMPTY_STRING_VALIDATION, "ministack"): "no: accepts the empty string",
}


def has(engine: str, capability: Capability) -> bool:
    return engine in SUPPORT[capability]


def describe(engine: str, capability: Capability) -> str:
    """The table's cell: "yes…", or why not."""
    return SUPPORT[capability].get(engine) or LACKING.get((capability, engine), "no")


def skip_reason(engine: str, capability: Capability) -> str:
    why = describe(engine, capability)
    return (
        f"{TITLES[engine]} lacks a capability this test needs: {capability.value} "
        f"({why}; pipeline_tooling/harness/capabilities.py)"
    )


def markdown_table() -> str:
    """The README's engine × capability table."""
    lines = [
        "| Capability | " + " | ".join(TITLES[e] for e in ENGINES) + " |",
        "|---|" + "---|" * len(ENGINES),
    ]
    for capability in Capability:
        cells = [describe(engine, capability) for engine in ENGINES]
        lines.append(f"| {capability.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
