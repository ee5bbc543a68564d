"""The MiniStack the harness starts closes an idle connection after the engine's keep-alive, not
MiniStack's own 75 s: Terraform's client keeps its idle connections for 90 s, and a request reaching a
connection as MiniStack closes it can be run with its answer dropped (engines/ministack.py)."""

from __future__ import annotations

import http.client
import select
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_tooling.harness.engines.ministack import GO_CLIENT_IDLE_TIMEOUT_S, MiniStackEngine

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


KEEP_ALIVE_S = 1.0


@pytest.fixture
def connection(tmp_path: Path) -> Iterator[http.client.HTTPConnection]:
    """A keep-alive connection to a MiniStack the harness started with a keep-alive of 1 s."""
    engine = MiniStackEngine(tmp_path, keep_alive_s=KEEP_ALIVE_S)
    target = engine.start()
    assert target.endpoint is not None
    host, port = target.endpoint.removeprefix("http://").split(":")
    opened = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        yield opened
    finally:
        opened.close()
        engine.stop()


def health(connection: http.client.HTTPConnection) -> int:
    connection.request("GET", "/_ministack/health")
    response = connection.getresponse()
    response.read()
    return response.status


def test_an_idle_connection_stays_open_for_the_keep_alive_and_then_the_server_closes_it(connection):
    assert health(connection) == 200
    assert connection.sock is not None
    first = connection.sock.getsockname()
    time.sleep(KEEP_ALIVE_S / 4)
    assert health(connection) == 200
    assert connection.sock.getsockname() == first, "the connection was not kept alive between two requests"

    idle_since = time.monotonic()
    readable, _, _ = select.select([connection.sock], [], [], 10 * KEEP_ALIVE_S)
    idle_for = time.monotonic() - idle_since
    assert readable, f"the server kept an idle connection open {10 * KEEP_ALIVE_S:g} s, its keep-alive being 1 s"
    assert connection.sock.recv(1) == b"", "the server sent something unasked instead of closing"
    assert idle_for >= KEEP_ALIVE_S / 2, f"the server closed the connection after {idle_for:.2f} s, not idle"


def test_by_default_the_server_outwaits_the_idle_connections_of_terraforms_client(tmp_path):
    assert MiniStackEngine(tmp_path).keep_alive_s > GO_CLIENT_IDLE_TIMEOUT_S
