"""Lambda's own semantics where the engine used to deviate: throttling, fresh configuration, event time,
tracebacks, killed environments."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pipeline_tooling.harness.clients import client
from pipeline_tooling.harness.control import EngineControl
from pipeline_tooling.harness.polling import wait_until

from tests.engine.conftest import allow_s3, invoke, lines_of, notify, quiet, stats

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration

SLEEPER = """
import time

def lambda_handler(event, context):
    if event.get("started"):
        open(event["started"], "w").close()
    time.sleep(event.get("sleep", 0))
    return "slept"
"""

FAILING = "def lambda_handler(event, context):\n    raise RuntimeError('fails')\n"


def destination(aws, name: str) -> tuple[str, str]:
    url = aws.sqs.create_queue(QueueName=f"{name}-failures")["QueueUrl"]
    arn = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def records(aws, url: str, count: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def receive() -> list[dict[str, Any]]:
        found.extend(json.loads(m["Body"]) for m in aws.sqs.receive_message(QueueUrl=url).get("Messages", []))
        return found

    return wait_until(receive, lambda got: len(got) >= count, timeout=30, what=f"{count} failure record(s)")


def throttled(engine, count: int) -> dict[str, Any]:
    """The engine's counters once it has throttled ``count`` times in all."""
    return wait_until(
        lambda: stats(engine), lambda s: s["throttles"] >= count, timeout=30, what=f"{count} throttles in all"
    )


def test_a_synchronous_invoke_beyond_the_concurrency_is_refused_at_once(aws, engine, make_function, tmp_path):
    started = tmp_path / "started"
    name = make_function(SLEEPER, reserved=1)
    busy = threading.Thread(target=invoke, args=(aws, name, {"sleep": 3, "started": str(started)}))
    busy.start()
    wait_until(started.exists, bool, timeout=10, what="the one environment taken")

    with pytest.raises(ClientError) as refused:
        client(engine, "lambda", attempts=1).invoke(FunctionName=name, Payload=b"{}")

    assert busy.is_alive()  # refused while the first invoke still runs, not after waiting for it
    assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert refused.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"  # type: ignore[typeddict-item]
    busy.join()


def test_reserved_concurrency_zero_throttles_events_until_their_age_runs_out(aws, engine, make_function):
    """Lambda's shortest maximum age, 60 s, reached on the engine's event clock (moved forward by the test):
    30 s old, the throttled event is still kept and tried; past 60 s it goes to the destination."""
    name = make_function(SLEEPER, reserved=0)
    url, arn = destination(aws, name)
    aws.lambda_.put_function_event_invoke_config(
        FunctionName=name, MaximumEventAgeInSeconds=60, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    control = EngineControl(engine)
    before = quiet(engine)

    aws.lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"throttled": true}')
    throttled(engine, before["throttles"] + 2)
    moved = control.advance_event_clock(30)
    kept = throttled(engine, stats(engine)["throttles"] + 2)  # two more tries, at least one 30 s old

    assert kept["pending_async"] == 1
    assert kept["sent_to_destination"] == before["sent_to_destination"]
    assert aws.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []
    assert control.advance_event_clock(30) == moved + 30  # with the time it took, past 60 s
    [record] = records(aws, url, 1)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0  # never ran
    assert record["requestPayload"] == {"throttled": True}
    after = quiet(engine)
    assert after["throttles"] > before["throttles"]
    assert after["invocations"] == before["invocations"]
    with pytest.raises(ClientError) as refused:  # synchronously: a 429 at once
        client(engine, "lambda", attempts=1).invoke(FunctionName=name, Payload=b"{}")
    assert refused.value.response["Error"]["Code"] == "TooManyRequestsException"


def test_the_event_invoke_config_put_last_is_the_one_in_force(aws, engine, make_function):
    name = make_function(FAILING)
    url, arn = destination(aws, name)
    aws.lambda_.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2)
    aws.lambda_.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": arn}}
    )

    aws.lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")

    assert aws.lambda_.get_function_event_invoke_config(FunctionName=name)["MaximumRetryAttempts"] == 0
    [record] = records(aws, url, 1)
    assert record["requestContext"]["approximateInvokeCount"] == 1  # no retry: the second config counts


def test_an_event_whose_destination_is_gone_is_dropped_once(aws, engine, make_function):
    """The queue deleted before the event fails for good (a destroy under way): counted as dropped, and the
    engine's count of events in flight comes back to zero, not below it."""
    name = make_function(FAILING)
    url, arn = destination(aws, name)
    aws.lambda_.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=0, DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    aws.sqs.delete_queue(QueueUrl=url)
    before = quiet(engine)

    aws.lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    after = wait_until(
        lambda: stats(engine), lambda s: s["dropped"] > before["dropped"], timeout=30, what="the event dropped"
    )

    assert (after["dropped"] - before["dropped"], after["sent_to_destination"] - before["sent_to_destination"]) == (
        1,
        0,
    )
    assert quiet(engine)["pending_async"] == 0


def test_the_event_time_is_the_puts_not_the_deliverys(aws, make_function, tmp_path):
    seen = tmp_path / "seen"
    name = make_function(
        f"""
        import json, time
        def lambda_handler(event, context):
            record = event["Records"][0]
            if record["s3"]["object"]["key"] == "slow":
                time.sleep(2)
            with open({str(seen)!r}, "a") as f:
                f.write(json.dumps({{"key": record["s3"]["object"]["key"], "eventTime": record["eventTime"],
                                     "received": time.time()}}) + "\\n")
        """,
        reserved=1,  # the second event waits for the first
    )
    arn = aws.lambda_.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    bucket = f"event-time-{name}"
    aws.s3.create_bucket(Bucket=bucket)
    allow_s3(aws, name, bucket)
    notify(aws, bucket, arn)

    aws.s3.put_object(Bucket=bucket, Key="slow", Body=b"1")
    aws.s3.put_object(Bucket=bucket, Key="queued", Body=b"1")
    put_at = time.time()

    lines = wait_until(lambda: lines_of(seen), lambda found: len(found) == 2, timeout=30, what="both events")
    queued = next(json.loads(line) for line in lines if '"queued"' in line)
    event_time = datetime.strptime(queued["eventTime"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert queued["received"] - put_at > 1.0  # delivered after the slow one finished
    assert abs(event_time.timestamp() - put_at) < 0.5  # but stamped when it was put


def test_a_traceback_is_one_log_event(aws, make_function):
    name = make_function("def lambda_handler(e, c):\n    raise ValueError('bad input')\n")

    invoke(aws, name)

    events = [e["message"] for e in aws.logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]]
    [error] = [m for m in events if "bad input" in m]
    assert error.startswith("[ERROR] ValueError: bad input\nTraceback (most recent call last):\n")
    assert "line 2, in lambda_handler" in error


def test_a_killed_environment_fails_the_attempt_and_the_retry_runs(aws, engine, make_function, tmp_path):
    ran = tmp_path / "ran"
    name = make_function(
        f"""
        import time
        def lambda_handler(event, context):
            time.sleep(0.3)  # long enough to be killed first
            with open({str(ran)!r}, "a") as f:
                f.write(context.aws_request_id + "\\n")
            return "done"
        """
    )
    control = EngineControl(engine)
    control.set(environment_kill_rate=1.0)  # every first attempt
    try:
        before = quiet(engine)
        aws.lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        attempts = wait_until(lambda: lines_of(ran), bool, timeout=30, what="the retry")
        after = quiet(engine)
        injected = control.status()["injected"]
    finally:
        control.clear()

    assert len(attempts) == 1  # the killed attempt never got as far as writing
    assert injected["environment_kills"] == 1
    assert (after["errors"] - before["errors"], after["retries"] - before["retries"]) == (1, 1)
