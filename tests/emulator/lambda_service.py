"""Lambda's Invoke, synchronous and asynchronous, run by local workers.

moto's own invocation needs Docker; here ``LambdaFunction.invoke`` hands the
payload to a ``WorkerPool``. Asynchronous invocations (``InvocationType=Event``
and S3 notifications) go to a queue served by background threads and, as in
Lambda, a failed attempt is retried (twice by default, or as the function's
event invoke config says) after a delay. AWS waits about one and then two
minutes; the emulator waits ``retry_delays`` seconds (default 0.2 and 0.4),
so a test sees the whole retry path in well under a second.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.awslambda.utils import get_backend
from moto.logs.models import logs_backends

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


class CloudWatchSink:
    """Writes a function's output to its log group, as Lambda does.

    Like Lambda, it does not create a missing log group (the module's role is not
    allowed to): lines for a group that does not exist are dropped, with a warning.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: set[tuple[str, str, str, str]] = set()
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
                key = (account_id, spec.region, spec.log_group, stream)
                if key not in self._streams or stream not in backend.groups[spec.log_group].streams:
                    backend.create_log_stream(spec.log_group, stream)
                    self._streams.add(key)
                backend.put_log_events(spec.log_group, stream, [{"timestamp": now, "message": ln} for ln in lines])

        return write


class LambdaService:
    def __init__(self, pool: WorkerPool, *, retry_delays: tuple[float, ...], async_concurrency: int) -> None:
        self._pool = pool
        self._retry_delays = retry_delays
        self._async = ThreadPoolExecutor(max_workers=async_concurrency, thread_name_prefix="lambda-async")
        self._pending = 0
        self._idle = threading.Condition()
        self.stats = {"invocations": 0, "errors": 0, "retries": 0, "dropped": 0}

    # -- synchronous --------------------------------------------------------

    def run(self, fn: Any, payload: bytes, request_id: str | None = None) -> InvocationResult:
        result = self._pool.invoke(spec_of(fn), payload, request_id)
        self.stats["invocations"] += 1
        if result.failed:
            self.stats["errors"] += 1
            log.info(
                "%s %s failed: %s %s", fn.function_name, result.request_id, result.error_type, result.payload[:500]
            )
        return result

    # -- asynchronous --------------------------------------------------------

    def _max_retries(self, fn: Any) -> int:
        configs = getattr(fn, "event_invoke_config", None) or []
        if configs and "MaximumRetryAttempts" in configs[0].config:
            return int(configs[0].config["MaximumRetryAttempts"])
        return 2

    def _run_async(self, fn: Any, payload: bytes) -> None:
        request_id = str(uuid.uuid4())  # one id for every attempt, as Lambda keeps it
        attempts = 1 + self._max_retries(fn)
        try:
            for attempt in range(attempts):
                if self.run(fn, payload, request_id).failed is False:
                    return
                if attempt + 1 < attempts:
                    self.stats["retries"] += 1
                    time.sleep(self._retry_delays[min(attempt, len(self._retry_delays) - 1)])
            self.stats["dropped"] += 1
            log.warning("%s: event %s failed %d times and is dropped", fn.function_name, request_id, attempts)
        except Exception:
            log.exception("%s: asynchronous invocation %s could not run", fn.function_name, request_id)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def enqueue(self, fn: Any, payload: bytes) -> None:
        with self._idle:
            self._pending += 1
        self._async.submit(self._run_async, fn, payload)

    def deliver(self, account_id: str, region: str, function_arn: str, event: dict[str, Any]) -> None:
        """S3's asynchronous delivery of one notification."""
        try:
            fn = get_backend(account_id, region).get_function(function_arn)
        except Exception:
            log.warning("S3 notification for missing function %s dropped", function_arn)
            return
        self.enqueue(fn, json.dumps(event).encode())

    def wait_idle(self, timeout: float) -> bool:
        """True once no asynchronous invocation is queued or running."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

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
