"""make up's decisions that need no engine: an engine gone mid-watch, a stack on another engine, a broken start."""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.sandbox import session
from harness.sandbox.session import Options, Session, sandbox_stack
from harness.sandbox.state import SandboxState
from harness.targets import Target, TargetError

ROOT = Path(__file__).resolve().parents[2]
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

    def filter_log_events(self, **_: Any) -> dict[str, Any]:
        return {"events": []}


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


def test_an_engine_gone_mid_watch_ends_make_up_with_one_line_and_forgets_the_stack(
    up_state: SandboxState, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(session, "client", lambda *_, **__: QuietEngine())
    monkeypatch.setattr(session, "engine_alive", lambda *_: False)
    monkeypatch.setattr(session, "HEALTH_EVERY_S", 0.0)
    stack = sandbox_stack(up_state, TARGET, {"suffix": "dev"})
    stack.outputs = OUTPUTS
    run = Session(Options(up_state.root, source, poll_s=0.01), up_state, lambda kind, text: said.append((kind, text)))

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
    run = Session(Options(up_state.root, source), up_state, lambda *_: None)

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

    assert Session(Options(state.root, source), state, lambda kind, text: said.append((kind, text))).run() == 2

    assert said == [
        (
            "error",
            f"{source / 'index.py'}:1: SyntaxError: '(' was never closed — nothing deployed; "
            "fix it and run make up again",
        )
    ]
    assert reached == []


class RefusingLambda:
    """An engine that takes the new code and then reports the update failed."""

    def update_function_code(self, **_: Any) -> dict[str, Any]:
        return {"CodeSha256": "new-sha"}

    def get_function_configuration(self, **_: Any) -> dict[str, Any]:
        return {"LastUpdateStatus": "Failed", "LastUpdateStatusReason": "the zip is not a Python package"}


def test_an_update_the_engine_refuses_is_one_line_and_keeps_the_last_package(
    up_state: SandboxState, source: Path
) -> None:
    said: list[tuple[str, str]] = []
    up_state.zip.write_bytes(b"the package the function runs")
    stack = sandbox_stack(up_state, TARGET, {"suffix": "dev"})
    stack.outputs = OUTPUTS
    run = Session(Options(up_state.root, source), up_state, lambda kind, text: said.append((kind, text)))

    assert run.reload(stack, RefusingLambda(), ["index.py"], "running-sha") == "running-sha"

    assert said == [
        (
            "error",
            "index.py: the engine refused the new code of s3-processor-dev: the zip is not a Python package "
            "— save again to retry",
        )
    ]
    assert up_state.zip.read_bytes() == b"the package the function runs"
    assert sorted(p.name for p in up_state.root.iterdir() if p.suffix == ".zip") == ["lambda.zip"]
