"""Lambda's Invoke, synchronous and asynchronous, run by local workers.

moto's own invocation needs Docker; here every Invoke goes to a ``WorkerPool``.
Asynchronous invocations (``InvocationType=Event`` and S3 notifications) go to a queue
served by dispatcher threads and, as in Lambda, a failed attempt is retried (twice by
default, or as the function's event invoke config says) after a delay. AWS waits about
one and then two minutes; the engine waits ``retry_delays`` seconds (default 0.2 and 0.4),
so a test sees the whole retry path in well under a second. A waiting retry sits on a timer,
not in a dispatcher or a worker. The function and its config are read afresh for every attempt.
A throttled event (reserved concurrency 0) is kept and tried again until its maximum age, as
Lambda does, without using up retry attempts. An event older than its maximum age is not run
again; what still failed goes, as in Lambda, to the on-failure destination (an SQS queue) as an
invocation record carrying the original event.

The maximum age is the function's own (six hours by default), never shortened: time an event
spends queued behind busy environments on a slow machine is time AWS would have kept it too. Ages
are read from an ``EventClock``, which a test moves forward to reach an age without waiting for it.

A synchronous invoke beyond the function's concurrency is answered at once with Lambda's 429
TooManyRequestsException.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from ..adapter import awslambda as moto_lambda
from ..adapter import sqs
from ..errors import TooManyRequests
from ..faults import EnvironmentFault, Faults
from ..iam.enforcer import Authorizer, Sessions
from .clock import EventClock
from .pool import ConcurrencyExhausted, EnvironmentPool, InvocationResult
from .scheduler import Scheduler
from .spec import AsyncConfig, FunctionSpec

log = logging.getLogger(__name__)


@dataclass
class AsyncEvent:
    account_id: str
    region: str
    function_arn: str
    payload: bytes
    enqueued: float = 0.0  # on the service's EventClock, set when it is queued
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))  # one id for every attempt, as in Lambda
    attempts: int = 0
    throttles: int = 0


class Fate(Enum):
    """What becomes of an asynchronous event after one attempt at it."""

    DONE = "done"  # it ran and succeeded
    RETRY = "retry"  # it failed with attempts left: it runs again after a delay
    WAIT = "wait"  # it was throttled: it runs again after a delay, which is not among its attempts
    SENT_TO_DESTINATION = "sent_to_destination"  # it failed for good; its record went to the on-failure queue
    DROPPED = "dropped"  # it failed for good, or its function is gone, and nothing keeps it
    LOST = "lost"  # the engine could not run it (an error of its own, logged)

    @property
    def over(self) -> bool:
        """Whether the event is no longer pending."""
        return self not in (Fate.RETRY, Fate.WAIT)


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt came to: the value ``LambdaService._record`` counts, the one place that counts."""

    result: InvocationResult | None = None  # the invocation's, when an environment ran it
    throttled: bool = False  # no environment was free, or the function may have none
    fate: Fate | None = None  # an asynchronous event's; None for a synchronous invoke

    def counted(self) -> list[str]:
        """The service's counters this attempt adds one to."""
        ran, fate = self.result, self.fate
        happened = {
            "invocations": ran is not None,
            "errors": ran is not None and ran.failed,
            "throttles": self.throttled,
            "retries": fate is Fate.RETRY,
            "dropped": fate is Fate.DROPPED,
            "sent_to_destination": fate is Fate.SENT_TO_DESTINATION,
        }
        return [name for name, yes in happened.items() if yes]


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


def failure_record(
    spec: FunctionSpec, event: AsyncEvent, condition: str, result: InvocationResult | None
) -> dict[str, Any]:
    """Lambda's invocation record for the on-failure destination, carrying the original event."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": f"{spec.arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": event.attempts,
        },
        "requestPayload": json.loads(event.payload),
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled" if result is not None and result.failed else None,
        },
        "responsePayload": _json_or_text(result.payload) if result is not None else None,
    }


class LambdaService:
    def __init__(
        self,
        pool: EnvironmentPool,
        faults: Faults,
        *,
        retry_delays: tuple[float, ...],
        sessions: Sessions,
        authorizer: Authorizer,
        clock: EventClock | None = None,
    ) -> None:
        self._pool = pool
        self._faults = faults
        self._sessions = sessions
        self._authorizer = authorizer
        self._retry_delays = retry_delays
        self.clock = clock or EventClock()
        self._scheduler = Scheduler()
        self._queue: queue.Queue[AsyncEvent | None] = queue.Queue()
        self._pending = 0  # asynchronous events queued, running or waiting for a retry
        self._warming = 0  # environments being started ahead of their first event
        self._lock = threading.Lock()
        self.stats = {
            "invocations": 0,
            "errors": 0,
            "retries": 0,
            "throttles": 0,
            "dropped": 0,
            "sent_to_destination": 0,
        }
        # Enough dispatchers to keep every function's environments busy at once.
        self._dispatchers = [
            threading.Thread(target=self._dispatch, name=f"lambda-async-{n}", daemon=True)
            for n in range(max(8, 2 * pool.concurrency))
        ]
        for thread in self._dispatchers:
            thread.start()
        self._prewarms = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lambda-prewarm")

    def _record(self, attempt: AttemptResult) -> None:
        """The one place an attempt is counted, and a finished asynchronous event stops being pending."""
        with self._lock:
            for name in attempt.counted():
                self.stats[name] += 1
            if attempt.fate is not None and attempt.fate.over:
                self._pending -= 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.stats,
                "pending_async": self._pending,
                "warming": self._warming,
                **self._pool.counts,
                "workers": self._pool.size,
                "concurrency": self._pool.concurrency,
            }

    def _try(
        self,
        spec: FunctionSpec,
        payload: bytes,
        request_id: str,
        *,
        block: bool,
        fault: EnvironmentFault | None = None,
    ) -> AttemptResult:
        """One attempt in an environment of the function's (``fault`` injected into it); throttled when
        none is free (``block=False``) or the function may have none."""
        try:
            with self._pool.slot(spec, block=block) as environment:
                result = environment.invoke(payload, request_id, fault)
        except ConcurrencyExhausted:
            return AttemptResult(throttled=True)
        if result.failed:
            log.info("%s %s failed: %s %s", spec.name, result.request_id, result.error_type, result.payload[:500])
        return AttemptResult(result=result)

    # -- synchronous --------------------------------------------------------

    def handle_invoke(
        self, spec: FunctionSpec, payload: bytes, request_headers: Mapping[str, str], response_headers: dict[str, str]
    ) -> bytes:
        """moto's Invoke, taken over (adapter.awslambda.take_over_invoke)."""
        invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "DryRun":
            return b""
        if invocation_type == "Event":
            self.enqueue(AsyncEvent(spec.account_id, spec.region, spec.arn, payload))
            return b""
        attempt = self._try(spec, payload, str(uuid.uuid4()), block=False)
        self._record(attempt)
        result = attempt.result
        if result is None:
            # Lambda answers a synchronous invoke beyond the function's concurrency at once, with a 429.
            reserved = spec.reserved_concurrency is not None
            raise TooManyRequests(
                "ReservedFunctionConcurrentInvocationLimitExceeded" if reserved else "ConcurrentInvocationLimitExceeded"
            )
        if result.failed:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = "$LATEST"
        if request_headers.get("x-amz-log-type") == "Tail":
            tail = "\n".join(result.log_tail).encode()[-4096:]
            response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
        return result.payload

    def prewarm(self, spec: FunctionSpec) -> None:
        """A function was created or changed: warm an environment for it in the background."""

        def warm() -> None:
            try:
                self._pool.prewarm(spec)
            except Exception:
                log.exception("%s: could not start an environment ahead of its first event", spec.name)
            finally:
                with self._lock:
                    self._warming -= 1

        with self._lock:
            self._warming += 1
        self._prewarms.submit(warm)

    # -- asynchronous --------------------------------------------------------

    def enqueue(self, event: AsyncEvent) -> None:
        event.enqueued = self.clock.now()
        with self._lock:
            self._pending += 1
        self._queue.put(event)

    def deliver(self, account_id: str, region: str, function_arn: str, event: dict[str, Any]) -> None:
        """S3's asynchronous delivery of one notification (possibly more than once: see faults)."""
        body = json.dumps(event).encode()
        for _ in range(self._faults.delivery_copies()):
            self.enqueue(AsyncEvent(account_id, region, function_arn, body))

    def _dispatch(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            self._settle(event, self._attempt_or_lost(event))

    def _settle(self, event: AsyncEvent, attempt: AttemptResult) -> None:
        """Count the attempt, and put an event that is not over back on the queue after its delay."""
        self._record(attempt)
        if attempt.fate is Fate.RETRY:
            self._retry_later(event, event.attempts - 1)
        elif attempt.fate is Fate.WAIT:
            self._retry_later(event, event.throttles - 1)

    def _retry_later(self, event: AsyncEvent, nth: int) -> None:
        delay = self._retry_delays[min(nth, len(self._retry_delays) - 1)]
        self._scheduler.after(delay, lambda: self._queue.put(event))

    def _attempt_or_lost(self, event: AsyncEvent) -> AttemptResult:
        try:
            return self._attempt(event)
        except Exception:
            log.exception("%s: asynchronous event %s could not run", event.function_arn, event.request_id)
            return AttemptResult(fate=Fate.LOST)

    def _attempt(self, event: AsyncEvent) -> AttemptResult:
        """One attempt at an asynchronous event, with the function and its config as they are now."""
        found = moto_lambda.current(event.account_id, event.region, event.function_arn)
        if found is None:
            log.warning("asynchronous event for missing function %s dropped", event.function_arn)
            return AttemptResult(fate=Fate.DROPPED)
        spec, config = found
        if self.clock.now() - event.enqueued > config.maximum_event_age_s:
            return AttemptResult(fate=self._on_failure(spec, event, config, condition="EventAgeExceeded", result=None))
        fault = self._faults.environment_fault() if event.attempts == 0 else None  # a first attempt only: retries run
        attempt = self._try(spec, event.payload, event.request_id, block=True, fault=fault)
        if attempt.result is None:
            # Throttled (reserved concurrency 0): Lambda keeps the event and tries again until its
            # maximum age; throttles are not among the retry attempts.
            event.throttles += 1
            return replace(attempt, fate=Fate.WAIT)
        event.attempts += 1
        if not attempt.result.failed:
            return replace(attempt, fate=Fate.DONE)
        if event.attempts <= config.maximum_retry_attempts:
            return replace(attempt, fate=Fate.RETRY)
        return replace(
            attempt, fate=self._on_failure(spec, event, config, condition="RetriesExhausted", result=attempt.result)
        )

    def _on_failure(
        self,
        spec: FunctionSpec,
        event: AsyncEvent,
        config: AsyncConfig,
        *,
        condition: str,
        result: InvocationResult | None,
    ) -> Fate:
        """Lambda's on-failure path: the destination if there is one, else the event is dropped."""
        destination = config.on_failure
        if not destination or ":sqs:" not in destination:
            log.warning("%s: event %s failed (%s) and is dropped", spec.name, event.request_id, condition)
            return Fate.DROPPED
        try:
            # Lambda sends to the destination with the function's role.
            credentials = self._sessions.issue(spec.account_id, spec.role, spec.name)
            if not self._authorizer.allows(credentials, "sqs:SendMessage", destination):
                log.warning(
                    "%s: event %s failed (%s); its role may not send to %s",
                    spec.name,
                    event.request_id,
                    condition,
                    destination,
                )
                return Fate.DROPPED
            sqs.send(destination, json.dumps(failure_record(spec, event, condition, result)))
        except Exception:  # the destination went away (a destroy in progress): the event is lost, as on AWS
            log.exception("%s: event %s failed (%s) and could not be sent on", spec.name, event.request_id, condition)
            return Fate.DROPPED
        log.info("%s: event %s failed (%s), sent to %s", spec.name, event.request_id, condition, destination)
        return Fate.SENT_TO_DESTINATION

    def close(self) -> None:
        self._scheduler.close()
        for _ in self._dispatchers:
            self._queue.put(None)
        self._prewarms.shutdown(wait=False, cancel_futures=True)

    def install(self) -> None:
        moto_lambda.take_over_invoke(self.handle_invoke)
        moto_lambda.on_change(self.prewarm)
