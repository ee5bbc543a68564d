"""The embedded emulator: moto's services on one HTTPS endpoint, plus Lambda execution.

One endpoint serves every service, like LocalStack's edge port: HTTPS with a
certificate from a CA made for this run, and a second, plain-HTTP listener
on which ``aws:SecureTransport`` is false (so TLS-only bucket policies deny
it, as in AWS). Both bind to 127.0.0.1 on free ports.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from . import bucket_policy, dynamodb_validation, faults, s3_events, s3_fixes
from .bucket_policy import request_context
from .control_api import ControlApi
from .lambda_service import CloudWatchSink, LambdaService
from .tls import TlsFiles, make_tls_files
from .workers import WorkerPool

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class EmulatorConfig:
    state_dir: Path
    host: str = "127.0.0.1"
    lambda_concurrency: int = 4  # warm workers per function at most
    retry_delays: tuple[float, ...] = (0.2, 0.4)
    verbose: bool = False


@dataclass(frozen=True)
class Endpoints:
    https: str
    http: str
    ca_bundle: str
    log_file: str


class _TransportAware:
    """Tells the bucket-policy evaluator which listener a request came in on."""

    def __init__(self, app: WsgiApp, *, secure: bool) -> None:
        self._app = app
        self._secure = secure

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with request_context(secure=self._secure, source_ip=str(environ.get("REMOTE_ADDR", ""))):
            return list(self._app(environ, start_response))


class Emulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self._servers: list[Any] = []
        self._threads: list[threading.Thread] = []
        self._service: LambdaService | None = None
        self._pool: WorkerPool | None = None
        self.faults = faults.Faults()
        self.endpoints: Endpoints | None = None

    def _configure_logging(self) -> Path:
        log_file = self.config.state_dir / "emulator.log"
        handler = logging.FileHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        logging.getLogger("werkzeug").setLevel(logging.INFO if self.config.verbose else logging.WARNING)
        return log_file

    def start(self) -> Endpoints:
        state = self.config.state_dir
        state.mkdir(parents=True, exist_ok=True)
        log_file = self._configure_logging()
        # Before moto builds its IAM backend: the managed policies exist in AWS too.
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

        tls: TlsFiles = make_tls_files(state / "tls")
        moto_app = DomainDispatcherApplication(create_backend_app)
        app = ControlApi(moto_app, self.faults, self._stats)
        https = make_server(
            self.config.host,
            0,
            _TransportAware(app, secure=True),
            threaded=True,
            request_handler=MotoRequestHandler,
            ssl_context=tls.server_context(),
        )
        http = make_server(
            self.config.host, 0, _TransportAware(app, secure=False), threaded=True, request_handler=MotoRequestHandler
        )
        https_url = f"https://{self.config.host}:{https.server_port}"
        http_url = f"http://{self.config.host}:{http.server_port}"

        sink = CloudWatchSink()
        self._pool = WorkerPool(
            state / "code",
            https_url,
            str(tls.ca_bundle),
            lambda spec: sink.for_function(spec.arn.split(":")[4], spec),
            max_per_function=self.config.lambda_concurrency,
        )
        self._service = LambdaService(
            self._pool,
            self.faults,
            retry_delays=self.config.retry_delays,
            async_concurrency=self.config.lambda_concurrency,
        )
        self._service.install()
        bucket_policy.install()
        s3_events.install(self._service.deliver)
        s3_fixes.install()
        dynamodb_validation.install()
        faults.install(self.faults)

        for server in (https, http):
            thread = threading.Thread(target=server.serve_forever, name=f"moto-{server.server_port}", daemon=True)
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        self.endpoints = Endpoints(https_url, http_url, str(tls.ca_bundle), str(log_file))
        log.info("emulator up: %s (TLS), %s (plain HTTP), CA %s", https_url, http_url, tls.ca_bundle)
        return self.endpoints

    def _stats(self) -> dict[str, Any]:
        if self._service is None:
            return {}
        return {**self._service.stats, "pending_async": self._service.pending}

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._service is not None:
            self._service.close()
        if self._pool is not None:
            self._pool.close()
        self._servers.clear()
        self._threads.clear()
        log.info("emulator stopped")
