"""The engine-independent floor: moto alone (no Lambda, none of the engine's fixes to moto), plain HTTP, keep-alive.

``python -m pipeline_tooling.bench.bare_moto READY_FILE`` serves moto's WSGI app on a free port of 127.0.0.1 with
the same server the embedded engine uses (cheroot, keep-alive), writes its URL to READY_FILE
and runs until stopped. The bench measures the same PutObject + PutItem pair against it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline_tooling.engine.adapter.moto_app import wsgi_app
from pipeline_tooling.engine.listeners import Listener
from pipeline_tooling.harness.engines.process import ServerProcess
from pipeline_tooling.harness.polling import wait_until
from pipeline_tooling.harness.targets import Target
from pipeline_tooling.paths import module_root


def main(argv: list[str]) -> int:
    ready = Path(argv[0])
    listener = Listener(wsgi_app(), "127.0.0.1")
    listener.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    ready.write_text(listener.url)
    stop.wait()
    listener.stop()
    return 0


@contextmanager
def bare_moto(state: Path) -> Iterator[tuple[Target, float]]:
    """A bare moto server for the block: its target, and the seconds until it answered."""
    state.mkdir(parents=True, exist_ok=True)
    ready = state / "url"
    ready.unlink(missing_ok=True)
    started = time.perf_counter()
    server = ServerProcess(
        [sys.executable, "-m", "pipeline_tooling.bench.bare_moto", str(ready)],
        env=dict(os.environ),
        cwd=module_root(),
        log=state / "log",
    )
    try:
        url = wait_until(
            lambda: ready.read_text() if ready.exists() else "",
            bool,
            timeout=60,
            what="the bare moto server",
            interval=0.02,
            max_interval=0.1,
        )
        yield (
            Target("embedded", url, "us-east-1", plain_http_endpoint=url, version="bare moto"),
            (time.perf_counter() - started),
        )
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
