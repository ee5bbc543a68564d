"""What make up leaves on disk and how a second make up, make down and Ctrl-C are told apart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pipeline_tooling.harness.polling import wait_until
from pipeline_tooling.harness.sandbox import envfile
from pipeline_tooling.harness.sandbox.signals import StopRequests
from pipeline_tooling.harness.sandbox.state import AlreadyRunning, SandboxState
from pipeline_tooling.harness.sandbox.teardown import down
from pipeline_tooling.harness.targets import Target
from pipeline_tooling.paths import module_root

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration

ROOT = module_root()
HOLD_LOCK = """
import sys, time
from pathlib import Path
from pipeline_tooling.harness.sandbox.state import SandboxState

with SandboxState(Path(sys.argv[1])).up_lock():
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def other_up(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the stack, as a second shell's make up would."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "held\n"
    yield process
    process.kill()
    process.wait(timeout=10)


def test_a_second_up_is_told_which_process_holds_the_stack(tmp_path: Path, other_up: subprocess.Popen[str]) -> None:
    state = SandboxState(tmp_path)

    with pytest.raises(AlreadyRunning) as raised, state.up_lock():
        pass

    assert raised.value.pid == other_up.pid
    assert state.lock_holder() == other_up.pid


def test_the_stack_is_free_again_once_its_holder_is_gone(tmp_path: Path, other_up: subprocess.Popen[str]) -> None:
    state = SandboxState(tmp_path)
    other_up.kill()
    other_up.wait(timeout=10)

    assert state.lock_holder() is None
    with state.up_lock():
        assert state.lock_holder() == os.getpid()


def test_make_down_asks_a_running_up_to_stop_and_waits_for_it(tmp_path: Path, other_up: subprocess.Popen[str]) -> None:
    said: list[tuple[str, str]] = []

    assert down(SandboxState(tmp_path), lambda kind, text: said.append((kind, text))) == 0

    assert other_up.wait(timeout=10) == -signal.SIGTERM
    assert said == [
        ("info", f"asking the running make up (pid {other_up.pid}) to stop"),
        ("info", f"no stack was up (state in {tmp_path})"),
    ]


def test_the_env_file_gives_a_shell_the_engine_and_the_stack(tmp_path: Path) -> None:
    ca = tmp_path / "a dir with 'quotes' and spaces" / "ca.pem"
    target = Target("embedded", "https://127.0.0.1:4566", "eu-west-1", ca_bundle=str(ca))
    outputs = {
        "s3_bucket_name": "b",
        "dynamodb_table_name": "t",
        "lambda_function_name": "f",
        "log_group_name": "/aws/lambda/f",
    }
    path = tmp_path / "env.sh"
    envfile.write(path, target, outputs)

    shown = subprocess.run(
        ["bash", "-c", 'source "$1" && env', "bash", str(path)], env={}, capture_output=True, text=True, check=True
    ).stdout.splitlines()

    assert {line for line in shown if not line.startswith(("PWD=", "SHLVL=", "_="))} == {
        "AWS_ENDPOINT_URL=https://127.0.0.1:4566",
        "AWS_ACCESS_KEY_ID=test",
        "AWS_SECRET_ACCESS_KEY=test",
        f"AWS_CA_BUNDLE={ca}",
        "AWS_DEFAULT_REGION=eu-west-1",
        "AWS_REGION=eu-west-1",
        "TF_VAR_region=eu-west-1",
        "BUCKET=b",
        "TABLE=t",
        "FUNCTION=f",
        "LOG_GROUP=/aws/lambda/f",
    }


@pytest.fixture
def stops() -> Iterator[tuple[StopRequests, list[tuple[str, str]]]]:
    said: list[tuple[str, str]] = []
    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    requests = StopRequests(lambda kind, text: said.append((kind, text)))
    requests.install()
    yield requests, said
    signal.signal(signal.SIGINT, previous[0])
    signal.signal(signal.SIGTERM, previous[1])


def test_ctrl_c_is_a_request_honoured_after_the_step_in_progress(
    stops: tuple[StopRequests, list[tuple[str, str]]],
) -> None:
    requests, said = stops
    requests.busy_with = "terraform apply"

    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGINT)
    wait_until(lambda: requests.requested, bool, timeout=5, what="the signal to arrive")

    assert not requests.by_down
    assert said == [("warn", "stopping once terraform apply is done (it is not cut short: nothing is left half-made)")]


def test_make_downs_sigterm_wins_over_an_earlier_ctrl_c(stops: tuple[StopRequests, list[tuple[str, str]]]) -> None:
    requests, _ = stops

    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGTERM)
    wait_until(lambda: requests.by_down, bool, timeout=5, what="SIGTERM to arrive")

    assert requests.requested
