"""The pool's slots and environments, with fake environments: no process, no moto."""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import replace

import pytest
from pipeline_tooling.engine.awslambda.pool import ConcurrencyExhausted, EnvironmentPool, InvocationResult
from pipeline_tooling.engine.awslambda.spec import FunctionSpec
from pipeline_tooling.engine.faults import EnvironmentFault

SPEC = FunctionSpec(
    name="fn",
    arn="arn:aws:lambda:eu-west-1:123456789012:function:fn",
    account_id="123456789012",
    region="eu-west-1",
    handler="index.lambda_handler",
    runtime="python3.12",
    timeout_s=3.0,
    memory_mb=128,
    code=b"",
    code_sha256="one",
)


def payload(do: str) -> bytes:
    return json.dumps({"do": do}).encode()


class FakeEnvironment:
    """An execution environment without a process: the payload's "do" says what the invocation does
    (succeed, fail, time out, raise); an injected kill ends the environment as the real kill does."""

    def __init__(self, spec: FunctionSpec) -> None:
        self.spec = spec
        self.alive = True
        self.ready = True
        self.stops = 0
        self.faults: list[EnvironmentFault | None] = []

    def wait_ready(self) -> bool:
        return self.ready

    def invoke(self, payload: bytes, request_id: str, fault: EnvironmentFault | None = None) -> InvocationResult:
        self.faults.append(fault)
        if fault is EnvironmentFault.KILL:
            self.alive = False
            return InvocationResult(request_id, b'{"errorType": "Runtime.ExitError"}', "Runtime.ExitError", [])
        do = json.loads(payload).get("do", "succeed")
        if do == "raise":
            raise RuntimeError("the environment broke")
        if do == "fail":
            return InvocationResult(request_id, b'{"errorType": "RuntimeError"}', "RuntimeError", ["failed"])
        if do == "time out":  # the real worker kills its process at the deadline
            self.alive = False
            return InvocationResult(request_id, b'{"errorType": "Sandbox.Timedout"}', "Sandbox.Timedout", [])
        return InvocationResult(request_id, b'"done"', None, ["ran"])

    def stop(self) -> None:
        self.stops += 1
        self.alive = False


class Launcher:
    """Starts fake environments, and keeps them for the test to look at; the first ``failures`` starts raise."""

    def __init__(self, *, failures: int = 0, ready: bool = True) -> None:
        self.started: list[FakeEnvironment] = []
        self._failures = failures
        self._ready = ready

    def __call__(self, spec: FunctionSpec) -> FakeEnvironment:
        if self._failures:
            self._failures -= 1
            raise OSError("could not start")
        environment = FakeEnvironment(spec)
        environment.ready = self._ready
        self.started.append(environment)
        return environment


def invoke(pool: EnvironmentPool, spec: FunctionSpec, do: str) -> InvocationResult:
    with pool.slot(spec, block=False) as environment:
        return environment.invoke(payload(do), "request")


def hold_every_slot(pool: EnvironmentPool, spec: FunctionSpec) -> None:
    """All the function's slots are free: as many as its reservation are held at once, and one more is refused."""
    with ExitStack() as held:
        for _ in range(pool.limit(spec)):
            held.enter_context(pool.slot(spec, block=False))
        with pytest.raises(ConcurrencyExhausted):
            invoke(pool, spec, "succeed")


@pytest.mark.parametrize(
    ("do", "error_type", "stops"),
    [("succeed", None, [0, 0]), ("fail", "RuntimeError", [0, 0]), ("time out", "Sandbox.Timedout", [1, 0, 0])],
)
def test_the_slot_is_given_back_after_an_invocation(do, error_type, stops):
    """However an invocation ended, its slot is free again: both of a reservation of 2 can be held after it,
    one in the environment that ran it (unless it died: a timeout), one in a new one."""
    launcher = Launcher()
    pool = EnvironmentPool(launcher)
    spec = replace(SPEC, reserved_concurrency=2)

    assert invoke(pool, spec, do).error_type == error_type

    hold_every_slot(pool, spec)
    assert [e.stops for e in launcher.started] == stops  # the dead one stopped once, the live ones kept
    assert pool.counts == {"cold_starts": len(stops), "prewarmed": 0}
    assert pool.size == 2


def test_the_slot_is_given_back_when_the_invocation_raises():
    launcher = Launcher()
    pool = EnvironmentPool(launcher)
    spec = replace(SPEC, reserved_concurrency=2)

    with pytest.raises(RuntimeError, match="the environment broke"):
        invoke(pool, spec, "raise")

    hold_every_slot(pool, spec)
    assert [e.stops for e in launcher.started] == [0, 0]  # still alive: kept warm and used again
    assert pool.counts["cold_starts"] == 2


def test_the_slot_is_given_back_when_the_environment_cannot_start():
    launcher = Launcher(failures=1)
    pool = EnvironmentPool(launcher)
    spec = replace(SPEC, reserved_concurrency=2)

    with pytest.raises(OSError, match="could not start"):
        invoke(pool, spec, "succeed")

    hold_every_slot(pool, spec)
    assert len(launcher.started) == 2
    assert pool.size == 2


def test_a_slot_is_given_back_once():
    """After invocations of every ending, the function's one slot is still one: held, a second is refused."""
    pool = EnvironmentPool(Launcher())
    spec = replace(SPEC, reserved_concurrency=1)
    for do in ("succeed", "fail", "time out"):
        invoke(pool, spec, do)
    with pytest.raises(RuntimeError):
        invoke(pool, spec, "raise")

    hold_every_slot(pool, spec)


def test_at_the_functions_reservation_a_slot_is_refused_at_once():
    launcher = Launcher()
    pool = EnvironmentPool(launcher)
    spec = replace(SPEC, reserved_concurrency=2)

    with pool.slot(spec) as first, pool.slot(spec) as second:
        with pytest.raises(ConcurrencyExhausted) as refused:
            invoke(pool, spec, "succeed")
        assert refused.value.limit == 2
        assert first is not second

    assert pool.size == 2
    with pool.slot(spec, block=False) as again:
        assert again in (first, second)  # a warm one, no cold start
    assert pool.counts["cold_starts"] == 2


def test_at_the_pools_concurrency_a_slot_is_refused_at_once():
    pool = EnvironmentPool(Launcher(), concurrency=1)

    with pool.slot(SPEC), pytest.raises(ConcurrencyExhausted) as refused:
        invoke(pool, SPEC, "succeed")

    assert refused.value.limit == 1


def test_a_reservation_of_zero_refuses_every_slot_and_starts_nothing():
    launcher = Launcher()
    pool = EnvironmentPool(launcher)
    spec = replace(SPEC, reserved_concurrency=0)

    with pytest.raises(ConcurrencyExhausted) as refused:
        invoke(pool, spec, "succeed")

    assert refused.value.limit == 0
    assert pool.prewarm(spec) is None
    assert launcher.started == []


def test_a_prewarmed_environment_serves_the_first_invocation():
    launcher = Launcher()
    pool = EnvironmentPool(launcher)
    spec = replace(SPEC, reserved_concurrency=1)

    warmed = pool.prewarm(spec)
    assert pool.prewarm(spec) is None  # one exists already

    with pool.slot(spec, block=False) as environment:
        assert environment is warmed
        assert pool.prewarm(spec) is None  # one exists, busy
    assert pool.counts == {"cold_starts": 0, "prewarmed": 1}
    assert len(launcher.started) == 1


def test_an_environment_that_never_finishes_init_is_not_counted_as_prewarmed():
    launcher = Launcher(ready=False)
    pool = EnvironmentPool(launcher)
    spec = replace(SPEC, reserved_concurrency=1)

    pool.prewarm(spec)

    assert pool.counts == {"cold_starts": 0, "prewarmed": 0}
    assert invoke(pool, spec, "succeed").error_type is None  # its slot was given back


def test_environments_of_older_code_are_stopped_when_the_new_code_runs():
    launcher = Launcher()
    pool = EnvironmentPool(launcher)
    old, new = replace(SPEC, code_sha256="old"), replace(SPEC, code_sha256="new")
    invoke(pool, old, "succeed")

    invoke(pool, new, "succeed")

    assert [e.spec.code_sha256 for e in launcher.started] == ["old", "new"]
    assert [e.stops for e in launcher.started] == [1, 0]
    assert pool.size == 1


def test_closing_stops_every_environment_and_refuses_new_slots():
    launcher = Launcher()
    pool = EnvironmentPool(launcher)
    invoke(pool, SPEC, "succeed")

    pool.close()

    assert [e.stops for e in launcher.started] == [1]
    with pytest.raises(RuntimeError, match="shutting down"):
        invoke(pool, SPEC, "succeed")
