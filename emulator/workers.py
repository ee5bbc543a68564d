"""Execution environments: one OS process per warm worker, run by awslambdaric.

A worker is a Python process running ``python -m awslambdaric <handler>`` in
the function's unpacked code, talking to its own ``RuntimeApi``. Workers are
kept warm per function and code hash, as Lambda keeps containers, and more are
started under load up to a concurrency cap. A worker that exceeds the
function's timeout is killed, as Lambda does.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from .runtime_api import Invocation, RuntimeApi, error_payload
from .runtimes import announce, python_for

log = logging.getLogger(__name__)

# (log stream name, lines) -> written to the function's log group
LogSink = Callable[[str, list[str]], None]


@dataclass(frozen=True)
class FunctionSpec:
    """What an execution environment needs to know of a function."""

    name: str
    arn: str
    handler: str
    runtime: str
    timeout_s: float
    memory_mb: int
    region: str
    code: bytes
    code_sha256: str
    environment: dict[str, str] = field(default_factory=dict)
    log_group: str = ""
    concurrency_limit: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.arn, self.code_sha256)


@dataclass
class InvocationResult:
    request_id: str
    payload: bytes
    error_type: str | None
    duration_ms: float
    log_tail: list[str]
    cold_start: bool

    @property
    def failed(self) -> bool:
        return self.error_type is not None


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

    def __init__(self, spec: FunctionSpec, task_root: Path, endpoint: str, ca_bundle: str, sink: LogSink) -> None:
        self.spec = spec
        self.invocations = 0
        self._sink = sink
        self._api = RuntimeApi()
        self._api.start()
        self.log_stream = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self._tail: list[str] = []
        self._tail_lock = threading.Lock()
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
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
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
        self._reader = threading.Thread(target=self._read_output, args=(self._process.stdout,), daemon=True)
        self._reader.start()

    def _read_output(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._tail_lock:
                self._tail.append(line)
            self._sink(self.log_stream, [line])

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def invoke(self, payload: bytes, request_id: str) -> InvocationResult:
        cold = self.invocations == 0
        self.invocations += 1
        timeout = self.spec.timeout_s
        invocation = Invocation(request_id, payload, self.spec.arn, RuntimeApi.deadline_ms(timeout))
        with self._tail_lock:
            self._tail = []
        self._sink(self.log_stream, [f"START RequestId: {request_id} Version: $LATEST"])
        started = time.monotonic()
        self._api.submit(invocation)
        deadline = started + timeout
        while not invocation.done.wait(0.02):
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
                self._sink(self.log_stream, [f"{datetime.now(timezone.utc).isoformat()} {request_id} {message}"])
                invocation.resolve(error_payload("Sandbox.Timedout", message), "Sandbox.Timedout")
        duration_ms = (time.monotonic() - started) * 1000
        report = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\tMemory Size: {self.spec.memory_mb} MB\t"
            f"Max Memory Used: {self.peak_rss_mb()} MB"
        )
        if cold and self._api.first_poll is not None:
            report += f"\tInit Duration: {(self._api.first_poll - self.started) * 1000:.2f} ms"
        self._sink(self.log_stream, [f"END RequestId: {request_id}", report])
        with self._tail_lock:
            tail = list(self._tail)
        return InvocationResult(request_id, invocation.response, invocation.error_type, duration_ms, tail, cold)

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
        self._reader.join(timeout=2)


class WorkerPool:
    """Warm workers per (function, code hash), at most ``max_per_function`` at once."""

    def __init__(
        self,
        code_root: Path,
        endpoint: str,
        ca_bundle: str,
        sink_for: Callable[[FunctionSpec], LogSink],
        max_per_function: int,
    ) -> None:
        self._code_root = code_root
        self._endpoint = endpoint
        self._ca_bundle = ca_bundle
        self._sink_for = sink_for
        self._max = max_per_function
        self._idle: dict[tuple[str, str], list[Worker]] = {}
        self._busy: dict[tuple[str, str], int] = {}
        self._all: set[Worker] = set()
        self._changed = threading.Condition()
        self._closed = False

    def _limit(self, spec: FunctionSpec) -> int:
        if spec.concurrency_limit is not None:
            return max(0, min(self._max, spec.concurrency_limit))
        return self._max

    def _retire_stale(self, spec: FunctionSpec) -> list[Worker]:
        """Idle workers of older code of this function: no longer wanted."""
        stale: list[Worker] = []
        for key in [k for k in self._idle if k[0] == spec.arn and k != spec.key]:
            stale.extend(self._idle.pop(key))
        for worker in stale:
            self._all.discard(worker)
        return stale

    def _claim(self, spec: FunctionSpec, limit: int, dead: list[Worker]) -> Worker | None:
        """Under the lock: an idle worker, or None with a slot reserved for a new one."""
        while True:
            if self._closed:
                raise RuntimeError("the emulator is shutting down")
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
            self._changed.wait()

    def acquire(self, spec: FunctionSpec) -> Worker:
        limit = self._limit(spec)
        if limit == 0:
            raise RuntimeError(f"function {spec.name} has reserved concurrency 0: it cannot run")
        with self._changed:
            unwanted = self._retire_stale(spec)
            worker = self._claim(spec, limit, unwanted)
        for old in unwanted:
            old.stop()
        if worker is not None:
            return worker
        try:
            fresh = Worker(spec, unpack(spec, self._code_root), self._endpoint, self._ca_bundle, self._sink_for(spec))
        except BaseException:
            with self._changed:
                self._busy[spec.key] -= 1
                self._changed.notify_all()
            raise
        with self._changed:
            self._all.add(fresh)
        return fresh

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

    def invoke(self, spec: FunctionSpec, payload: bytes, request_id: str | None = None) -> InvocationResult:
        worker = self.acquire(spec)
        try:
            return worker.invoke(payload, request_id or str(uuid.uuid4()))
        finally:
            self.release(worker)

    def close(self) -> None:
        with self._changed:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._changed.notify_all()
        for worker in workers:
            worker.stop()
