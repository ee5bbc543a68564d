"""Run a command, SIGTERM it once its output shows a pattern, and report what of it is left running.

``python stopped_run.py PATTERN SECONDS -- COMMAND...`` prints one JSON object: the command's exit code,
the seconds from the signal to its exit, its output's last lines, and every process of it still running
afterwards. This process is the subreaper of everything the command starts (PR_SET_CHILD_SUBREAPER), so
a process orphaned by its parent's exit (an engine started in a session of its own, say) is reparented
here and found, instead of vanishing into init.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
LINGER_S = 10.0  # how long processes may take to go after the command has exited


def children() -> list[int]:
    """This process's children (the command's orphans among them), by /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
            found.append(int(entry.name))
    return found


def describe(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))[:300]
    except OSError:
        return f"pid {pid} (gone)"


def reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def stop_all(pids: list[int]) -> None:
    """SIGKILL what is left, then whatever that orphans (it is reparented here), until nothing is."""
    deadline = time.monotonic() + LINGER_S
    while pids and time.monotonic() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        reap()
        pids = children()


def main() -> int:
    pattern, seconds, _, *command = sys.argv[1:]
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if pattern in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    signalled = seen.wait(float(seconds))
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)  # to the command alone, as `kill PID` or a CI limit sends it
    try:
        code: int | None = process.wait(timeout=300)
    except subprocess.TimeoutExpired:
        code = None
    exited_after = time.monotonic() - sent
    reader.join(timeout=10)
    deadline = time.monotonic() + LINGER_S
    while True:
        reap()
        left = children()
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    report = {
        "pattern_seen": signalled,
        "exit_code": code,
        "exited_after_s": round(exited_after, 1),
        "left_running": [describe(pid) for pid in left],
        "output": lines[-40:],
    }
    stop_all(left)  # nothing of it outlives the test, whatever the verdict
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
