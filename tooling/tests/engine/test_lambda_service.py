"""The Lambda service's invokes, retries, throttles, destinations and faults, on fake environments:
no process and no moto server (moto's function lookup and SQS are stood in for)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from pipeline_tooling.engine.adapter import awslambda as moto_lambda
from pipeline_tooling.engine.adapter import sqs
from pipeline_tooling.engine.awslambda.clock import EventClock
from pipeline_tooling.engine.awslambda.pool import EnvironmentPool
from pipeline_tooling.engine.awslambda.service import AsyncEvent, LambdaService
from pipeline_tooling.engine.awslambda.spec import AsyncConfig, FunctionSpec
from pipeline_tooling.engine.credentials import Credentials
from pipeline_tooling.engine.errors import TooManyRequests
from pipeline_tooling.engine.faults import EnvironmentFault, Faults
from pipeline_tooling.engine.iam.enforcer import Authorizer, Sessions
from pipeline_tooling.harness.polling import wait_until

from tests.engine.test_worker_pool import SPEC, Launcher, hold_every_slot, payload

COUNTERS = ("invocations", "errors", "retries", "throttles", "dropped", "sent_to_destination", "pending_async")
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:failures"
CREDENTIALS = Credentials(
    "AKIA", "secret", "token", "arn:aws:sts::123456789012:assumed-role/r/fn", "role", "123456789012"
)


class FixedSessions(Sessions):
    """The function's role's credentials, without STS."""

    def issue(self, account_id: str, role_arn: str, function_name: str) -> Credentials:
        return CREDENTIALS


class Refusing(Authorizer):
    """A role that may do nothing."""

    def allows(self, session: Credentials, action: str, resource: str) -> bool:
        return False


@dataclass
class Functions:
    """moto's functions as the service reads them for each attempt; ``after`` replaces them once read
    ``reads`` times, as a change of configuration between attempts would."""

    spec: FunctionSpec | None = SPEC
    config: AsyncConfig = field(default_factory=AsyncConfig)
    after: tuple[int, FunctionSpec | None, AsyncConfig] | None = None
    reads: int = 0

    def current(self, account_id: str, region: str, name_or_arn: str) -> tuple[FunctionSpec, AsyncConfig] | None:
        self.reads += 1
        if self.after is not None and self.reads > self.after[0]:
            _, self.spec, self.config = self.after
        return None if self.spec is None else (self.spec, self.config)


@dataclass
class Engine:
    service: LambdaService
    pool: EnvironmentPool
    launcher: Launcher
    faults: Faults
    functions: Functions
    sent: list[tuple[str, dict[str, Any]]]


class Ticks(EventClock):
    """A clock that reads each of ``times`` in turn, then the last of them from then on."""

    def __init__(self, *times: float) -> None:
        super().__init__()
        self._times = list(times)

    def now(self) -> float:
        return self._times.pop(0) if len(self._times) > 1 else self._times[0]


def make_engine(
    monkeypatch: pytest.MonkeyPatch, *, authorizer: Authorizer | None = None, clock: EventClock | None = None
) -> Engine:
    launcher, faults, functions = Launcher(), Faults(), Functions()
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(moto_lambda, "current", functions.current)
    monkeypatch.setattr(sqs, "send", lambda queue, body: sent.append((queue, json.loads(body))))
    pool = EnvironmentPool(launcher, concurrency=2)
    service = LambdaService(
        pool,
        faults,
        retry_delays=(0.0,),
        sessions=FixedSessions(),
        authorizer=authorizer or Authorizer(enabled=False),
        clock=clock,
    )
    return Engine(service, pool, launcher, faults, functions, sent)


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    made = make_engine(monkeypatch)
    yield made
    made.service.close()
    made.pool.close()


def counters(engine: Engine) -> dict[str, int]:
    """The service's counters once no event is pending."""
    snapshot = wait_until(
        engine.service.snapshot,
        lambda s: s["pending_async"] == 0,
        timeout=10,
        what="no event pending",
        interval=0.005,
        max_interval=0.05,
    )
    return {name: snapshot[name] for name in COUNTERS}


def zero(**counts: int) -> dict[str, int]:
    """Every counter 0 but those given."""
    return {**dict.fromkeys(COUNTERS, 0), **counts}


def send_event(engine: Engine, do: str) -> AsyncEvent:
    event = AsyncEvent(SPEC.account_id, SPEC.region, SPEC.arn, payload(do))
    engine.service.enqueue(event)
    return event


def invoke(engine: Engine, spec: FunctionSpec, do: str) -> tuple[bytes, dict[str, str]]:
    headers: dict[str, str] = {}
    body = engine.service.handle_invoke(spec, payload(do), {}, headers)
    return body, headers


def test_a_synchronous_invoke_answers_with_the_handlers_result(engine):
    body, headers = invoke(engine, SPEC, "succeed")

    assert (body, headers) == (b'"done"', {"x-amz-executed-version": "$LATEST"})
    assert counters(engine) == zero(invocations=1)


def test_a_synchronous_invoke_that_fails_is_marked_and_frees_its_slot(engine):
    spec = replace(SPEC, reserved_concurrency=2)

    body, headers = invoke(engine, spec, "fail")

    assert (body, headers["x-amz-function-error"]) == (b'{"errorType": "RuntimeError"}', "Unhandled")
    assert counters(engine) == zero(invocations=1, errors=1)
    hold_every_slot(engine.pool, spec)


def test_a_synchronous_invoke_whose_environment_raises_frees_its_slot(engine):
    spec = replace(SPEC, reserved_concurrency=2)

    with pytest.raises(RuntimeError, match="the environment broke"):
        invoke(engine, spec, "raise")

    assert counters(engine) == zero()
    hold_every_slot(engine.pool, spec)


@pytest.mark.parametrize(
    ("reserved", "reason"),
    [(1, "ReservedFunctionConcurrentInvocationLimitExceeded"), (None, "ConcurrentInvocationLimitExceeded")],
)
def test_a_synchronous_invoke_at_the_cap_is_a_429(engine, reserved, reason):
    spec = replace(SPEC, reserved_concurrency=reserved)
    cap = 1 if reserved else engine.pool.concurrency

    with ExitStack() as held:
        for _ in range(cap):
            held.enter_context(engine.pool.slot(spec))
        with pytest.raises(TooManyRequests) as refused:
            invoke(engine, spec, "succeed")

    assert (refused.value.status, refused.value.error_type) == (429, "TooManyRequestsException")
    assert json.loads(refused.value.body)["Reason"] == reason
    assert counters(engine) == zero(throttles=1)
    hold_every_slot(engine.pool, spec)  # the slots held are free again


def test_an_event_that_succeeds_is_no_longer_pending(engine):
    engine.functions.spec = replace(SPEC, reserved_concurrency=2)

    send_event(engine, "succeed")

    assert counters(engine) == zero(invocations=1)
    assert [e.faults for e in engine.launcher.started] == [[None]]
    hold_every_slot(engine.pool, engine.functions.spec)


def test_an_event_that_keeps_failing_is_retried_then_sent_to_its_destination(engine):
    engine.functions.config = AsyncConfig(maximum_retry_attempts=2, on_failure=QUEUE)

    event = send_event(engine, "fail")

    assert counters(engine) == zero(invocations=3, errors=3, retries=2, sent_to_destination=1)
    [(queue, record)] = engine.sent
    assert queue == QUEUE
    assert record["requestContext"] == {
        "requestId": event.request_id,
        "functionArn": f"{SPEC.arn}:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["requestPayload"] == {"do": "fail"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"] == {"errorType": "RuntimeError"}


def test_an_event_that_fails_without_a_destination_is_dropped(engine):
    engine.functions.config = AsyncConfig(maximum_retry_attempts=0)

    send_event(engine, "fail")

    assert counters(engine) == zero(invocations=1, errors=1, dropped=1)
    assert engine.sent == []


def test_an_event_whose_destination_is_gone_is_dropped_once(engine, monkeypatch):
    engine.functions.config = AsyncConfig(maximum_retry_attempts=0, on_failure=QUEUE)

    def gone(queue: str, body: str) -> None:
        raise KeyError(queue)

    monkeypatch.setattr(sqs, "send", gone)

    send_event(engine, "fail")

    assert counters(engine) == zero(invocations=1, errors=1, dropped=1)


def test_an_event_whose_role_may_not_send_to_its_destination_is_dropped(monkeypatch):
    engine = make_engine(monkeypatch, authorizer=Refusing(enabled=True))
    engine.functions.config = AsyncConfig(maximum_retry_attempts=0, on_failure=QUEUE)
    try:
        send_event(engine, "fail")

        assert counters(engine) == zero(invocations=1, errors=1, dropped=1)
        assert engine.sent == []
    finally:
        engine.service.close()
        engine.pool.close()


def test_a_throttled_event_waits_without_using_attempts_until_its_age_runs_out(engine):
    """Reserved concurrency 0: two throttled tries, then (its maximum age made past) the destination,
    with no invocation counted."""
    engine.functions.spec = replace(SPEC, reserved_concurrency=0)
    engine.functions.config = AsyncConfig(on_failure=QUEUE)
    engine.functions.after = (2, engine.functions.spec, AsyncConfig(maximum_event_age_s=-1.0, on_failure=QUEUE))

    send_event(engine, "succeed")

    assert counters(engine) == zero(throttles=2, sent_to_destination=1)
    [(_, record)] = engine.sent
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["responsePayload"] is None
    assert engine.launcher.started == []


@pytest.mark.parametrize(
    ("age_s", "expected"),
    [
        (3600.0, zero(invocations=1)),  # an hour queued on a starved machine: AWS would still run it
        (21600.0, zero(invocations=1)),  # exactly the default maximum age: still run
        (21600.5, zero(sent_to_destination=1)),  # past it: not run, to the destination
    ],
)
def test_an_event_is_run_until_it_is_older_than_the_functions_maximum_age(monkeypatch, age_s, expected):
    """The age is the function's own (six hours by default), read when an attempt starts: no compression."""
    engine = make_engine(monkeypatch, clock=Ticks(1000.0, 1000.0 + age_s))
    engine.functions.config = AsyncConfig(on_failure=QUEUE)
    try:
        send_event(engine, "succeed")

        assert counters(engine) == expected
        assert [r["requestContext"]["condition"] for _, r in engine.sent] == (
            ["EventAgeExceeded"] if expected["sent_to_destination"] else []
        )
    finally:
        engine.service.close()
        engine.pool.close()


def test_the_event_clock_moves_forward_only():
    clock = EventClock()
    before = clock.now()

    assert clock.advance(60) == 60.0
    assert clock.advance(0.5) == 60.5
    assert clock.now() - before >= 60.5
    for wrong in (-1, float("nan"), float("inf"), "60", True, None):
        with pytest.raises(ValueError, match="advance_s"):
            clock.advance(wrong)  # type: ignore[arg-type]
    assert clock.advance(0) == 60.5


def test_an_event_for_a_function_that_is_gone_is_dropped(engine):
    engine.functions.spec = None

    send_event(engine, "succeed")

    assert counters(engine) == zero(dropped=1)


def test_an_event_whose_environment_raises_is_no_longer_pending(engine):
    engine.functions.spec = replace(SPEC, reserved_concurrency=2)

    send_event(engine, "raise")

    assert counters(engine) == zero()
    hold_every_slot(engine.pool, engine.functions.spec)


def test_an_injected_kill_reaches_the_first_attempts_environment_once(engine):
    """Every first attempt is to be killed: the kill reaches the environment of the first attempt only; the
    retry runs, in a new environment (the killed one is retired)."""
    engine.faults.replace({"environment_kill_rate": 1.0})

    send_event(engine, "succeed")

    assert counters(engine) == zero(invocations=2, errors=1, retries=1)
    assert [e.faults for e in engine.launcher.started] == [[EnvironmentFault.KILL], [None]]
    assert [e.stops for e in engine.launcher.started] == [1, 0]
    assert engine.faults.snapshot()["injected"]["environment_kills"] == 1


def test_a_synchronous_invoke_gets_no_injected_kill(engine):
    engine.faults.replace({"environment_kill_rate": 1.0})

    assert invoke(engine, SPEC, "succeed")[0] == b'"done"'

    assert [e.faults for e in engine.launcher.started] == [[None]]
    assert engine.faults.snapshot()["injected"]["environment_kills"] == 0
