"""Execution environments: one OS process per warm worker, run by awslambdaric.

A worker is a Python process running ``python -m awslambdaric <handler>`` in the function's
unpacked code, talking to its own ``RuntimeApi``. Workers are kept warm per function and
fingerprint (code and configuration), as Lambda keeps environments; one is started as soon
as a function is created or changed (``prewarm``), more under load up to the function's
concurrency. A worker that exceeds the function's timeout is killed, as Lambda does.

The function's output is read from its stdout without a thread of its own: drained while the
invocation runs (so a chatty handler never blocks on a full pipe) and once more when it ends,
then written with START, END and REPORT as one batch, in that order.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import math
import os
import re
import subprocess
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..adapter.iam import Session as Credentials
from .runtime_api import Invocation, RuntimeApi, error_payload
from .runtimes import announce, python_for
from .spec import FunctionSpec

log = logging.getLogger(__name__)

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase
_POLL_S = 0.02

# (spec, the environment's credentials, log stream, lines) -> written to the function's log group
LogSink = Callable[[FunctionSpec, Credentials, str, list[str]], None]
# The function's role's credentials for a new environment (issued by the engine's STS)
CredentialsFor = Callable[[FunctionSpec], Credentials]


class ConcurrencyExhausted(RuntimeError):
    """Every execution environment the function may have is busy (or it may have none)."""

    def __init__(self, spec: FunctionSpec, limit: int) -> None:
        super().__init__(f"{spec.name}: all {limit} concurrent executions are in use")
        self.limit = limit


@dataclass
class InvocationResult:
    request_id: str
    payload: bytes
    error_type: str | None
    log_tail: list[str]

    @property
    def failed(self) -> bool:
        return self.error_type is not None


@dataclass(frozen=True)
class Report:
    """What Lambda reports of one invocation."""

    request_id: str
    duration_ms: float
    memory_mb: int
    max_memory_mb: int
    init_ms: float | None  # on a cold start only
    error_type: str | None


def platform_lines(spec: FunctionSpec, report: Report) -> tuple[list[str], list[str], list[str]]:
    """Lambda's own lines around an invocation's output (before it, after it, the report), in the function's
    log format: START, END and REPORT in Text; platform.start, platform.runtimeDone and platform.report in
    JSON, where they are INFO-level and a system log level of WARN leaves them out."""
    billed = max(1, math.ceil(report.duration_ms))
    if spec.log_format != "JSON":
        summary = (
            f"REPORT RequestId: {report.request_id}\tDuration: {report.duration_ms:.2f} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {report.memory_mb} MB\t"
            f"Max Memory Used: {report.max_memory_mb} MB"
        )
        if report.init_ms is not None:
            summary += f"\tInit Duration: {report.init_ms:.2f} ms"
        return (
            [f"START RequestId: {report.request_id} Version: $LATEST"],
            [f"END RequestId: {report.request_id}"],
            [summary],
        )
    if (spec.system_log_level or "INFO") == "WARN":
        return [], [], []
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    status = (
        "success" if report.error_type is None else "timeout" if report.error_type == "Sandbox.Timedout" else "error"
    )
    metrics: dict[str, float] = {
        "durationMs": round(report.duration_ms, 3),
        "billedDurationMs": billed,
        "memorySizeMB": report.memory_mb,
        "maxMemoryUsedMB": report.max_memory_mb,
    }
    if report.init_ms is not None:
        metrics["initDurationMs"] = round(report.init_ms, 3)

    def line(kind: str, **record: object) -> str:
        return json.dumps({"time": now, "type": kind, "record": {"requestId": report.request_id, **record}})

    return (
        [line("platform.start", version="$LATEST")],
        [line("platform.runtimeDone", status=status, metrics={"durationMs": metrics["durationMs"]})],
        [line("platform.report", status=status, metrics=metrics)],
    )


def unpack(spec: FunctionSpec, code_root: Path) -> Path:
    """The function's code, unpacked once per code hash."""
    digest = hashlib.sha256(spec.code).hexdigest()
    target = code_root / digest
    if not (target / ".unpacked").exists():
        staging = code_root / f".{digest}.{uuid.uuid4().hex}"
        with zipfile.ZipFile(io.BytesIO(spec.code)) as archive:
            archive.extractall(staging)
        (staging / ".unpacked").touch()
        with contextlib.suppress(OSError):  # another worker unpacked it first
            staging.rename(target)
    return target


class Worker:
    """One warm execution environment."""

    def __init__(
        self,
        spec: FunctionSpec,
        task_root: Path,
        endpoint: str,
        ca_bundle: str,
        *,
        sink: LogSink,
        credentials: Credentials,
    ) -> None:
        self.spec = spec
        self.credentials = credentials
        self.invocations = 0
        self._sink = sink
        self._api = RuntimeApi()
        self._api.start()
        self.log_stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._partial = b""
        python = python_for(spec.runtime)
        announce(spec.runtime, python)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": str(task_root),
            "PYTHONUNBUFFERED": "1",
            "LAMBDA_TASK_ROOT": str(task_root),
            "_HANDLER": spec.handler,
            "AWS_LAMBDA_RUNTIME_API": self._api.address,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            # As Lambda sets them from the function's LoggingConfig (awslambdaric formats and filters by them).
            "AWS_LAMBDA_LOG_FORMAT": spec.log_format,
            **({"AWS_LAMBDA_LOG_LEVEL": spec.application_log_level} if spec.application_log_level else {}),
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            # The execution role's temporary credentials, as Lambda passes them.
            "AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_SESSION_TOKEN": credentials.session_token,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_CA_BUNDLE": ca_bundle,
            **spec.environment,
        }
        self.started = time.monotonic()
        self._process = subprocess.Popen(
            [python.executable, "-m", "awslambdaric", spec.handler],
            cwd=task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self._process.stdout is not None
        self._stdout = self._process.stdout.fileno()
        os.set_blocking(self._stdout, False)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def wait_ready(self, timeout: float = INIT_TIMEOUT_S) -> bool:
        """Until the runtime has imported the handler and asks for work (init done); False if it died or hung."""
        deadline = time.monotonic() + timeout
        while not self._api.polled.wait(_POLL_S):
            if not self.alive or time.monotonic() >= deadline:
                return False
        return True

    def _drain(self, *, final: bool = False) -> list[str]:
        """Whole lines the function has written so far (and, when ``final``, a last unterminated one)."""
        chunks = [self._partial]
        while True:
            try:
                chunk = os.read(self._stdout, 65536)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            chunks.append(chunk)
        *lines, self._partial = b"".join(chunks).split(b"\n")
        if final and self._partial:
            lines.append(self._partial)
            self._partial = b""
        # The runtime writes a multi-line message (a traceback) as one line, its lines joined with
        # "\r": one log event, as the Python runtime's is, with its lines back.
        return [line.decode("utf-8", "replace").rstrip("\r").replace("\r", "\n") for line in lines]

    def invoke(self, payload: bytes, request_id: str, *, kill: bool = False) -> InvocationResult:
        """Run one invocation; ``kill`` SIGKILLs the environment once the runtime has it (a fault)."""
        cold = self.invocations == 0
        self.invocations += 1
        timeout = self.spec.timeout_s
        invocation = Invocation(request_id, payload, self.spec.arn, RuntimeApi.deadline_ms(timeout), doomed=kill)
        before = self._drain(final=True)  # init output, or what ran after the last invocation returned
        output: list[str] = []
        started = time.monotonic()
        self._api.submit(invocation)
        if kill and invocation.started.wait(timeout):
            self._process.kill()  # mid-invocation, as an out-of-memory kill or a crash would
        deadline = started + timeout
        while not invocation.done.wait(_POLL_S):
            output += self._drain()
            if not self.alive:
                if self._api.init_error is not None:
                    invocation.resolve(self._api.init_error, "Runtime.InitError")
                else:
                    code = self._process.returncode
                    invocation.resolve(
                        error_payload("Runtime.ExitError", f"Runtime exited with error: exit status {code}"),
                        "Runtime.ExitError",
                    )
            elif time.monotonic() >= deadline:
                self.kill()
                message = f"Task timed out after {timeout:.2f} seconds"
                output.append(f"{datetime.now(timezone.utc).isoformat()} {request_id} {message}")
                invocation.resolve(error_payload("Sandbox.Timedout", message), "Sandbox.Timedout")
        duration_ms = (time.monotonic() - started) * 1000
        output += self._drain(final=True)
        init_ms = (self._api.first_poll - self.started) * 1000 if cold and self._api.first_poll is not None else None
        report = Report(
            request_id, duration_ms, self.spec.memory_mb, self.peak_rss_mb(), init_ms, invocation.error_type
        )
        start, end, summary = platform_lines(self.spec, report)
        self._sink(self.spec, self.credentials, self.log_stream, [*before, *start, *output, *end, *summary])
        return InvocationResult(request_id, invocation.response, invocation.error_type, output)

    def peak_rss_mb(self) -> int:
        """The process's peak resident memory (VmHWM), as Lambda's Max Memory Used; 0 once it is gone."""
        try:
            status = Path(f"/proc/{self._process.pid}/status").read_text()
        except OSError:
            return 0
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        return round(int(match[1]) / 1024) if match else 0

    def kill(self) -> None:
        if self.alive:
            self._process.kill()
        self._process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            self._process.terminate()
            try:
                self._process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._api.stop()
        if self._process.stdout is not None:
            self._process.stdout.close()


def default_concurrency() -> int:
    """Per-function concurrency without a reservation: two environments per core, at least two.

    More would only queue on the cores (each invocation is CPU work here, not I/O), and each
    environment is a Python process of its own.
    """
    return max(2, 2 * (os.cpu_count() or 1))


class WorkerPool:
    """Warm workers per (function, fingerprint), at most the function's concurrency at once."""

    def __init__(
        self,
        code_root: Path,
        endpoint: str,
        ca_bundle: str,
        *,
        sink: LogSink,
        credentials_for: CredentialsFor,
        concurrency: int | None = None,
    ) -> None:
        self._code_root = code_root
        self._endpoint = endpoint
        self._ca_bundle = ca_bundle
        self._sink = sink
        self._credentials_for = credentials_for
        self.concurrency = concurrency or default_concurrency()
        self._idle: dict[tuple[str, str], list[Worker]] = {}
        self._busy: dict[tuple[str, str], int] = {}
        self._all: set[Worker] = set()
        self._changed = threading.Condition()
        self._closed = False
        self.counts = {"cold_starts": 0, "prewarmed": 0}

    def limit(self, spec: FunctionSpec) -> int:
        if spec.reserved_concurrency is not None:
            return max(0, spec.reserved_concurrency)
        return self.concurrency

    def _retire_stale(self, spec: FunctionSpec) -> list[Worker]:
        """Under the lock: idle workers of this function's older code or configuration, no longer wanted."""
        stale: list[Worker] = []
        for key in [k for k in self._idle if k[0] == spec.arn and k != spec.key]:
            stale.extend(self._idle.pop(key))
        for worker in stale:
            self._all.discard(worker)
        return stale

    def _claim(self, spec: FunctionSpec, limit: int, dead: list[Worker], *, block: bool) -> Worker | None:
        """Under the lock: an idle worker, or None with a slot reserved for a new one."""
        while True:
            if self._closed:
                raise RuntimeError("the engine is shutting down")
            idle = self._idle.get(spec.key, [])
            while idle:
                worker = idle.pop()
                if worker.alive:
                    self._busy[spec.key] = self._busy.get(spec.key, 0) + 1
                    return worker
                self._all.discard(worker)
                dead.append(worker)
            if self._busy.get(spec.key, 0) < limit:
                self._busy[spec.key] = self._busy.get(spec.key, 0) + 1
                return None
            if not block:
                raise ConcurrencyExhausted(spec, limit)
            self._changed.wait()

    def _start(self, spec: FunctionSpec) -> Worker:
        """A new worker for a slot already reserved; the slot is given back if it cannot start."""
        try:
            task_root = unpack(spec, self._code_root)
            worker = Worker(
                spec,
                task_root,
                self._endpoint,
                self._ca_bundle,
                sink=self._sink,
                credentials=self._credentials_for(spec),
            )
        except BaseException:
            with self._changed:
                self._busy[spec.key] -= 1
                self._changed.notify_all()
            raise
        with self._changed:
            self._all.add(worker)
        return worker

    def acquire(self, spec: FunctionSpec, *, block: bool = True) -> Worker:
        limit = self.limit(spec)
        if limit == 0:
            raise ConcurrencyExhausted(spec, 0)
        with self._changed:
            unwanted = self._retire_stale(spec)
            worker = self._claim(spec, limit, unwanted, block=block)
        for old in unwanted:
            old.stop()
        if worker is not None:
            return worker
        with self._changed:
            self.counts["cold_starts"] += 1
        return self._start(spec)

    def release(self, worker: Worker) -> None:
        key = worker.spec.key
        discard = not worker.alive
        with self._changed:
            self._busy[key] -= 1
            if discard or self._closed:
                self._all.discard(worker)
            else:
                self._idle.setdefault(key, []).append(worker)
            self._changed.notify_all()
        if discard:
            worker.stop()

    def prewarm(self, spec: FunctionSpec) -> Worker | None:
        """Start one environment for the function's current code and configuration, unless one exists.

        Called when a function is created or changed, so the first event meets no cold start.
        """
        if self.limit(spec) == 0:
            return None
        with self._changed:
            unwanted = self._retire_stale(spec)
            exists = bool(self._idle.get(spec.key)) or self._busy.get(spec.key, 0) > 0
            if not exists:
                self._busy[spec.key] = self._busy.get(spec.key, 0) + 1
        for old in unwanted:
            old.stop()
        if exists:
            return None
        worker = self._start(spec)
        if worker.wait_ready():
            with self._changed:
                self.counts["prewarmed"] += 1
        else:
            log.warning("%s: the environment started for it did not finish init; the first event will retry", spec.name)
        self.release(worker)
        return worker

    def invoke(
        self,
        spec: FunctionSpec,
        payload: bytes,
        request_id: str | None = None,
        *,
        block: bool = True,
        kill: bool = False,
    ) -> InvocationResult:
        """Invoke in a warm environment, or a new one; ``block=False`` raises ConcurrencyExhausted
        instead of waiting for one to be free (a synchronous invoke)."""
        worker = self.acquire(spec, block=block)
        try:
            return worker.invoke(payload, request_id or str(uuid.uuid4()), kill=kill)
        finally:
            self.release(worker)

    @property
    def size(self) -> int:
        with self._changed:
            return len(self._all)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._changed.notify_all()
        for worker in workers:
            worker.stop()
