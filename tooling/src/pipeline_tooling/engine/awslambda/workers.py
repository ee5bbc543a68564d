"""Execution environments: one OS process per warm worker, run by awslambdaric.

A worker is a Python process running ``python -m awslambdaric <handler>`` in the function's
unpacked code, talking to its own ``RuntimeApi``. Workers are kept warm per function and
fingerprint (code and configuration), as Lambda keeps environments; one is started as soon
as a function is created or changed (``prewarm``), more under load up to the function's
concurrency. A worker that exceeds the function's timeout is killed, as Lambda does; an
environment's init (up to Lambda's 10 s) comes before its first invocation's timeout starts.

The function's output is read from its stdout without a thread of its own: drained while the
invocation runs (so a chatty handler never blocks on a full pipe) and once more when it ends,
then written with START, END and REPORT as one batch, in that order.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import subprocess
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from ..credentials import Credentials
from ..faults import EnvironmentFault
from .platform_log import Report, invocation_batch, timeout_line, timeout_message
from .pool import EnvironmentPool, InvocationResult
from .runtime_api import Invocation, RuntimeApi, error_payload
from .runtimes import announce, python_for
from .spec import FunctionSpec

INIT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase
_POLL_S = 0.02

# (spec, the environment's credentials, log stream, lines) -> written to the function's log group
LogSink = Callable[[FunctionSpec, Credentials, str, list[str]], None]
# The function's role's credentials for a new environment (issued by the engine's STS)
CredentialsFor = Callable[[FunctionSpec], Credentials]


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

    def invoke(self, payload: bytes, request_id: str, fault: EnvironmentFault | None = None) -> InvocationResult:
        """Run one invocation, its lines written to the log stream as one batch; ``fault`` is applied to this
        environment while it runs."""
        cold = self.invocations == 0
        self.invocations += 1
        if cold:
            # Lambda's init phase has its own limit and is not part of the invocation's timeout: a slow
            # machine's init must not time the event out. Past that limit (or if it died) the invocation
            # starts anyway, its timeout then covering the rest of the init, as Lambda's suppressed init does.
            self.wait_ready()
        before = self._drain(final=True)  # init output, or what ran after the last invocation returned
        deadline_ms = RuntimeApi.deadline_ms(self.spec.timeout_s)
        # Killed: what the runtime posts meanwhile is not taken (RuntimeApi.complete).
        invocation = Invocation(
            request_id, payload, self.spec.arn, deadline_ms, environment_killed=fault is EnvironmentFault.KILL
        )
        started = time.monotonic()
        self._api.submit(invocation)
        if fault is EnvironmentFault.KILL:
            self._kill_once_started(invocation)
        output = self._wait(invocation, deadline=started + self.spec.timeout_s)
        duration_ms = (time.monotonic() - started) * 1000
        output += self._drain(final=True)
        report = Report(
            request_id, duration_ms, self.spec.memory_mb, self.peak_rss_mb(), self._init_ms(cold), invocation.error_type
        )
        self._sink(self.spec, self.credentials, self.log_stream, invocation_batch(self.spec, report, before, output))
        return InvocationResult(request_id, invocation.response, invocation.error_type, output)

    def _kill_once_started(self, invocation: Invocation) -> None:
        """The injected fault: SIGKILL once the runtime holds the invocation, as an out-of-memory kill or a
        crash would (not if the runtime never takes it within the function's timeout)."""
        if invocation.started.wait(self.spec.timeout_s):
            self._process.kill()

    def _wait(self, invocation: Invocation, *, deadline: float) -> list[str]:
        """Until the invocation is resolved: by the runtime, by the environment's exit or at the deadline;
        returns the lines written meanwhile."""
        output: list[str] = []
        while not invocation.done.wait(_POLL_S):
            output += self._drain()
            if not self.alive:
                invocation.resolve(*self._exit_error())
            elif time.monotonic() >= deadline:
                output.append(self._time_out(invocation))
        return output

    def _exit_error(self) -> tuple[bytes, str]:
        """The error (payload and type) of an invocation whose environment exited under it."""
        if self._api.init_error is not None:
            return self._api.init_error, "Runtime.InitError"
        message = f"Runtime exited with error: exit status {self._process.returncode}"
        return error_payload("Runtime.ExitError", message), "Runtime.ExitError"

    def _time_out(self, invocation: Invocation) -> str:
        """Kill the environment of an invocation past its timeout and resolve it as Lambda does; the log line."""
        self.kill()
        timeout = self.spec.timeout_s
        invocation.resolve(error_payload("Sandbox.Timedout", timeout_message(timeout)), "Sandbox.Timedout")
        return timeout_line(invocation.request_id, timeout)

    def _init_ms(self, cold: bool) -> float | None:
        """The init phase's duration, reported with an environment's first invocation only."""
        if not cold or self._api.first_poll is None:
            return None
        return (self._api.first_poll - self.started) * 1000

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


class WorkerPool(EnvironmentPool):
    """The engine's pool: each environment an awslambdaric worker in the function's unpacked code."""

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
        def launch(spec: FunctionSpec) -> Worker:
            task_root = unpack(spec, code_root)
            return Worker(spec, task_root, endpoint, ca_bundle, sink=sink, credentials=credentials_for(spec))

        super().__init__(launch, concurrency=concurrency)
