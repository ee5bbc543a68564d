"""A starved engine loses nothing AWS would have kept: events queued behind a busy environment while every
core is taken by other work, and hours passing on the event clock, all still run while they are younger
than their function's maximum age (six hours by default)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from pipeline_tooling.harness.control import EngineControl
from pipeline_tooling.harness.polling import wait_until

from tests.engine.conftest import lines_of, quiet, stats
from tests.engine.test_lambda_semantics import destination

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration

HOLDING = """
import os, time

def lambda_handler(event, context):
    if event.get("hold"):
        open(event["started"], "w").close()
        while not os.path.exists(event["hold"]):
            time.sleep(0.01)
    with open(event["log"], "a") as f:
        f.write(str(event["n"]) + "\\n")
"""
BACKLOG = 100
QUEUED_FOR_S = 6 * 3600 - 60  # a minute short of Lambda's default maximum event age


@pytest.fixture
def busy_cores() -> Iterator[None]:
    """A CPU-bound process per core beside the engine for the test's length, stopped by its own process id."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait(timeout=10)


def test_a_backlog_on_a_starved_engine_runs_in_full_within_its_maximum_age(
    aws, engine, make_function, tmp_path, busy_cores
):
    name = make_function(HOLDING, reserved=1)  # one environment: everything else queues behind it
    url, arn = destination(aws, name)
    aws.lambda_.put_function_event_invoke_config(
        FunctionName=name, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    log, started, hold = tmp_path / "ran", tmp_path / "started", tmp_path / "hold"
    before = quiet(engine)

    def send(n: int, **extra: str) -> None:
        payload = {"n": n, "log": str(log), **extra}
        aws.lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps(payload).encode())

    send(-1, hold=str(hold), started=str(started))
    wait_until(started.exists, bool, timeout=60, what="the one environment held")
    for n in range(BACKLOG):
        send(n)
    EngineControl(engine).advance_event_clock(QUEUED_FOR_S)  # the backlog has waited almost six hours
    hold.touch()

    def over() -> str | None:
        """The engine's counters once no event is pending any more and some never ran (read in that order)."""
        counts = stats(engine)
        return (
            f"no event pending, engine: {counts}"
            if not counts["pending_async"] and len(lines_of(log)) <= BACKLOG
            else None
        )

    ran = wait_until(
        lambda: lines_of(log),
        lambda lines: len(lines) >= BACKLOG + 1,
        timeout=120,
        what=f"{BACKLOG + 1} events run",
        describe=lambda lines: f"{len(lines)} run",
        give_up=over,
    )
    after = quiet(engine)

    assert sorted(map(int, ran)) == list(range(-1, BACKLOG))
    counted = {k: after[k] - before[k] for k in ("invocations", "errors", "dropped", "sent_to_destination")}
    assert counted == {"invocations": BACKLOG + 1, "errors": 0, "dropped": 0, "sent_to_destination": 0}
    assert aws.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []
