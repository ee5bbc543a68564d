"""``make down``: stop a running ``make up``, destroy the stack, stop the engine ``make up`` started.

Works whatever state ``make up`` left: watching in another shell (asked to stop first, and
waited for while it finishes a step), stopped by Ctrl-C, killed, or with its engine gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable

from ..clients import client
from ..engines import stop_detached
from ..polling import DeadlineExceeded, wait_until
from .session import engine_alive, sandbox_deployment
from .state import AlreadyRunning, SandboxState

Say = Callable[[str, str], None]
UP_STOP_TIMEOUT_S = 900.0  # as long as a Terraform apply may take: make up finishes the step it is in


def stop_running_up(state: SandboxState, say: Say) -> None:
    holder = state.lock_holder()
    if holder is None:
        return
    if holder > 0:
        say("info", f"asking the running make up (pid {holder}) to stop")
        with contextlib.suppress(ProcessLookupError):
            os.kill(holder, signal.SIGTERM)
    wait_until(
        state.lock_holder,
        lambda pid: pid is None,
        timeout=UP_STOP_TIMEOUT_S,
        what=f"make up (pid {holder}) to stop",
        interval=0.1,
    )


def down(state: SandboxState, say: Say) -> int:
    try:
        stop_running_up(state, say)
    except DeadlineExceeded as error:
        say("error", f"{error}; stop it (Ctrl-C in its shell) and run make down again")
        return 1
    try:
        with state.up_lock():
            return _destroy(state, say)
    except AlreadyRunning as running:
        say("error", f"a new make up (pid {running.pid}) took the stack while make down waited; run make down again")
        return 1


def _destroy(state: SandboxState, say: Say) -> int:
    target = state.target()
    if target is not None and state.tfstate.exists() and engine_alive(state, target):
        deployment = sandbox_deployment(state, target, state.inputs())
        deployment.terraform.init()
        saved = state.outputs()  # the module's outputs, as make up saved them
        if saved:
            deployment.restore_outputs({stack.name: saved for stack in deployment.stacks})
        else:
            deployment.read_outputs()
        deployment.before_destroy(client(target, "s3"), lambda line: say("info", line))
        deployment.terraform.destroy()
        say("info", f"destroyed the stack on {target.label}")
    elif state.tfstate.exists():
        say("info", "the engine that held the stack is not running: its resources are gone; forgot the stack's state")
    else:
        say("info", f"no stack was up (state in {state.root})")
    state.forget_stack()
    state.zip.unlink(missing_ok=True)
    stopped = stop_detached(state.engine_record)
    if stopped is not None:
        say("info", f"stopped {stopped.engine} (process group {stopped.pid})")
    return 0
