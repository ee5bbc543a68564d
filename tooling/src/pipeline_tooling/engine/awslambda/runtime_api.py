"""The Lambda Runtime API (2018-06-01) for one execution environment.

awslambdaric, AWS's runtime interface client, polls ``invocation/next`` and
posts ``response``, ``error`` or ``init/error``; this server hands it one
invocation at a time, as Lambda does, and resolves the caller's waiting
``Invocation`` with what the runtime posted.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_BASE = "/2018-06-01/runtime"
_RESULT = re.compile(rf"^{_BASE}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")


@dataclass
class Invocation:
    request_id: str
    payload: bytes
    function_arn: str
    deadline_ms: int
    trace_id: str = ""
    # A fault: the environment is killed mid-invocation, so what the runtime posts is never taken
    # (the kill may land after the handler returned but before Lambda has the result).
    environment_killed: bool = False
    started: threading.Event = field(default_factory=threading.Event)  # handed to the runtime
    done: threading.Event = field(default_factory=threading.Event)
    response: bytes = b""
    error_type: str | None = None

    def resolve(self, body: bytes, error_type: str | None) -> None:
        if not self.done.is_set():
            self.response, self.error_type = body, error_type
            self.done.set()

    @property
    def failed(self) -> bool:
        return self.error_type is not None


def error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: RuntimeApi


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm the second waits for
    # the runtime's delayed ACK (40 ms here), twice per invocation.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the executor logs what matters."""

    def _reply(self, status: HTTPStatus, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the runtime was stopped meanwhile
            self.close_connection = True

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        if self.path != f"{_BASE}/invocation/next":
            self._reply(HTTPStatus.NOT_FOUND)
            return
        invocation = self.server.owner.next_invocation()
        if invocation is None:  # shutting down: the runtime is about to be stopped
            self._reply(HTTPStatus.GONE)
            return
        self._reply(
            HTTPStatus.OK,
            invocation.payload,
            {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                "Lambda-Runtime-Trace-Id": invocation.trace_id,
            },
        )

    def do_POST(self) -> None:
        body = self._body()
        owner = self.server.owner
        if self.path == f"{_BASE}/init/error":
            owner.init_failed(body, self.headers.get("Lambda-Runtime-Function-Error-Type") or "Runtime.InitError")
            self._reply(HTTPStatus.ACCEPTED, b'{"status":"OK"}')
            return
        match = _RESULT.match(self.path)
        if match is None:
            self._reply(HTTPStatus.NOT_FOUND)
            return
        error_type = None
        if match["kind"] == "error":
            error_type = self.headers.get("Lambda-Runtime-Function-Error-Type") or "Unhandled"
        if not owner.complete(match["id"], body, error_type):
            self._reply(HTTPStatus.BAD_REQUEST, error_payload("InvalidRequestID", "no such invocation in flight"))
            return
        self._reply(HTTPStatus.ACCEPTED, b'{"status":"OK"}')


class RuntimeApi:
    """One execution environment's Runtime API endpoint on 127.0.0.1."""

    def __init__(self) -> None:
        self._pending: queue.Queue[Invocation | None] = queue.Queue()
        self._in_flight: Invocation | None = None
        self._lock = threading.Lock()
        self.init_error: bytes | None = None
        self.first_poll: float | None = None
        self.polled = threading.Event()  # the runtime has asked for work: its init is over
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="runtime-api", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._pending.put(None)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def submit(self, invocation: Invocation) -> None:
        self._pending.put(invocation)

    def next_invocation(self) -> Invocation | None:
        if self.first_poll is None:  # the runtime has imported the handler: init is over
            self.first_poll = time.monotonic()
            self.polled.set()
        invocation = self._pending.get()
        with self._lock:
            self._in_flight = invocation
        if invocation is not None:
            invocation.started.set()
        return invocation

    def complete(self, request_id: str, body: bytes, error_type: str | None) -> bool:
        with self._lock:
            invocation = self._in_flight
            if invocation is None or invocation.request_id != request_id:
                return False
            if invocation.environment_killed:  # the kill is under way: the result dies with the environment
                return True
            self._in_flight = None
        invocation.resolve(body, error_type)
        return True

    def init_failed(self, body: bytes, error_type: str) -> None:
        self.init_error = body
        with self._lock:
            invocation, self._in_flight = self._in_flight, None
        if invocation is not None:
            invocation.resolve(body, error_type)

    @staticmethod
    def deadline_ms(timeout_s: float) -> int:
        return int((time.time() + timeout_s) * 1000)
