"""Duplicate delivery, transient and permanent failures: nothing lost, nothing written twice; an outage's
events replayed by redrive.py.

Faults are injected in the engine's services (S3 delivery, DynamoDB), never in the
handler, through the embedded engine's control API; engines without one skip these.
E2E_FAULT_OBJECTS sets the size of the duplicate-and-transient run: 100 in `make e2e`, 1,000 in
`make soak` (which CI runs too).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pipeline_tooling.harness.capabilities import Capability
from pipeline_tooling.harness.control import EngineControl
from pipeline_tooling.harness.items import by_key, exactly, items_under
from pipeline_tooling.harness.outcomes import Outcomes
from pipeline_tooling.harness.polling import wait_until
from pipeline_tooling.harness.sandbox import envfile
from pipeline_tooling.paths import module_root

FAULT_OBJECTS = int(os.environ.get("E2E_FAULT_OBJECTS", "100"))
OUTAGE_OBJECTS = 20

pytestmark = pytest.mark.needs(Capability.FAULT_INJECTION, Capability.INVOCATION_STATS)


@pytest.fixture
def faults(target) -> Iterator[EngineControl]:
    injector = EngineControl(target)
    injector.clear()
    try:
        yield injector
    finally:
        injector.clear()


def upload(clients, stack, keys: list[str]) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda k: clients.s3.put_object(Bucket=stack.bucket, Key=k, Body=b"{}"), keys))


def queued(clients, stack) -> int:
    """Messages in the failure queue, visible or not, without touching them."""
    attributes = clients.sqs.get_queue_attributes(
        QueueUrl=stack.outputs["failure_queue_url"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def receive_all(clients, stack, expected: int) -> list[dict[str, Any]]:
    """Receive ``expected`` messages (hidden from others for 5 minutes while the test works on them)."""
    url = stack.outputs["failure_queue_url"]
    found: dict[str, dict[str, Any]] = {}

    def receive() -> dict[str, dict[str, Any]]:
        batch = clients.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        found.update({m["MessageId"]: m for m in batch.get("Messages", [])})
        return found

    wait_until(receive, lambda got: len(got) >= expected, timeout=60, what=f"receiving {expected} messages")
    return list(found.values())


def test_duplicates_transient_errors_and_killed_environments_lose_and_double_nothing(clients, stack, faults, progress):
    faults.set(s3_delivery_copies=2, put_item_failure_rate=0.1, environment_kill_rate=0.05, seed=20261125)
    keys = [f"faults/{n:05d}.json" for n in range(FAULT_OBJECTS)]
    before = faults.stats()

    with progress.phase(
        f"upload {FAULT_OBJECTS} objects, each delivered twice, 10% PutItem failing, 5% of environments killed"
    ):
        upload(clients, stack, keys)
        final = exactly(
            clients.dynamodb,
            stack.table,
            "faults/",
            FAULT_OBJECTS,
            timeout=max(120, FAULT_OBJECTS / 4),
            settle=2.0,
            outcomes=Outcomes.for_stack(clients, stack.outputs, every_s=2.0),  # the log is long: read it less often
        )
    injected = faults.status()["injected"]
    # A kill that hit the second copy of an object whose item the first copy already wrote is
    # retried after the items are all there: wait for every kill's retry, not just for the items.
    retries = wait_until(
        lambda: faults.stats()["retries"] - before["retries"],
        lambda seen: seen >= injected["environment_kills"],
        timeout=60,
        what=f"a retry for each of the {injected['environment_kills']} killed invocations",
    )
    progress.say(f"faults injected: {injected}; Lambda-level retries: {retries}")
    progress.count("fault run: objects", FAULT_OBJECTS)
    progress.count("fault run: duplicate deliveries", injected["copies"])
    progress.count("fault run: PutItem errors injected", injected["put_item_errors"])
    progress.count("fault run: environments killed", injected["environment_kills"])
    progress.count("fault run: Lambda-level retries", retries)

    assert sorted(by_key(final)) == keys
    assert len({i["requestId"] for i in final}) == FAULT_OBJECTS
    assert injected["copies"] == FAULT_OBJECTS  # every event really was delivered twice
    assert injected["put_item_errors"] > 0  # and PutItem really did fail along the way
    assert injected["environment_kills"] > 0  # and environments died mid-invocation
    assert queued(clients, stack) == 0  # nothing gave up


def redrive(target, *args: str, given: str | None = None) -> subprocess.CompletedProcess[str]:
    """redrive.py as a user runs it (``given`` on its standard input), against the target."""
    return subprocess.run(
        [sys.executable, str(module_root() / "redrive.py"), *args],
        input=given,
        env={**os.environ, **envfile.variables(target, {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_permanent_failure_ends_in_the_queue_and_redrive_replays_it_exactly_once(
    target, clients, stack, faults, progress
):
    faults.set(unavailable_tables=[stack.table])
    keys = [f"outage/{n:03d}.txt" for n in range(OUTAGE_OBJECTS)]
    upload(clients, stack, keys)

    with progress.phase(f"wait for {OUTAGE_OBJECTS} failed events in the destination queue"):
        wait_until(
            lambda: queued(clients, stack),
            lambda n: n >= OUTAGE_OBJECTS,
            timeout=120,
            what=f"{OUTAGE_OBJECTS} failure records",
        )
    messages = receive_all(clients, stack, OUTAGE_OBJECTS)
    records = [json.loads(m["Body"]) for m in messages]
    assert len(records) == OUTAGE_OBJECTS
    assert items_under(clients.dynamodb, stack.table, "outage/") == []
    assert all(r["requestContext"]["condition"] == "RetriesExhausted" for r in records)
    assert all(r["requestContext"]["approximateInvokeCount"] == 3 for r in records)  # 1 + 2 retries
    assert all(r["responseContext"]["functionError"] == "Unhandled" for r in records)
    originals = [r["requestPayload"]["Records"][0] for r in records]
    assert sorted(o["s3"]["object"]["key"] for o in originals) == keys  # the original events, untouched
    assert all(o["eventSource"] == "aws:s3" and o["eventName"] == "ObjectCreated:Put" for o in originals)
    url = stack.outputs["failure_queue_url"]
    for message in messages:  # seen: back in the queue for redrive.py
        clients.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)

    with progress.phase("redrive.py while the cause is not fixed: stops at the first failure"):
        stopped = redrive(target, "--queue-url", url, "--function", stack.function)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert re.search(
        rf"^stopped at 1 of {OUTAGE_OBJECTS} \(message [^)]+\): ResourceNotFoundException: ", stopped.stdout, re.M
    ), stopped.stdout
    assert f"replayed 0, left {OUTAGE_OBJECTS} in the queue (of which 0 not replayable)" in stopped.stdout
    assert queued(clients, stack) == OUTAGE_OBJECTS  # nothing consumed
    assert items_under(clients.dynamodb, stack.table, "outage/") == []

    faults.clear()
    outputs = stack.root.terraform.output_json()  # the README's: terraform output -json | redrive.py --outputs -
    with progress.phase("redrive.py twice once the cause is fixed"):
        first, second = (redrive(target, "--outputs", "-", given=outputs) for _ in range(2))
    assert first.returncode == 0, first.stdout + first.stderr
    replayed = re.findall(
        rf"^replayed \d+ of {OUTAGE_OBJECTS}: .* ObjectCreated:Put \S+/(outage/\d+\.txt)$", first.stdout, re.M
    )
    assert sorted(replayed) == keys, first.stdout
    assert (second.returncode, second.stdout) == (0, f"nothing to replay: {url} is empty\n")
    assert queued(clients, stack) == 0

    items = items_under(clients.dynamodb, stack.table, "outage/")
    assert sorted(by_key(items)) == keys
    assert all(len(v) == 1 for v in by_key(items).values())
    progress.count("outage run: events replayed by redrive.py", OUTAGE_OBJECTS)
