"""The engine's listeners: moto's WSGI app on cheroot, over HTTPS and plain HTTP, with keep-alive.

Why cheroot: moto's own server is werkzeug's development server, which answers every request
with ``Connection: close``, so every HTTPS call paid a fresh TLS handshake (72.8 ms for a
PutObject + PutItem pair here, 14.9 ms with keep-alive). cheroot is CherryPy's production WSGI
server, pure Python, with HTTP/1.1 keep-alive and TLS of its own; waitress, the other pure-Python
choice, has no TLS, so the HTTPS listener would need a proxy in front of it.

cheroot's TLS adapter completes the handshake inside accept(), on the one thread that accepts
every connection, so connections queue behind each other's handshakes. ``DeferredHandshake``
wraps the accepted socket without handshaking; OpenSSL completes it on the first read, in the
worker thread that serves the connection.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from typing import Any

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from .request_context import request_context
from .tls import TlsFiles
from .wsgi import WsgiApp

log = logging.getLogger(__name__)

# In-flight requests at once per listener: the harness's threads, every warm worker's client, polls.
THREADS = 48
BACKLOG = 256  # a burst of new connections must not overflow the listen queue (cheroot's default is 5)
# cheroot keeps at most 10 idle connections alive by default and closes every other one after its
# response; a burst (the client's threads, every environment's client, the polls) needs more.
KEEP_ALIVE_CONNECTIONS = 256


class DeferredHandshake(BuiltinSSLAdapter):
    """TLS without a handshake on the accept thread; counts the connections it accepts."""

    def __init__(self, tls: TlsFiles) -> None:
        super().__init__(str(tls.cert_chain), str(tls.private_key))
        self.connections = 0
        self._lock = threading.Lock()

    def wrap(self, sock: socket.socket) -> tuple[ssl.SSLSocket, dict[str, str]]:
        with self._lock:
            self.connections += 1
        wrapped = self.context.wrap_socket(sock, do_handshake_on_connect=False, server_side=True)
        return wrapped, {"HTTPS": "on"}


class _TransportAware:
    """Tells the bucket-policy evaluator which listener a request came in on."""

    def __init__(self, app: WsgiApp, *, secure: bool) -> None:
        self._app = app
        self._secure = secure

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with request_context(secure=self._secure, source_ip=str(environ.get("REMOTE_ADDR", ""))):
            return list(self._app(environ, start_response))


class Listener:
    """One cheroot server on ``host`` and a free port, serving ``app``; HTTPS when ``tls`` is given."""

    def __init__(self, app: WsgiApp, host: str, tls: TlsFiles | None = None) -> None:
        self.scheme = "https" if tls else "http"
        self._server = wsgi.Server(
            (host, 0),
            _TransportAware(app, secure=tls is not None),
            numthreads=THREADS,
            request_queue_size=BACKLOG,
            server_name="embedded-aws-engine",
        )
        self._server.keep_alive_conn_limit = KEEP_ALIVE_CONNECTIONS
        self._adapter = DeferredHandshake(tls) if tls else None
        if self._adapter is not None:
            self._server.ssl_adapter = self._adapter
        self._server.prepare()  # binds: the port is known from here on
        self.host = host
        self.port: int = self._server.bind_addr[1]
        self._thread = threading.Thread(target=self._server.serve, name=f"{self.scheme}-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def tls_connections(self) -> int:
        """TLS connections accepted so far (each is one handshake)."""
        return self._adapter.connections if self._adapter else 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.stop()
        self._thread.join(timeout=10)
