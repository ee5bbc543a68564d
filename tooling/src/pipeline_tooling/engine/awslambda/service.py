"""Lambda's Invoke, synchronous and asynchronous, run by local workers.

moto's own invocation needs Docker; here every Invoke goes to a ``WorkerPool``.
Asynchronous invocations (``InvocationType=Event`` and S3 notifications) go to a queue
served by dispatcher threads and, as in Lambda, a failed attempt is retried (twice by
default, or as the function's event invoke config says) after a delay. AWS waits about
one and then two minutes; the engine waits ``retry_delays`` seconds (default 0.2 and 0.4),
so a test sees the whole retry path in well under a second, and scales the maximum event age
the same way (``event_age_scale``, default 1/300: six hours become 72 s). A waiting retry sits
on a timer, not in a dispatcher or a worker. The function and its config are read afresh for
every attempt. A throttled event (reserved concurrency 0) is kept and tried again until its
maximum age, as Lambda does, without using up retry attempts. An event older than its maximum
age is not run again; what still failed goes, as in Lambda, to the on-failure destination (an
SQS queue) as an invocation record carrying the original event.

A synchronous invoke beyond the function's concurrency is answered at once with Lambda's 429
TooManyRequestsException.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..adapter import awslambda as moto_lambda
from ..adapter import sqs
from ..faults import Faults
from ..iam.enforcer import Authorizer, Sessions
from .scheduler import Scheduler
from .spec import AsyncConfig, FunctionSpec
from .workers import ConcurrencyExhausted, InvocationResult, WorkerPool

log = logging.getLogger(__name__)


@dataclass
class AsyncEvent:
    account_id: str
    region: str
    function_arn: str
    payload: bytes
    enqueued: float = field(default_factory=time.monotonic)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))  # one id for every attempt, as in Lambda
    attempts: int = 0
    throttles: int = 0


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


class LambdaService:
    def __init__(
        self,
        pool: WorkerPool,
        faults: Faults,
        *,
        retry_delays: tuple[float, ...],
        event_age_scale: float = 1.0,
        sessions: Sessions,
        authorizer: Authorizer,
    ) -> None:
        self._pool = pool
        self._faults = faults
        self._sessions = sessions
        self._authorizer = authorizer
        self._retry_delays = retry_delays
        self._event_age_scale = event_age_scale
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

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.stats[name] += n

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

    # -- synchronous --------------------------------------------------------

    def run(
        self,
        spec: FunctionSpec,
        payload: bytes,
        request_id: str | None = None,
        *,
        block: bool = True,
        kill: bool = False,
    ) -> InvocationResult:
        result = self._pool.invoke(spec, payload, request_id, block=block, kill=kill)
        self._count("invocations")
        if result.failed:
            self._count("errors")
            log.info("%s %s failed: %s %s", spec.name, result.request_id, result.error_type, result.payload[:500])
        return result

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
        try:
            result = self.run(spec, payload, block=False)
        except ConcurrencyExhausted as exhausted:
            # Lambda answers a synchronous invoke beyond the function's concurrency at once, with a 429.
            self._count("throttles")
            reserved = spec.reserved_concurrency is not None
            raise moto_lambda.TooManyRequests(
                "ReservedFunctionConcurrentInvocationLimitExceeded" if reserved else "ConcurrentInvocationLimitExceeded"
            ) from exhausted
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
            try:
                self._attempt(event)
            except Exception:
                log.exception("%s: asynchronous event %s could not run", event.function_arn, event.request_id)
                self._finish()

    def _finish(self) -> None:
        with self._lock:
            self._pending -= 1

    def _retry_later(self, event: AsyncEvent, nth: int) -> None:
        delay = self._retry_delays[min(nth, len(self._retry_delays) - 1)]
        self._scheduler.after(delay, lambda: self._queue.put(event))

    def _attempt(self, event: AsyncEvent) -> None:
        found = moto_lambda.current(event.account_id, event.region, event.function_arn)
        if found is None:
            self._count("dropped")
            log.warning("asynchronous event for missing function %s dropped", event.function_arn)
            self._finish()
            return
        spec, config = found
        if time.monotonic() - event.enqueued > config.maximum_event_age_s * self._event_age_scale:
            self._fail(spec, event, config, condition="EventAgeExceeded", result=None)
            return
        kill = event.attempts == 0 and self._faults.kill_environment()  # a first attempt only: retries run
        try:
            result = self.run(spec, event.payload, event.request_id, kill=kill)
        except ConcurrencyExhausted:
            # Throttled (reserved concurrency 0): Lambda keeps the event and tries again until its
            # maximum age; throttles are not among the retry attempts.
            self._count("throttles")
            self._retry_later(event, event.throttles)
            event.throttles += 1
            return
        event.attempts += 1
        if not result.failed:
            self._finish()
        elif event.attempts <= config.maximum_retry_attempts:
            self._count("retries")
            self._retry_later(event, event.attempts - 1)
        else:
            self._fail(spec, event, config, condition="RetriesExhausted", result=result)

    def _fail(
        self,
        spec: FunctionSpec,
        event: AsyncEvent,
        config: AsyncConfig,
        *,
        condition: str,
        result: InvocationResult | None,
    ) -> None:
        """Lambda's on-failure path: the destination if there is one, else the event is dropped."""
        try:
            destination = config.on_failure
            if not destination or ":sqs:" not in destination:
                self._count("dropped")
                log.warning("%s: event %s failed (%s) and is dropped", spec.name, event.request_id, condition)
                return
            # Lambda sends to the destination with the function's role.
            session = self._sessions.issue(spec.account_id, spec.role, spec.name)
            if not self._authorizer.allows(session, "sqs:SendMessage", destination):
                self._count("dropped")
                log.warning(
                    "%s: event %s failed (%s); its role may not send to %s",
                    spec.name,
                    event.request_id,
                    condition,
                    destination,
                )
                return
            record = {
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
            sqs.send(destination, json.dumps(record))
            self._count("sent_to_destination")
            log.info("%s: event %s failed (%s), sent to %s", spec.name, event.request_id, condition, destination)
        except Exception:  # the destination went away (a destroy in progress): the event is lost, as on AWS
            self._count("dropped")
            log.exception("%s: event %s failed (%s) and could not be sent on", spec.name, event.request_id, condition)
        finally:
            self._finish()  # here only: nothing raised above reaches _dispatch, which would finish it again

    def close(self) -> None:
        self._scheduler.close()
        for _ in self._dispatchers:
            self._queue.put(None)
        self._prewarms.shutdown(wait=False, cancel_futures=True)

    def install(self) -> None:
        moto_lambda.take_over_invoke(self.handle_invoke)
        moto_lambda.on_change(self.prewarm)
