"""``make logs``: follow the function's logs of the stack ``make up`` left running, until Ctrl-C."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..clients import client
from ..followers import LogFollower
from . import live
from .session import engine_alive
from .signals import StopRequests
from .state import SandboxState

Say = Callable[[str, str], None]


def logs(state: SandboxState, say: Say, *, since_s: float = 600.0, poll_s: float = 0.5) -> int:
    target, outputs = state.target(), state.outputs()
    if target is None or not outputs or not state.deployed():
        say("error", f"no stack is up (state in {state.root}): `make up` starts one")
        return 1
    if not engine_alive(state, target):
        say("error", f"{target.label} at {target.endpoint} is not running, nor is the stack: `make up` deploys anew")
        return 1
    stops = StopRequests(say)
    stops.install()
    group = str(outputs["log_group_name"])
    follower = LogFollower(client(target, "logs", attempts=2), group, int((time.time() - since_s) * 1000))
    lines = live.EventLines()
    silence = live.Silence(say)
    say("info", f"following {group} on {target.label} (from {since_s / 60:.0f} min ago); Ctrl-C stops")
    while not stops.requested:
        try:
            live.follow_once(follower, lines, None, say)
            silence.answered()
        except live.ENGINE_ERRORS as error:
            if not engine_alive(state, target):
                say("error", f"{target.label} went away: the stack went with it; `make up` deploys anew")
                return 1
            silence.unanswered(target.label, error)
        stops.wait(poll_s)
    return 0
