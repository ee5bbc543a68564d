"""make up's (and make logs') decisions that need no engine: an engine gone mid-watch, a stack on another engine,
a broken start, a refused update, an engine that stops answering for a while."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from pipeline_tooling.harness.engines.process import ServerRecord
from pipeline_tooling.harness.sandbox import session, tail
from pipeline_tooling.harness.sandbox.session import Options, Session, sandbox_deployment
from pipeline_tooling.harness.sandbox.state import SandboxState
from pipeline_tooling.harness.stack import DeployedStack, Deployment
from pipeline_tooling.harness.targets import Target, TargetError
from pipeline_tooling.paths import module_root

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


ROOT = module_root()
TARGET = Target("ministack", "http://127.0.0.1:1", "us-east-1", version="1.5.33")
OUTPUTS = {
    "s3_bucket_name": "b",
    "dynamodb_table_name": "t",
    "lambda_function_name": "s3-processor-dev",
    "log_group_name": "/aws/lambda/s3-processor-dev",
    "failure_queue_url": None,
}


class QuietEngine:
    """Clients of an engine that answers with nothing new."""

    def get_paginator(self, operation: str) -> QuietEngine:
        assert operation == "filter_log_events"
        return self

    def paginate(self, **_: Any) -> Iterator[dict[str, Any]]:
        yield {"events": []}


@pytest.fixture(autouse=True)
def signal_handlers() -> Iterator[None]:
    """Session.run installs make up's handlers; put pytest's back."""
    saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGINT, saved[0])
    signal.signal(signal.SIGTERM, saved[1])


@pytest.fixture
def up_state(tmp_path: Path) -> SandboxState:
    """State as make up leaves it with a stack deployed on TARGET."""
    state = SandboxState(tmp_path / "sandbox")
    state.save_target(TARGET)
    state.save_outputs(OUTPUTS)
    state.workdir.mkdir(parents=True)
    state.tfstate.write_text(json.dumps({"resources": [{"type": "aws_s3_bucket"}]}))
    return state


@pytest.fixture
def source(tmp_path: Path) -> Path:
    copy = tmp_path / "lambda"
    shutil.copytree(ROOT / "lambda", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def deployed(deployment: Deployment) -> tuple[DeployedStack, ...]:
    """The sandbox's stacks as if applied, with the module's outputs OUTPUTS."""
    deployment.restore_outputs({stack.name: OUTPUTS for stack in deployment.stacks})
    return deployment.deployed


def test_an_engine_gone_mid_watch_ends_make_up_with_one_line_and_forgets_the_stack(
    up_state: SandboxState, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(session, "client", lambda *_, **__: QuietEngine())
    monkeypatch.setattr(session, "engine_alive", lambda *_: False)
    monkeypatch.setattr(session, "HEALTH_EVERY_S", 0.0)
    [stack] = deployed(sandbox_deployment(up_state, TARGET, {"suffix": "dev"}))
    run = Session(Options(source, poll_s=0.01), up_state, lambda kind, text: said.append((kind, text)))

    assert run.watch(stack, "sha") == 1

    assert said[-1] == (
        "error",
        "MiniStack 1.5.33 at http://127.0.0.1:1 went away while make up watched; the stack went with it. "
        "Forgot its state: `make up` deploys anew.",
    )
    assert not up_state.deployed()
    assert up_state.target() is None


def test_make_up_for_another_engine_than_the_stacks_is_refused(
    up_state: SandboxState, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("E2E_TARGET", "embedded")
    run = Session(Options(source), up_state, lambda *_: None)

    with pytest.raises(TargetError) as refused:
        run.reach()

    assert str(refused.value) == (
        f"a stack is up on MiniStack 1.5.33 (state in {up_state.root}); "
        "`make down` removes it before one goes up on embedded"
    )
    assert up_state.deployed()


def test_a_handler_broken_at_start_deploys_nothing(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (source / "index.py").write_text("def lambda_handler(event, context:\n")
    state = SandboxState(tmp_path / "fresh")
    said: list[tuple[str, str]] = []
    reached: list[bool] = []
    monkeypatch.setattr(Session, "reach", lambda self: reached.append(True))

    assert Session(Options(source), state, lambda kind, text: said.append((kind, text))).run() == 2

    assert said == [
        (
            "error",
            f"{source / 'index.py'}:1: SyntaxError: '(' was never closed — nothing deployed; "
            "fix it and run make up again",
        )
    ]
    assert reached == []


def test_an_update_the_engine_refuses_is_one_line_and_keeps_the_last_package(
    up_state: SandboxState, source: Path
) -> None:
    said: list[tuple[str, str]] = []
    up_state.zip.write_bytes(b"the package the function runs")
    [stack] = deployed(sandbox_deployment(up_state, TARGET, {"suffix": "dev"}))
    run = Session(Options(source), up_state, lambda kind, text: said.append((kind, text)))
    engine = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    refused = {"LastUpdateStatus": "Failed", "LastUpdateStatusReason": "the zip is not a Python package"}

    with Stubber(engine) as stub:  # an engine that takes the new code and then reports the update failed
        stub.add_response("update_function_code", {"CodeSha256": "new-sha"})
        stub.add_response("get_function_configuration", refused)

        assert run.reload(stack, engine, ["index.py"], "running-sha") == "running-sha"

    assert said == [
        (
            "error",
            "index.py: the engine refused the new code of s3-processor-dev: the zip is not a Python package "
            "— save again to retry",
        )
    ]
    assert up_state.zip.read_bytes() == b"the package the function runs"
    assert sorted(p.name for p in up_state.root.iterdir() if p.suffix == ".zip") == ["lambda.zip"]


class AnsweringEngine:
    def get_caller_identity(self) -> dict[str, Any]:
        return {"Account": "123456789012"}


class SilentEngine:
    def get_caller_identity(self) -> dict[str, Any]:
        raise AssertionError("a started engine is judged by its process group, not asked")


def test_an_engine_make_up_reached_is_asked_whatever_this_shells_settings(
    up_state: SandboxState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """make up reached a MiniStack the user runs (MINISTACK_ENDPOINT); make down runs in a shell without it."""
    monkeypatch.delenv("MINISTACK_ENDPOINT", raising=False)
    monkeypatch.setattr(session, "client", lambda *_, **__: AnsweringEngine())

    assert session.engine_alive(up_state, TARGET)


def test_an_engine_make_up_started_is_alive_while_its_process_group_runs(
    up_state: SandboxState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "client", lambda *_, **__: SilentEngine())
    with subprocess.Popen(["sleep", "60"], start_new_session=True) as server:
        try:
            ServerRecord("ministack", server.pid, "log", asdict(TARGET)).save(up_state.engine_record)
            assert session.engine_alive(up_state, TARGET)
        finally:
            server.kill()
    server.wait(timeout=10)

    assert not session.engine_alive(up_state, TARGET)


class FlakyLogs:
    """A logs endpoint silent for three polls, answering once, silent for two more, then Ctrl-C is pressed."""

    def __init__(self) -> None:
        self.polls = 0

    def get_paginator(self, operation: str) -> FlakyLogs:
        assert operation == "filter_log_events"
        return self

    def paginate(self, **_: Any) -> Iterator[dict[str, Any]]:
        self.polls += 1
        if self.polls in (1, 2, 3, 5, 6):
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        if self.polls == 7:
            os.kill(os.getpid(), signal.SIGINT)
        yield {"events": []}


def test_make_logs_says_an_engine_is_silent_once_per_spell(
    up_state: SandboxState, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[tuple[str, str]] = []
    flaky = FlakyLogs()
    monkeypatch.setattr(tail, "client", lambda *_, **__: flaky)
    monkeypatch.setattr(tail, "engine_alive", lambda *_: True)

    assert tail.logs(up_state, lambda kind, text: said.append((kind, text)), poll_s=0.0) == 0

    silent = 'MiniStack 1.5.33 did not answer: Could not connect to the endpoint URL: "http://127.0.0.1:1"'
    assert [line for line in said if line[0] == "warn"] == [("warn", silent), ("warn", silent)]
    assert flaky.polls == 7
