"""Does MiniStack run a request and drop its answer when the request reaches an idle connection at the
server's keep-alive deadline?

    python tooling/scripts/ministack_keepalive_race.py --keep-alive 75   # as `python -m ministack` serves
    python tooling/scripts/ministack_keepalive_race.py                   # as the harness starts it

It starts MiniStack (``MiniStackEngine``, with the keep-alive given), opens ``CONNECTIONS`` keep-alive
connections 20 ms apart, keeps the server busy with large uploads from a few other connections, and sends
one AddPermission (a statement id each) on every idle connection when it has been idle for the keep-alive
and -20 to +40 ms (where the server's closes and a busy server's reads cross). Then it counts, from the
function's policy, what became of each request:

* answered;
* refused unrun: the connection was closed before the request was read (the statement is absent), which a
  client may safely send again;
* **run, answer dropped**: the statement is there, but the connection closed without an answer. A client
  that sends the request again (Terraform's does) then meets what its first request did.

Exit status 1 when a request was run and its answer dropped. It takes keep-alive + ~5 s; with a keep-alive
of hours, the run is instead ``--idle`` (80 s by default) long, past MiniStack's own 75 s.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from pipeline_tooling.harness.engines.ministack import KEEP_ALIVE_S, MiniStackEngine

CONNECTIONS = 60
SPACING_S = 0.02  # between the connections' last answers
SPREAD_S = 0.001  # between the idle times the requests arrive at: 60 of them span -20 to +40 ms
FIRST_S = -0.02
UPLOADERS = 6
UPLOAD = os.urandom(8 * 1024 * 1024)
FUNCTION = "keepalive-race"
RUNTIME = "python3.12"
JSON = {"Content-Type": "application/json"}


def call(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """One request on a connection of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        answer = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {answer[:200]!r}")
        return answer
    finally:
        connection.close()


def create_function(port: int) -> None:
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return None\n")
    request = {
        "FunctionName": FUNCTION,
        "Runtime": RUNTIME,
        "Role": "arn:aws:iam::000000000000:role/keepalive-race",
        "Handler": "index.handler",
        "Code": {"ZipFile": base64.b64encode(package.getvalue()).decode()},
    }
    call(port, "POST", "/2015-03-31/functions", json.dumps(request).encode(), JSON)


def statements(port: int) -> set[str]:
    policy = json.loads(json.loads(call(port, "GET", f"/2015-03-31/functions/{FUNCTION}/policy"))["Policy"])
    return {statement["Sid"] for statement in policy["Statement"]}


def keep_busy(port: int, stop: threading.Event) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        connection.request("PUT", "/keepalive-race-uploads/object", body=UPLOAD)
        connection.getresponse().read()
    connection.close()


def race(port: int, idle_s: float) -> dict[str, list[int]]:
    """What became of each AddPermission sent at ``idle_s`` -20 to +40 ms of idleness, by connection."""
    create_function(port)
    call(port, "PUT", "/keepalive-race-uploads")
    connections: list[tuple[http.client.HTTPConnection, float]] = []
    first = time.monotonic()
    for index in range(CONNECTIONS):
        time.sleep(max(0.0, first + index * SPACING_S - time.monotonic()))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", f"/2015-03-31/functions/{FUNCTION}")
        connection.getresponse().read()
        connections.append((connection, time.monotonic()))
    stop = threading.Event()
    uploaders = [threading.Thread(target=keep_busy, args=(port, stop), daemon=True) for _ in range(UPLOADERS)]
    time.sleep(max(0.0, connections[0][1] + idle_s - 2 - time.monotonic()))
    for uploader in uploaders:
        uploader.start()
    sent: dict[int, bool] = {}
    for index, (connection, idle_since) in enumerate(connections):
        time.sleep(max(0.0, idle_since + idle_s + FIRST_S + index * SPREAD_S - time.monotonic()))
        body = {"StatementId": f"S{index}", "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}
        try:
            connection.request("POST", f"/2015-03-31/functions/{FUNCTION}/policy", json.dumps(body), JSON)
            sent[index] = True
        except OSError:
            sent[index] = False
    answered: set[int] = set()
    for index, (connection, _) in enumerate(connections):
        if sent[index]:
            try:
                connection.getresponse().read()
                answered.add(index)
            except (OSError, http.client.HTTPException):
                pass
        connection.close()
    stop.set()
    for uploader in uploaders:
        uploader.join(timeout=60)
    ran = {int(sid[1:]) for sid in statements(port)}
    fates: dict[str, list[int]] = {"answered": [], "refused unrun": [], "run, answer dropped": []}
    for index in range(CONNECTIONS):
        fate = "answered" if index in answered else "run, answer dropped" if index in ran else "refused unrun"
        fates[fate].append(index)
    return fates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Requests at MiniStack's keep-alive deadline: run, answered?")
    parser.add_argument("--keep-alive", type=float, default=KEEP_ALIVE_S, help="the server's keep-alive, seconds")
    parser.add_argument("--idle", type=float, help="how long the connections idle (default: keep-alive, at most 80)")
    args = parser.parse_args(argv)
    idle_s = args.idle if args.idle is not None else min(args.keep_alive, 80.0)
    with tempfile.TemporaryDirectory(prefix="keepalive-race-") as state:
        engine = MiniStackEngine(Path(state), keep_alive_s=args.keep_alive)
        target = engine.start()
        try:
            assert target.endpoint is not None
            fates = race(int(target.endpoint.rsplit(":", 1)[1]), idle_s)
        finally:
            engine.stop()
    print(f"MiniStack {target.version}, keep-alive {args.keep_alive:g} s, requests after {idle_s:g} s (-20 to +40 ms):")
    for fate, indexes in fates.items():
        print(f"  {fate:<20} {len(indexes):>3}  {indexes if fate != 'answered' else ''}")
    return 1 if fates["run, answer dropped"] else 0


if __name__ == "__main__":
    sys.exit(main())
