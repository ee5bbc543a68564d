"""Lambda's Invoke, synchronous and asynchronous, run by local workers.

moto's own invocation needs Docker; here ``LambdaFunction.invoke`` hands the
payload to a ``WorkerPool``. Asynchronous invocations (``InvocationType=Event``
and S3 notifications) go to a queue served by background threads and, as in
Lambda, a failed attempt is retried (twice by default, or as the function's
event invoke config says) after a delay. AWS waits about one and then two
minutes; the emulator waits ``retry_delays`` seconds (default 0.2 and 0.4),
so a test sees the whole retry path in well under a second. An event older
than the config's maximum event age (in real seconds) is not run again. What
still failed goes, as in Lambda, to the config's on-failure destination (an
SQS queue) as an invocation record carrying the original event.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.awslambda.utils import get_backend
from moto.logs.models import logs_backends
from moto.sqs.models import sqs_backends

from .faults import Faults
from .workers import FunctionSpec, InvocationResult, LogSink, WorkerPool

log = logging.getLogger(__name__)


def spec_of(fn: Any) -> FunctionSpec:
    """The parts of moto's LambdaFunction an execution environment needs."""
    reserved = fn.reserved_concurrency
    return FunctionSpec(
        name=fn.function_name,
        arn=fn.function_arn,
        handler=fn.handler,
        runtime=fn.run_time,
        timeout_s=float(fn.timeout),
        memory_mb=int(fn.memory_size),
        region=fn.region,
        code=fn.code_bytes,
        code_sha256=fn.code_sha_256,
        environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
        log_group=fn.logs_group_name,
        concurrency_limit=None if reserved in (None, "", -1, "-1") else int(reserved),
    )


def _json_or_text(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


class CloudWatchSink:
    """Writes a function's output to its log group, as Lambda does.

    Like Lambda, it does not create a missing log group (the module's role is not
    allowed to): lines for a group that does not exist are dropped, with a warning.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._warned: set[str] = set()

    def for_function(self, account_id: str, spec: FunctionSpec) -> LogSink:
        backend = logs_backends[account_id][spec.region]

        def write(stream: str, lines: list[str]) -> None:
            now = int(time.time() * 1000)
            with self._lock:
                if spec.log_group not in backend.groups:
                    if spec.log_group not in self._warned:
                        self._warned.add(spec.log_group)
                        log.warning("log group %s does not exist: the function's output is dropped", spec.log_group)
                    return
                if stream not in backend.groups[spec.log_group].streams:
                    backend.create_log_stream(spec.log_group, stream)
                backend.put_log_events(spec.log_group, stream, [{"timestamp": now, "message": ln} for ln in lines])

        return write


class LambdaService:
    def __init__(
        self, pool: WorkerPool, faults: Faults, *, retry_delays: tuple[float, ...], async_concurrency: int
    ) -> None:
        self._pool = pool
        self._faults = faults
        self._retry_delays = retry_delays
        self._async = ThreadPoolExecutor(max_workers=async_concurrency, thread_name_prefix="lambda-async")
        self._pending = 0  # asynchronous invocations queued or running
        self._pending_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self.stats = {"invocations": 0, "errors": 0, "retries": 0, "dropped": 0, "sent_to_destination": 0}

    def _count(self, name: str) -> None:
        with self._stats_lock:
            self.stats[name] += 1

    # -- synchronous --------------------------------------------------------

    def run(self, fn: Any, payload: bytes, request_id: str | None = None) -> InvocationResult:
        result = self._pool.invoke(spec_of(fn), payload, request_id)
        self._count("invocations")
        if result.failed:
            self._count("errors")
            log.info(
                "%s %s failed: %s %s", fn.function_name, result.request_id, result.error_type, result.payload[:500]
            )
        return result

    # -- asynchronous --------------------------------------------------------

    @staticmethod
    def _async_config(fn: Any) -> dict[str, Any]:
        configs = getattr(fn, "event_invoke_config", None) or []
        return dict(configs[0].config) if configs else {}

    def _run_async(self, fn: Any, payload: bytes, enqueued: float) -> None:
        request_id = str(uuid.uuid4())  # one id for every attempt, as Lambda keeps it
        config = self._async_config(fn)
        attempts = 1 + int(config.get("MaximumRetryAttempts", 2))
        max_age = float(config.get("MaximumEventAgeInSeconds", 21600))
        result: InvocationResult | None = None
        condition = "RetriesExhausted"
        invoked = 0
        try:
            while invoked < attempts:
                if time.monotonic() - enqueued > max_age:
                    condition = "EventAgeExceeded"
                    break
                result = self.run(fn, payload, request_id)
                invoked += 1
                if not result.failed:
                    return
                if invoked < attempts:
                    self._count("retries")
                    time.sleep(self._retry_delays[min(invoked - 1, len(self._retry_delays) - 1)])
            destination = config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            self._fail(fn, payload, request_id, destination, condition=condition, count=invoked, result=result)
        except Exception:
            log.exception("%s: asynchronous invocation %s could not run", fn.function_name, request_id)
        finally:
            with self._pending_lock:
                self._pending -= 1

    def _fail(
        self,
        fn: Any,
        payload: bytes,
        request_id: str,
        destination: str | None,
        *,
        condition: str,
        count: int,
        result: InvocationResult | None,
    ) -> None:
        """Lambda's on-failure path: the destination if there is one, else the event is dropped."""
        if not destination or ":sqs:" not in destination:
            self._count("dropped")
            log.warning("%s: event %s failed (%s) and is dropped", fn.function_name, request_id, condition)
            return
        record = {
            "version": "1.0",
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": request_id,
                "functionArn": f"{fn.function_arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": count,
            },
            "requestPayload": json.loads(payload),
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled" if result is not None and result.failed else None,
            },
            "responsePayload": _json_or_text(result.payload) if result is not None else None,
        }
        _, _, _, region, account, queue = destination.split(":", 5)
        sqs_backends[account][region].send_message(queue, json.dumps(record))
        self._count("sent_to_destination")
        log.info("%s: event %s failed (%s), sent to %s", fn.function_name, request_id, condition, destination)

    def enqueue(self, fn: Any, payload: bytes) -> None:
        with self._pending_lock:
            self._pending += 1
        self._async.submit(self._run_async, fn, payload, time.monotonic())

    def deliver(self, account_id: str, region: str, function_arn: str, event: dict[str, Any]) -> None:
        """S3's asynchronous delivery of one notification."""
        try:
            fn = get_backend(account_id, region).get_function(function_arn)
        except Exception:
            log.warning("S3 notification for missing function %s dropped", function_arn)
            return
        body = json.dumps(event).encode()
        for _ in range(self._faults.delivery_copies()):
            self.enqueue(fn, body)

    @property
    def pending(self) -> int:
        with self._pending_lock:
            return self._pending

    def close(self) -> None:
        self._async.shutdown(wait=False, cancel_futures=True)

    # -- moto hook ------------------------------------------------------------

    def install(self) -> None:
        service = self

        def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
            payload = (body or "{}").encode() if isinstance(body, str) else bytes(body or b"{}")
            invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
            if invocation_type == "DryRun":
                return b""
            if invocation_type == "Event":
                service.enqueue(self, payload)
                return b""
            result = service.run(self, payload)
            if result.failed:
                response_headers["x-amz-function-error"] = "Unhandled"
            response_headers["x-amz-executed-version"] = "$LATEST"
            if request_headers.get("x-amz-log-type") == "Tail":
                tail = "\n".join(result.log_tail).encode()[-4096:]
                response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
            return result.payload

        LambdaFunction.invoke = invoke  # type: ignore[method-assign]
