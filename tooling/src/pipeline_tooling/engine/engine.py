"""The embedded engine: moto's services on one HTTPS endpoint, plus Lambda execution.

One endpoint serves every service, like LocalStack's edge port: HTTPS with a certificate
from a CA made for this run, and a second, plain-HTTP listener on which
``aws:SecureTransport`` is false (so TLS-only bucket policies deny it, as in AWS). Both bind
to 127.0.0.1 on free ports and keep connections alive (``listeners.py``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import adapter
from .adapter import awslambda as moto_lambda
from .adapter import dynamodb as moto_dynamodb
from .adapter import s3 as moto_s3
from .adapter.moto_app import wsgi_app
from .awslambda.clock import EventClock
from .awslambda.logsink import CloudWatchSink
from .awslambda.service import LambdaService
from .awslambda.workers import WorkerPool
from .control_api import ControlApi
from .faults import Faults
from .iam.enforcer import Authorizer, IamEnforcer, Sessions
from .listeners import Listener
from .request_context import current_context
from .s3 import bucket_policy, events
from .s3.bucket_gate import BucketPolicyGate
from .s3.summaries import BucketSummary
from .tls import make_tls_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineConfig:
    state_dir: Path
    host: str = "127.0.0.1"
    lambda_concurrency: int | None = None  # per function without a reservation; None: sized for the machine
    retry_delays: tuple[float, ...] = (0.2, 0.4)  # AWS: about 60 and 120 s
    enforce_iam: bool = True  # evaluate the function's calls against its execution role
    verbose: bool = False


@dataclass(frozen=True)
class Endpoints:
    https: str
    http: str
    ca_bundle: str
    log_file: str


def _refused_destinations(bucket: BucketSummary, function_arns: list[str]) -> list[str]:
    """The functions S3 may not invoke for ``bucket``: their policy lacks the permission."""
    return [
        arn
        for arn in function_arns
        if not events.s3_may_invoke(moto_lambda.resource_policy(bucket.account_id, arn.split(":")[3], arn), arn, bucket)
    ]


class Engine:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._listeners: list[Listener] = []
        self._service: LambdaService | None = None
        self._pool: WorkerPool | None = None
        self.faults = Faults()
        self.clock = EventClock()  # asynchronous events' ages: moved forward only by a test (control API)
        self.endpoints: Endpoints | None = None

    def _configure_logging(self) -> Path:
        log_file = self.config.state_dir / "engine.log"
        handler = logging.FileHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        quiet = logging.INFO if self.config.verbose else logging.WARNING
        for noisy in ("werkzeug", "cheroot"):
            logging.getLogger(noisy).setLevel(quiet)
        return log_file

    def start(self) -> Endpoints:
        moto_version = adapter.check_moto()
        state = self.config.state_dir
        state.mkdir(parents=True, exist_ok=True)
        log_file = self._configure_logging()
        # Before moto builds its IAM backend: the managed policies exist in AWS too.
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

        tls = make_tls_files(state / "tls")
        sessions = Sessions()
        authorizer = Authorizer(enabled=self.config.enforce_iam)
        app = ControlApi(
            IamEnforcer(BucketPolicyGate(wsgi_app()), sessions, authorizer), self.faults, self.clock, self._stats
        )
        https = Listener(app, self.config.host, tls)
        http = Listener(app, self.config.host)
        self._listeners = [https, http]

        sink = CloudWatchSink(authorizer)
        self._pool = WorkerPool(
            state / "code",
            https.url,
            str(tls.ca_bundle),
            sink=sink.write,
            credentials_for=lambda spec: sessions.issue(spec.account_id, spec.role, spec.name),
            concurrency=self.config.lambda_concurrency,
        )
        self._service = LambdaService(
            self._pool,
            self.faults,
            retry_delays=self.config.retry_delays,
            sessions=sessions,
            authorizer=authorizer,
            clock=self.clock,
        )
        self._service.install()
        moto_s3.route_lambda_notifications(events.s3_event, self._service.deliver)
        moto_s3.evaluate_bucket_policies(
            lambda policy, action, resource: bucket_policy.evaluate(policy, action, resource, current_context())
        )
        moto_s3.guard_notification_configuration(_refused_destinations)
        moto_dynamodb.before_put_item(self.faults.check_put_item)
        adapter.install_fixes()

        for listener in self._listeners:
            listener.start()
        self.endpoints = Endpoints(https.url, http.url, str(tls.ca_bundle), str(log_file))
        log.info(
            "engine up on moto %s: %s (TLS), %s (plain HTTP), CA %s; %d environments per function; IAM for "
            "functions %s",
            moto_version,
            https.url,
            http.url,
            tls.ca_bundle,
            self._pool.concurrency,
            "enforced" if self.config.enforce_iam else "not enforced (--no-enforce-iam)",
        )
        return self.endpoints

    def _stats(self) -> dict[str, Any]:
        if self._service is None:
            return {}
        return {**self._service.snapshot(), "tls_connections": self._listeners[0].tls_connections}

    def stop(self) -> None:
        for listener in self._listeners:
            listener.stop()
        if self._service is not None:
            self._service.close()
        if self._pool is not None:
            self._pool.close()
        self._listeners.clear()
        adapter.restore_all()
        log.info("engine stopped")
