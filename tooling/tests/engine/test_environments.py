"""Execution environments: warm before the first event, as many as the function may have, output in order."""

from __future__ import annotations

import json
import threading

import pytest
from pipeline_tooling.harness.polling import wait_until

from tests.engine.conftest import invoke, lines_of, quiet, stats

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration

PID_HANDLER = """
import os, time
def lambda_handler(event, context):
    if event.get("path"):
        with open(event["path"], "a") as f:
            f.write(str(os.getpid()) + "\\n")
    time.sleep(event.get("sleep", 0))
    return os.getpid()
"""


def test_an_environment_is_warm_before_the_first_event(aws, engine, make_function):
    before = quiet(engine)

    name = make_function(PID_HANDLER)
    wait_until(
        lambda: stats(engine),
        lambda s: s["prewarmed"] == before["prewarmed"] + 1 and s["warming"] == 0,
        timeout=30,
        what="the environment started on CreateFunction",
    )
    invoke(aws, name)

    assert stats(engine)["cold_starts"] == before["cold_starts"]  # the first event met a warm worker


def test_new_code_is_warmed_too_and_the_old_environment_retired(aws, engine, make_function):
    name = make_function(PID_HANDLER)
    old_pid = invoke(aws, name)[1]
    before = quiet(engine)

    aws.lambda_.update_function_configuration(FunctionName=name, Environment={"Variables": {"V": "2"}})
    wait_until(
        lambda: stats(engine),
        lambda s: s["prewarmed"] == before["prewarmed"] + 1 and s["warming"] == 0,
        timeout=30,
        what="the environment started on UpdateFunctionConfiguration",
    )
    new_pid = invoke(aws, name)[1]

    assert new_pid != old_pid  # a changed configuration is a new environment, as in Lambda
    assert stats(engine)["cold_starts"] == before["cold_starts"]


SLOW_INIT = """
import time

time.sleep(2)  # an init that takes longer than the function's timeout (Lambda allows init 10 s of its own)
def lambda_handler(event, context):
    if event.get("started"):
        open(event["started"], "w").close()
    time.sleep(event.get("sleep", 0))
    return context.get_remaining_time_in_millis()
"""


def test_a_cold_starts_init_is_not_counted_against_the_functions_timeout(aws, engine, make_function, tmp_path):
    """As in Lambda, the init phase has a limit of its own: an environment started for an event (the warm one
    is busy) runs it in full after a 2 s init, with a 1 s timeout; a slow machine's init is no timeout."""
    name = make_function(SLOW_INIT, timeout=1)
    started = tmp_path / "started"
    busy = threading.Thread(target=invoke, args=(aws, name, {"sleep": 0.5, "started": str(started)}))
    before = quiet(engine)
    busy.start()
    wait_until(started.exists, bool, timeout=10, what="the warm environment taken")

    error, remaining_ms = invoke(aws, name)
    busy.join()

    assert error is None, remaining_ms
    assert 0 < remaining_ms <= 1000  # the invocation's own second, whole: the 2 s init came before it
    assert stats(engine)["cold_starts"] == before["cold_starts"] + 1  # and it really was a cold start


def run_together(aws, name: str, events: int, path) -> None:
    """``events`` asynchronous invocations at once, each holding its environment for a second."""
    for _ in range(events):
        aws.lambda_.invoke(
            FunctionName=name, InvocationType="Event", Payload=json.dumps({"path": str(path), "sleep": 1}).encode()
        )
    wait_until(lambda: lines_of(path), lambda lines: len(lines) == events, timeout=60, what=f"{events} invocations")


def test_reserved_concurrency_caps_the_environments(aws, engine, make_function, tmp_path):
    name = make_function(PID_HANDLER, reserved=2)

    run_together(aws, name, 6, tmp_path / "pids")

    assert len(set(lines_of(tmp_path / "pids"))) == 2


def test_without_a_reservation_the_machine_sized_default_caps_them(aws, engine, make_function, tmp_path):
    name = make_function(PID_HANDLER)
    limit = stats(engine)["concurrency"]

    run_together(aws, name, limit + 3, tmp_path / "pids")

    assert len(set(lines_of(tmp_path / "pids"))) == limit


def test_waiting_retries_hold_no_dispatcher_and_no_environment(slow_retry_engine, make_slow_retry_function, tmp_path):
    """Ten events fail and wait 5 s for their retries; meanwhile the function's one environment serves others."""
    attempts, served = tmp_path / "attempts", tmp_path / "served"
    name = make_slow_retry_function(
        """
        def lambda_handler(event, context):
            with open(event["path"], "a") as f:
                f.write("x\\n")
            if event.get("fail"):
                raise RuntimeError("fails, to be retried")
            return "ran"
        """,
        reserved=1,
    )
    aws = slow_retry_engine
    failing = json.dumps({"path": str(attempts), "fail": True}).encode()
    for _ in range(10):
        aws.lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=failing)
    wait_until(lambda: lines_of(attempts), lambda lines: len(lines) == 10, timeout=30, what="ten first attempts")

    assert invoke(aws, name, {"path": str(served)}) == (None, "ran")
    aws.lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"path": str(served)}).encode())
    wait_until(lambda: lines_of(served), lambda lines: len(lines) == 2, timeout=30, what="both other events")
    assert len(lines_of(attempts)) == 10  # every retry is still waiting on its timer


def test_output_is_one_batch_in_order_even_when_the_pipe_would_fill(aws, make_function):
    name = make_function(
        """
        def lambda_handler(event, context):
            for n in range(3000):
                print(f"line {n:04d} " + "x" * 100)
            return "done"
        """
    )

    assert invoke(aws, name) == (None, "done")  # 300 KB of output did not block the function

    def messages() -> list[str]:
        events = aws.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        return [e["message"] for e in events]

    found = wait_until(messages, lambda m: any(x.startswith("REPORT") for x in m), timeout=10, what="REPORT line")
    assert found[0].startswith("START RequestId:")
    assert found[1:3001] == [f"line {n:04d} " + "x" * 100 for n in range(3000)]
    assert found[3001].startswith("END RequestId:")
    assert found[3002].startswith("REPORT RequestId:")
    assert len(found) == 3003


def test_lines_printed_after_returning_come_before_the_next_start(aws, make_function, tmp_path):
    printed = tmp_path / "printed"
    name = make_function(
        """
        import threading, time
        def late(path):
            time.sleep(0.3)
            print("printed after returning", flush=True)
            open(path, "w").close()
        def lambda_handler(event, context):
            if event.get("path"):
                threading.Thread(target=late, args=(event["path"],)).start()
            return "ok"
        """
    )
    invoke(aws, name, {"path": str(printed)})
    wait_until(printed.exists, bool, timeout=10, what="the function's own thread to print")
    invoke(aws, name)

    def messages() -> list[str]:
        return [e["message"] for e in aws.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]]

    found = wait_until(messages, lambda m: sum(x.startswith("REPORT") for x in m) == 2, timeout=10, what="2 REPORTs")
    late = found.index("printed after returning")
    assert found[late - 1].startswith("REPORT")
    assert found[late + 1].startswith("START")
