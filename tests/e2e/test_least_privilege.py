"""Least privilege proven by a denied call: the deployed function cannot do what its role does not grant.

The role's DynamoDB grant is taken away (or pointed at another table) out of band, and restored
after; an object then dropped gets no item, its event ends in the on-failure queue after
Lambda's retries, and the function's log says AccessDenied, naming the action and the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pipeline_tooling.harness.capabilities import Capability
from pipeline_tooling.harness.items import items_under
from pipeline_tooling.harness.polling import wait_until

pytestmark = pytest.mark.needs(Capability.IAM_ENFORCEMENT)

POLICY_NAME = "s3-processor-access"
Change = Callable[[dict[str, Any], str], dict[str, Any]]  # (the module's policy, the table's ARN) -> the test's


def without_write_grant(document: dict[str, Any], table_arn: str) -> dict[str, Any]:
    return {**document, "Statement": [s for s in document["Statement"] if "dynamodb:PutItem" not in s["Action"]]}


def grant_on_another_table(document: dict[str, Any], table_arn: str) -> dict[str, Any]:
    elsewhere = table_arn.rsplit("/", 1)[0] + "/some-other-table"
    return {
        **document,
        "Statement": [
            {**s, "Resource": [elsewhere]} if "dynamodb:PutItem" in s["Action"] else s for s in document["Statement"]
        ],
    }


@pytest.fixture
def role_policy(clients, stack) -> Iterator[Callable[[Change], None]]:
    """Replace the role's policy for the test; the module's own is put back after."""
    role = stack.outputs["lambda_role_arn"].rsplit("/", 1)[-1]
    original = clients.iam.get_role_policy(RoleName=role, PolicyName=POLICY_NAME)["PolicyDocument"]
    original = json.loads(original) if isinstance(original, str) else original

    def put(change: Change) -> None:
        changed = change(original, stack.outputs["dynamodb_table_arn"])
        clients.iam.put_role_policy(RoleName=role, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(changed))

    yield put
    clients.iam.put_role_policy(RoleName=role, PolicyName=POLICY_NAME, PolicyDocument=json.dumps(original))


def failure_record(clients, stack, key: str) -> dict[str, Any]:
    """The on-failure record of ``key``'s event, taken off the queue (the reliability tests count it)."""
    url = stack.outputs["failure_queue_url"]

    def mine() -> list[dict[str, Any]]:
        found = []
        for message in clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            record = json.loads(message["Body"])
            if record["requestPayload"]["Records"][0]["s3"]["object"]["key"] == key:
                clients.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                found.append(record)
            else:  # not this test's: back to the queue at once
                clients.sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        return found

    [record] = wait_until(mine, bool, timeout=60, what=f"the failure record of {key}")
    return record


@pytest.mark.parametrize("change", [without_write_grant, grant_on_another_table])
def test_a_write_the_role_does_not_grant_is_denied_and_the_event_kept(clients, stack, role_policy, change):
    key = f"denied/{change.__name__}.txt"
    role_policy(change)

    clients.s3.put_object(Bucket=stack.bucket, Key=key, Body=b"1")
    record = failure_record(clients, stack, key)

    assert items_under(clients.dynamodb, stack.table, "denied/") == []
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responsePayload"]["errorType"] == "ClientError"
    denied = f"dynamodb:PutItem on resource: {stack.outputs['dynamodb_table_arn']}"
    assert "AccessDeniedException" in record["responsePayload"]["errorMessage"]
    assert denied in record["responsePayload"]["errorMessage"]

    def refusals() -> list[str]:
        events = clients.logs.filter_log_events(
            logGroupName=stack.outputs["log_group_name"], filterPattern='"AccessDeniedException"'
        )["events"]
        return [e["message"] for e in events if key in e["message"] and denied in e["message"]]

    # Log delivery is eventually consistent (on AWS too): the line is waited for, not expected at once.
    wait_until(refusals, bool, timeout=30, what=f"the function's log line of the refused write for {key}")
