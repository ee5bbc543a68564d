"""`make up` as a user drives it: deploy, drop objects, edit the handler, see the new code run, Ctrl-C, `make down`.

The handler is a scratch copy (LAMBDA_SOURCE), the state a scratch folder (SANDBOX_DIR), and
`make up` runs in a session of its own so Ctrl-C reaches make and Python together, as a
terminal's would. It starts (or reaches) the engine E2E_TARGET names by itself.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pipeline_tooling import package
from pipeline_tooling.harness import targets
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.items import by_key, items_under, wait_for_items
from pipeline_tooling.harness.outcomes import Outcomes
from pipeline_tooling.harness.polling import wait_until
from pipeline_tooling.harness.targets import Target

ROOT = Path(__file__).resolve().parents[2]
UP_TIMEOUT = 300.0  # deploying the stack: Terraform init, plan, apply
RELOAD_TIMEOUT = 30.0
DELIVERY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0  # for make up to stop on SIGTERM before it is killed
MARK = "edited-in-the-scratch-copy"
WRITE_CALL = "stored = put_once(client, settings.table_name, item)"


class MakeUp:
    """`make up` in a session of its own, its output collected line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "up"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, *, timeout: float, after: int = 0) -> str:
        """The first line (from index ``after``) matching ``pattern``; fails early if make up exits."""
        found = wait_until(
            lambda: next((line for line in self.lines[after:] if re.search(pattern, line)), None),
            lambda line: line is not None or self.process.poll() is not None,
            timeout=timeout,
            what=f"make up to print {pattern!r}",
            describe=lambda _: self.output(),
        )
        exited = f"make up exited ({self.process.returncode}) before printing {pattern!r}"
        assert found is not None, f"{exited}:\n{self.output()}"
        return found

    def interrupt(self) -> None:
        """Ctrl-C, as a terminal sends it: SIGINT to make and everything it started."""
        os.killpg(self.process.pid, signal.SIGINT)

    def output(self) -> str:
        return "\n".join(self.lines[-60:])

    def stop(self) -> str | None:
        """As `make down` would ask it (SIGTERM); killed, with everything it started, if it does not end
        within STOP_TIMEOUT (`make down` then destroys its stack and stops its engine all the same). Returns
        what make up last printed when it had to be killed, else None."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
                return self.output()
        return None


@pytest.fixture(scope="session")
def downs(progress) -> Iterator[list[subprocess.Popen[str]]]:
    """The `make down`s the tests start: each runs beside the rest of the session (its destroy is ~14 s
    of Terraform that no other test waits on) and is checked when the session ends."""
    running: list[subprocess.Popen[str]] = []
    yield running
    for down in running:
        try:
            output, _ = down.communicate(timeout=600)
        finally:
            if down.poll() is None:
                os.killpg(down.pid, signal.SIGKILL)
                down.wait(timeout=30)
        progress.say(f"make down: {output.strip().splitlines()[-1:]}")
        assert down.returncode == 0, output


@pytest.fixture
def sandbox(tmp_path: Path, downs, progress) -> Iterator[tuple[MakeUp, Path, Path]]:
    """`make up` (it starts the engine E2E_TARGET names) with a scratch handler; `make down` afterwards,
    whatever happened (started here, waited for and checked at the end of the session)."""
    source, state = tmp_path / "lambda", tmp_path / "sandbox"
    shutil.copytree(ROOT / "lambda", source, ignore=shutil.ignore_patterns("__pycache__"))
    env = {
        **os.environ,
        "E2E_TARGET": targets.chosen(),
        "LAMBDA_SOURCE": str(source),
        "SANDBOX_DIR": str(state),
        "SUFFIX": f"sbx-{secrets.token_hex(3)}",
        "NO_COLOR": "1",
    }
    # As from a user's shell: not pytest's settings, nor those of a `make test` this session may run under.
    inherited = ("PYTEST_", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    env = {k: v for k, v in env.items() if not k.startswith(inherited)}
    up = MakeUp(env)
    try:
        yield up, source, state
    finally:  # a SIGTERM now waits for this teardown (tests/e2e/conftest.py: Termination)
        hung = up.stop()
        if hung is not None:
            progress.say(
                f"make up did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM and was killed; it last said:\n{hung}"
            )
        down = subprocess.Popen(
            ["make", "--no-print-directory", "down"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        downs.append(down)


def without_aws_settings() -> dict[str, str]:
    """This process's environment as a fresh shell would have it: no endpoint, credentials or region."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}


def put_through_env_file(state: Path, key: str) -> None:
    """Upload the way a user's shell would after `source env.sh`: no endpoint or credentials given."""
    script = f'import boto3, os; boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key={key!r}, Body=b"x")'
    python = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "python"
    subprocess.run(
        ["bash", "-c", 'source "$1" && exec "$2" -c "$3"', "bash", str(state / "env.sh"), str(python), script],
        env=without_aws_settings(),
        check=True,
        timeout=60,
    )


def plan_example_through_env_file(state: Path, data_dir: Path) -> subprocess.Popen[str]:
    """`terraform plan` in examples/basic from a shell that sourced env.sh: no endpoint, no credentials given.

    Started, not waited for (``planned`` does that): it runs beside the rest of the test."""
    init = "terraform init -input=false -no-color ${TF_PLUGIN_DIR:+-plugin-dir=$TF_PLUGIN_DIR} >/dev/null"
    plan = "terraform plan -input=false -no-color -lock=false -var suffix=envfile"
    return subprocess.Popen(
        ["bash", "-c", f'source "$1" && {init} && {plan}', "bash", str(state / "env.sh")],
        cwd=ROOT / "examples" / "basic",
        env={**without_aws_settings(), "TF_DATA_DIR": str(data_dir), "TF_IN_AUTOMATION": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(plan: subprocess.Popen[str]) -> None:
    """The plan and everything it started (the provider), if still running."""
    if plan.poll() is None:
        os.killpg(plan.pid, signal.SIGKILL)
        plan.wait(timeout=30)


def planned(plan: subprocess.Popen[str]) -> str:
    """The plan's output once it has finished successfully (stopped, with its group, at the deadline)."""
    try:
        output, _ = plan.communicate(timeout=300)
    finally:
        stop(plan)
    assert plan.returncode == 0, output
    return output


@pytest.fixture
def example_plans() -> Iterator[list[subprocess.Popen[str]]]:
    """The plans a test starts; any still running when it ends (a failure before ``planned``) is stopped."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for plan in started:
        stop(plan)


def test_make_up_hot_reloads_the_handler_and_shows_each_event(sandbox, example_plans, tmp_path, progress):
    up, source, state = sandbox
    up.wait_for(r"watching .*: a save updates", timeout=UP_TIMEOUT)
    example_plan = plan_example_through_env_file(state, tmp_path / "tf-data")
    example_plans.append(example_plan)
    clients = Clients.for_target(Target(**json.loads((state / "target.json").read_text())))
    outputs = json.loads((state / "outputs.json").read_text())
    table = outputs["dynamodb_table_name"]

    def items_for(key: str) -> dict[str, list[dict[str, Any]]]:
        """The items under sandbox/ once ``key``'s is there; stops on what the pipeline says of the event."""
        watch = Outcomes.for_stack(clients, outputs)
        return wait_for_items(clients.dynamodb, table, "sandbox/", [key], timeout=DELIVERY_TIMEOUT, outcomes=watch)

    put_through_env_file(state, "sandbox/before.txt")
    [old] = items_for("sandbox/before.txt")["sandbox/before.txt"]
    assert "codeVersion" not in old
    up.wait_for(r"event +sandbox/before\.txt → log item written \(requestId ", timeout=DELIVERY_TIMEOUT)

    handler = source / "index.py"
    code = handler.read_text()
    assert code.count(WRITE_CALL) == 1, "the edit this test makes no longer applies to the handler"
    mark = f'{{**item, "codeVersion": {{"S": "{MARK}"}}}}'
    seen = len(up.lines)
    handler.write_text(code.replace(WRITE_CALL, WRITE_CALL.replace("item)", f"{mark})")))
    reloaded = up.wait_for(r"reload +index\.py → .* runs the new code", timeout=RELOAD_TIMEOUT, after=seen)
    progress.say(f"hot reload: {reloaded.split('runs the new code', 1)[1].strip()}")

    put_through_env_file(state, "sandbox/after.txt")
    grouped = items_for("sandbox/after.txt")
    assert grouped["sandbox/after.txt"][0]["codeVersion"] == MARK
    assert "codeVersion" not in grouped["sandbox/before.txt"][0]

    seen = len(up.lines)
    handler.write_text(handler.read_text() + "\ndef broken(:\n")
    lines = len(handler.read_text().splitlines())
    broken = rf"error +{re.escape(str(handler))}:{lines}: SyntaxError: .* keeps running the code it has"
    up.wait_for(broken, timeout=RELOAD_TIMEOUT, after=seen)
    put_through_env_file(state, "sandbox/still.txt")
    grouped = items_for("sandbox/still.txt")
    assert grouped["sandbox/still.txt"][0]["codeVersion"] == MARK, "a save that does not compile replaced the code"

    plan = planned(example_plan)
    assert "Plan: 13 to add, 0 to change, 0 to destroy." in plan
    account = clients.sts.get_caller_identity()["Account"]
    assert f'bucket   = "lambda-trigger-bucket-envfile-{account}"' in plan

    shipped = package.sha256_of((state / "lambda.zip").read_bytes())
    up.interrupt()
    up.wait_for(r"re-applying so its state matches", timeout=RELOAD_TIMEOUT)
    up.wait_for(r"stopped watching\. The stack stays up", timeout=UP_TIMEOUT)
    up.process.wait(timeout=30)
    resources = json.loads((state / "stack" / "terraform.tfstate").read_text())["resources"]
    [function] = [r for r in resources if r["type"] == "aws_lambda_function"]
    assert function["instances"][0]["attributes"]["source_code_hash"] == shipped
    assert set(by_key(items_under(clients.dynamodb, table, "sandbox/"))) == {
        "sandbox/before.txt",
        "sandbox/after.txt",
        "sandbox/still.txt",
    }
