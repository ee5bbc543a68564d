"""moto's CloudWatch Logs: the function's output, written straight into the backend (no HTTP round trip)."""

from __future__ import annotations

import threading

from moto.logs.models import logs_backends

from .dependencies import MotoAttribute, MotoSymbol

MOTO_SYMBOLS = (
    MotoSymbol("moto.logs.models.logs_backends", "called", None, "reach a region's log groups"),
    MotoSymbol(
        "moto.logs.models.LogsBackend.create_log_stream",
        "called",
        ("self", "log_group_name", "log_stream_name"),
        "open the worker's log stream",
    ),
    MotoSymbol(
        "moto.logs.models.LogsBackend.put_log_events",
        "called",
        ("self", "log_group_name", "log_stream_name", "log_events"),
        "write the function's lines, one batch per invocation",
    ),
)
MOTO_ATTRIBUTES = (
    MotoAttribute("moto.logs.models.LogsBackend", "groups", dict, "the region's log groups, by name"),
    MotoAttribute("moto.logs.models.LogGroup", "streams", dict, "the group's log streams, by name"),
)

_lock = threading.Lock()  # moto's backends are not made for concurrent writers


def put_lines(account_id: str, region: str, group: str, stream: str, events: list[tuple[int, str]]) -> bool:
    """Append ``(timestamp ms, message)`` events to the stream (created if missing); False if the group is missing."""
    backend = logs_backends[account_id][region]
    with _lock:
        if group not in backend.groups:
            return False
        if stream not in backend.groups[group].streams:
            backend.create_log_stream(group, stream)
        backend.put_log_events(group, stream, [{"timestamp": ts, "message": msg} for ts, msg in events])
    return True
