"""Choosing and reaching an engine: bad input gets one clear message, and nothing is left running."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import fields
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from pipeline_tooling.harness import engines, targets
from pipeline_tooling.harness.clients import Clients, client
from pipeline_tooling.harness.engines import health, localstack, ministack
from pipeline_tooling.harness.engines.process import ServerProcess, ServerRecord, group_alive
from pipeline_tooling.harness.polling import wait_until
from pipeline_tooling.harness.targets import Target, TargetError
from pipeline_tooling.paths import module_root

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


ROOT = module_root()


@pytest.mark.parametrize("value", ["", "  ", "Embedded", "ministack", "localstack", "aws"])
def test_known_targets_are_accepted(value):
    assert targets.chosen({"E2E_TARGET": value}) == (value.strip().lower() or "embedded")


def test_an_unknown_target_is_refused_with_the_choices():
    with pytest.raises(TargetError) as refused:
        targets.chosen({"E2E_TARGET": "moto"})

    assert str(refused.value) == (
        "E2E_TARGET='moto' is not an engine this suite knows. Choose one of embedded, ministack, localstack, aws "
        "(unset means embedded); see the README's section on engines."
    )


def test_the_e2e_suite_stops_at_once_on_an_unknown_target():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/e2e", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env={**os.environ, "E2E_TARGET": "nonsense"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "E2E_TARGET='nonsense' is not an engine this suite knows" in result.stdout + result.stderr
    assert "passed" not in result.stdout


def test_an_engine_that_does_not_answer_is_named_with_the_url_and_the_remedy():
    port = health.free_port()

    with pytest.raises(TargetError) as refused:
        health.check_health("MiniStack", f"http://127.0.0.1:{port}", what_to_do="Start it.")

    message = str(refused.value)
    assert message.startswith(f"MiniStack does not answer at http://127.0.0.1:{port}/_localstack/health (")
    assert message.endswith("Connection refused>). Start it.")


class _Health(BaseHTTPRequestHandler):
    document: ClassVar[dict[str, object]] = {}

    def do_GET(self):
        body = json.dumps(self.document).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_engine_without_a_needed_service_is_refused_naming_it():
    services = {s: "available" for s in health.NEEDED_SERVICES} | {"lambda": "disabled"}
    handler = type("Handler", (_Health,), {"document": {"services": services, "version": "9.9"}})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(TargetError) as refused:
            health.check_health("LocalStack", f"http://127.0.0.1:{server.server_port}", what_to_do="")
    finally:
        server.shutdown()
        server.server_close()

    assert "does not offer every service the stack needs: lambda=disabled" in str(refused.value)


def test_a_missing_ministack_interpreter_says_how_to_install_it(tmp_path):
    with pytest.raises(TargetError) as refused:
        ministack.check_interpreter(tmp_path / "no-python")

    assert f"No MiniStack interpreter at {tmp_path / 'no-python'}" in str(refused.value)
    assert "make ministack" in str(refused.value)
    assert "MINISTACK_ENDPOINT" in str(refused.value)


def test_an_interpreter_without_ministack_is_refused_naming_the_module():
    # The project's own venv has boto3 but not MiniStack.
    with pytest.raises(TargetError) as refused:
        ministack.check_interpreter(Path(sys.executable))

    assert f"{sys.executable} cannot import ministack (MiniStack itself)" in str(refused.value)
    assert "No module named 'ministack'" in str(refused.value)


def test_stopping_a_server_stops_its_whole_group(tmp_path):
    # A server that starts a helper of its own, as engines start function workers.
    script = "import subprocess, time; subprocess.Popen(['sleep', '300']); print('up', flush=True); time.sleep(300)"
    server = ServerProcess([sys.executable, "-c", script], env=dict(os.environ), cwd=tmp_path, log=tmp_path / "log")
    wait_until((tmp_path / "log").read_text, lambda text: "up" in text, timeout=30, what="the server")
    assert group_alive(server.pid)

    server.stop(timeout=5)

    assert not server.alive
    assert not group_alive(server.pid)  # the helper went with it


class StandInEngine:
    """An engine `make up` starts: a process group of its own that only sleeps."""

    title = "stand-in"

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.process: ServerProcess | None = None

    def start(self) -> Target:
        self.process = ServerProcess(
            ["sleep", "300"], env=dict(os.environ), cwd=self.state_dir, log=self.state_dir / "log"
        )
        return Target("ministack", "http://127.0.0.1:1", "us-east-1")

    def stop(self) -> None:
        assert self.process is not None
        self.process.stop(timeout=5)


def test_make_up_on_another_engine_stops_the_one_an_earlier_make_up_left(tmp_path, monkeypatch):
    """An earlier `make up` started the embedded engine and deployed nothing on it; this one wants MiniStack."""
    record = tmp_path / "engine.json"
    earlier = StandInEngine(tmp_path)
    earlier.start()
    assert earlier.process is not None
    ServerRecord("embedded", earlier.process.pid, "log", {}).save(record)
    monkeypatch.setattr(engines, "engine_to_start", lambda name, state_dir: StandInEngine(tmp_path))

    target = engines.start_detached("ministack", tmp_path / "ministack", record)

    started = ServerRecord.load(record)
    try:
        assert not group_alive(earlier.process.pid)
        assert started is not None
        assert (started.engine, started.target["name"]) == ("ministack", target.name)
    finally:
        if started is not None:
            engines.stop_detached(record)
        if group_alive(earlier.process.pid):  # only where the code under test failed to stop it
            earlier.stop()


@pytest.fixture
def fake_localstack(monkeypatch):
    """A health endpoint offering every service, where localstack-client's settings point."""
    services = {s: "running" for s in health.NEEDED_SERVICES}
    handler = type("Handler", (_Health,), {"document": {"services": services, "version": "4.14.0"}})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("USE_SSL", raising=False)
    monkeypatch.setenv("LOCALSTACK_HOST", f"127.0.0.1:{server.server_port}")
    yield server.server_port
    server.shutdown()
    server.server_close()


def test_localstack_is_found_and_its_clients_built_through_localstack_client(fake_localstack):
    target = localstack.connect()

    assert (target.name, target.endpoint, target.version) == (
        "localstack",
        f"http://127.0.0.1:{fake_localstack}",
        "4.14.0",
    )
    assert target.plain_http_endpoint == target.endpoint
    s3 = client(target, "s3")
    assert s3.meta.endpoint_url == f"http://127.0.0.1:{fake_localstack}"
    assert s3.meta.region_name == target.region


def test_use_ssl_switches_localstack_to_https(fake_localstack, monkeypatch):
    monkeypatch.setenv("USE_SSL", "1")

    assert localstack.endpoint() == f"https://127.0.0.1:{fake_localstack}"


def test_the_services_are_declared_once_and_every_engine_setup_follows_them():
    assert sorted(f.name.rstrip("_") for f in fields(Clients)) == sorted(targets.SERVICES)
    assert set(health.NEEDED_SERVICES) <= set(targets.SERVICES)
    compose = (Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text()  # the tooling's own
    [listed] = [line.split("SERVICES=", 1)[1] for line in compose.splitlines() if "SERVICES=" in line]
    assert sorted(listed.strip().split(",")) == sorted(targets.SERVICES), "LocalStack's SERVICES in docker-compose.yml"
