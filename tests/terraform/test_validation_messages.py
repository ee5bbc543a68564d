"""Each rejection in validation.tftest.hcl fails on its variable with the message meant for it.

`terraform test` proves a bad value is rejected (expect_failures) but cannot see the
message. Here every case of that file is evaluated by `terraform console` against the
module (variable validation needs no provider call) and the message is compared.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES_FILE = Path(__file__).parent / "validation.tftest.hcl"

RUN = re.compile(
    r'run "(?P<name>[^"]+)" \{\s*command = plan\s*variables \{\s*(?P<var>\w+) = (?P<value>.+?)\n\s*\}\s*'
    r"expect_failures = \[var\.(?P=var)\]",
    re.S,
)

SUFFIX_CHARS = "suffix must be lowercase letters, digits and hyphens, and start and end with a letter or digit."
MESSAGES = {
    "suffix": SUFFIX_CHARS,
    "suffix_too_long": "suffix must be at most 28 characters: the bucket name "
    "lambda-trigger-bucket-<suffix>-<account id> may not exceed 63.",
    "runtime": "runtime must be one of python3.9, python3.10, python3.11, python3.12, python3.13, python3.14 "
    "(Lambda's Python runtimes the handler runs on).",
    "runtime_too_old": "runtime python3.8 is not accepted: the handler needs Python 3.9 or newer, and Lambda "
    "deprecated it on 2024-10-14. Use python3.13 (the default) or python3.14.",
    "runtime_blocked_by_lambda": "runtime python3.7 is not accepted: Lambda no longer creates functions with it "
    "(python3.7 since 2024-01-09, python3.6 since 2022-07-18, python2.7 since 2021-07-15). Use python3.13 (the "
    "default) or python3.14.",
    "memory_size": "memory_size must be a whole number of MB from 128 to 10240.",
    "timeout": "timeout must be a whole number of seconds from 1 to 900.",
    "log_retention_in_days": "log_retention_in_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, "
    "365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653.",
    "tags": "tags: keys must be 1 to 128 characters and not start with aws:, values at most 256 characters.",
    "notification_filter": "notification_filter: prefix and suffix may each be at most 1024 characters "
    "(S3's key length).",
    "kms_key_arn": "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); "
    "aliases are not accepted.",
    "reserved_concurrent_executions": "reserved_concurrent_executions must be null or a whole number of at least 0.",
    "tracing_mode": "tracing_mode must be PassThrough or Active.",
    "lambda_zip_path": "lambda_zip_path must name a .zip file.",
    "dynamodb": "dynamodb.item_ttl_days must be null or a whole number of days, at least 1.",
    "async_retries": "async_invocation.maximum_retry_attempts must be 0, 1 or 2.",
    "async_event_age": "async_invocation.maximum_event_age_in_seconds must be a whole number from 60 to 21600.",
    "alarms": "alarms.actions must be one or more SNS topic ARNs (arn:aws:sns:<region>:<account>:<topic>).",
    "alarms_threshold_below_one": "alarms: every threshold (errors, throttles, destination delivery failures, the "
    "failure queue's oldest age in seconds) must be a whole number of at least 1.",
    "alarms_period_not_a_minute": "alarms.period_seconds must be a multiple of 60 from 60 to 86400.",
    "architectures": 'architectures must be ["x86_64"] or ["arm64"]: Lambda runs a function on exactly one.',
    "logging_config_format": "logging_config.log_format must be Text or JSON.",
    "logging_config_application_level": "logging_config.application_log_level must be one of TRACE, DEBUG, INFO, "
    "WARN, ERROR, FATAL.",
    "logging_config_system_level": "logging_config.system_log_level must be one of DEBUG, INFO, WARN.",
    "logging_config_levels_need_json": 'logging_config: log levels need log_format = "JSON" (Lambda filters by '
    "level only in its JSON log format).",
    "role_path": "role_path must be / or start and end with / (e.g. /service-roles/), printable ASCII without "
    "spaces, at most 512 characters.",
    "role_permissions_boundary": "role_permissions_boundary must be an IAM policy ARN "
    "(arn:aws:iam::<account>:policy/<name>).",
    "extra_policy_statements": "extra_policy_statements: each statement needs actions of the form "
    '<service>:<action> (wildcards inside a name, as s3:Get*, are allowed; "*" and "<service>:*" are not).',
    "extra_policy_statements_no_resource": "extra_policy_statements: each statement needs at least one resource, "
    "none empty.",
    "extra_policy_statements_effect": "extra_policy_statements: effect must be Allow or Deny.",
    "extra_policy_statements_sid_clash": "extra_policy_statements: a sid is letters and digits only, unique, and "
    "not one of the module's own (WriteOwnLogs, ReadTriggerObjects, WriteLogItems, SendFailedEvents, "
    "DecryptWithCustomerKey, WriteTraces).",
    "async_queue_retention": "async_invocation.failure_queue.message_retention_seconds must be from 60 to "
    "1209600 (14 days).",
}


def expected_message(run_name: str, variable: str) -> str:
    """Cases are named after what they break; the longest matching prefix names the message."""
    matches = [key for key in MESSAGES if run_name.startswith(key) or key == variable]
    return MESSAGES[max(matches, key=len)]


def cases() -> list[tuple[str, str, str]]:
    found = [(m["name"], m["var"], m["value"].strip()) for m in RUN.finditer(CASES_FILE.read_text())]
    assert len(found) == CASES_FILE.read_text().count('run "'), "a case in validation.tftest.hcl was not understood"
    return found


def rounds() -> list[list[tuple[str, str, str]]]:
    """Cases grouped so that no round sets one variable twice (one console run per round)."""
    grouped: list[list[tuple[str, str, str]]] = []
    for case in cases():
        for group in grouped:
            if all(other[1] != case[1] for other in group):
                group.append(case)
                break
        else:
            grouped.append([case])
    return grouped


def _normalise(text: str) -> str:
    return " ".join(text.split())


def rejected(output: str) -> dict[str, list[str]]:
    """Variable -> the validation messages Terraform printed for it."""
    found: dict[str, list[str]] = {}
    for block in output.split("Error: Invalid value for variable")[1:]:
        variable = re.search(r"│ var\.(\w+)", block)
        message = re.search(r"│[^\n]*\n\n(?P<message>.*?)\n\nThis was checked by the validation rule", block, re.S)
        assert variable, f"unexpected console output:\n{block}"
        assert message, f"unexpected console output:\n{block}"
        found.setdefault(variable[1], []).append(_normalise(message["message"]))
    return found


@pytest.mark.parametrize("batch", rounds(), ids=lambda batch: "+".join(name for name, _, _ in batch))
def test_each_rejection_carries_its_message(initialised_module, tmp_path, batch):
    assignments = [f"{var} = {value}" for _, var, value in batch]
    if all(var != "suffix" for _, var, _ in batch):
        assignments.append('suffix = "dev"')
    tfvars = tmp_path / "case.tfvars"
    tfvars.write_text("\n".join(assignments) + "\n")

    console = subprocess.run(
        ["terraform", "console", "-no-color", f"-var-file={tfvars}"],
        cwd=initialised_module,
        input="1\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    found = rejected(console.stdout + console.stderr)
    assert sorted(found) == sorted(var for _, var, _ in batch), "only the variables set wrong may be rejected"
    for name, var, _ in batch:
        assert found[var] == [_normalise(expected_message(name, var))], name
