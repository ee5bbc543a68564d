"""Stopped from outside, a run leaves nothing behind: SIGTERM to `make e2e` tears down as Ctrl-C does.

`make e2e` runs here with two of its tests (make up's, in its own session with its own engine, and
one that needs the session's stack), and is sent SIGTERM once the stack's apply has begun: engines,
Lambda environments, Terraform and its provider are all running then. ``stopped_run.py`` is the
subreaper of everything the run starts, so an engine orphaned in a session of its own is found too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_tooling.paths import module_root

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


ROOT = module_root()
SELECTED = "test_make_up_hot_reloads_the_handler_and_shows_each_event or test_outputs_name_the_deployed_resources"


# Above stopped_run.py's own waits (300 s for the apply, 300 s for the exit, then 10 s), so that a slow run
# ends in its report, with what the run printed, rather than in pytest-timeout's bare traceback.
@pytest.mark.timeout(660)
def test_sigterm_to_make_e2e_stops_everything_it_started_after_tearing_down():
    inherited = ("PYTEST_", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")  # not this session's, nor a parent make's
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env.update(E2E_TARGET="embedded", PYTEST_ADDOPTS=f"-k '{SELECTED}' -p no:cacheprovider")
    command = ["make", "--no-print-directory", "e2e"]
    stopper = [sys.executable, str(Path(__file__).with_name("stopped_run.py")), "terraform apply [", "300", "--"]

    done = subprocess.run(
        stopper + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )

    report = json.loads(done.stdout.strip().splitlines()[-1])
    output = "\n".join(report["output"])
    assert report["pattern_seen"], f"the run never reached its apply:\n{output}\n{done.stderr}"
    assert report["exit_code"] not in (None, 0), output  # it stopped, and said it did not finish
    assert report["left_running"] == [], f"left running after make exited:\n{output}"
    assert "KeyboardInterrupt" in output  # pytest's own teardown path, as for Ctrl-C
    assert "terraform destroy [" in output  # the stack whose apply had begun was destroyed
    assert "make down:" in output  # and make up's stack and engine were taken down by its test's teardown
