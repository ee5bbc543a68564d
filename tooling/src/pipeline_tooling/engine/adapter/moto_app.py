"""moto's WSGI application: the one app that answers every service on the engine's endpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server import werkzeug_app
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from ..wsgi import WsgiApp
from .dependencies import MotoSymbol
from .patching import replace

MOTO_SYMBOLS = (
    MotoSymbol(
        "moto.moto_server.werkzeug_app.DomainDispatcherApplication",
        "called",
        ("create_app",),
        "one WSGI app for every service, dispatched by host and signature",
    ),
    MotoSymbol("moto.moto_server.werkzeug_app.create_backend_app", "called", ("service",), "a service's WSGI app"),
    MotoSymbol(
        "moto.moto_server.werkzeug_app.DISABLE_GLOBAL_CORS",
        "patched",
        None,
        "no CORS headers on every response (AWS sends none unless a bucket's CORS rules say so)",
    ),
    MotoSymbol("moto.core.request.Request.raw_path", "called", None, "the path as it arrived, from RAW_URI"),
    MotoSymbol(
        "moto.moto_server.werkzeug_app.DomainDispatcherApplication.get_backend_for_host",
        "called",  # wrapped on the engine's own app instance, not on the class
        ("self", "host"),
        "remember which service a host name means (moto lists its package folder for every request)",
    ),
)


def wsgi_app() -> WsgiApp:
    """moto's app, given the request URI as werkzeug's server would.

    moto reads the path as it arrived from ``RAW_URI``, which werkzeug's development server
    sets and cheroot does not (cheroot has ``REQUEST_URI``); without it moto decodes the
    already decoded PATH_INFO again, and a key holding ``%20`` became one holding a space.
    """
    # moto's server wraps every service in flask-cors, which adds Access-Control-Allow-Origin: * to
    # every response: AWS does not, and it was a twelfth of the engine's time per request.
    replace(werkzeug_app, "DISABLE_GLOBAL_CORS", True)
    moto_app = DomainDispatcherApplication(_without_debug_mode)
    _remember_backends(moto_app)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "RAW_URI" not in environ and "REQUEST_URI" in environ:
            environ["RAW_URI"] = environ["REQUEST_URI"]
        result: Iterable[bytes] = moto_app(environ, start_response)
        return result

    return app


def _without_debug_mode(service: Any) -> Any:
    """A service's Flask app, out of Flask's debug mode (moto's server turns it on).

    In debug mode Flask builds a new class for every request that carries no form files, to
    improve a browser error message: a sixth of the engine's time in a burst, for nothing an
    AWS client can see.
    """
    app = create_backend_app(service)
    app.debug = False
    return app


def _remember_backends(moto_app: DomainDispatcherApplication) -> None:
    """Which service a host name means, worked out once per host instead of once per request.

    moto answers it by listing its own package folder (an ``isdir`` per service) and trying every
    service's URL patterns in turn, under the app's one lock: about a fifth of the engine's time
    per request. The answer depends on the host alone, so it is kept.
    """
    look_up = moto_app.get_backend_for_host
    known: dict[str | None, Any] = {}

    def get_backend_for_host(host: str | None) -> Any:
        if host not in known:
            known[host] = look_up(host)
        return known[host]

    moto_app.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]
