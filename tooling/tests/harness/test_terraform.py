"""The Terraform runner: every step has a deadline, and a missing provider stops the session with a remedy."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import cast

import pytest
from pipeline_tooling.files import write_json
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.lifecycle import Deploying
from pipeline_tooling.harness.polling import wait_until
from pipeline_tooling.harness.progress import Progress
from pipeline_tooling.harness.stack import Deployment, required_aws_provider
from pipeline_tooling.harness.targets import Target
from pipeline_tooling.harness.terraform import ProviderUnavailable, TerraformFailed, TerraformRunner, TerraformTimedOut

REQUIRES_AWS = required_aws_provider()


def running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.fixture
def fake_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `terraform` first on PATH that prints, starts a helper (as Terraform starts its provider) and hangs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "terraform"
    pid_file = tmp_path / "helper.pid"
    script.write_text(f'#!/bin/sh\necho "fake terraform $1"\nsleep 300 &\necho $! > {pid_file}\nwait\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return pid_file


def test_a_step_past_its_deadline_is_stopped_and_named(tmp_path, fake_terraform, monkeypatch):
    monkeypatch.setenv("TF_STEP_TIMEOUT", "1")
    runner = TerraformRunner(tmp_path, {"suffix": "x"})

    with pytest.raises(TerraformTimedOut) as stopped:
        runner.destroy()

    message = str(stopped.value)
    assert message.startswith(f"terraform destroy in {tmp_path} ran out of its 1 s deadline and was stopped")
    assert "fake terraform destroy" in message  # what it printed before it hung
    helper = int(fake_terraform.read_text())
    wait_until(lambda: running(helper), lambda alive: not alive, timeout=10, what=f"the helper {helper} to go")


def test_init_without_a_reachable_provider_says_where_to_point_terraform(tmp_path, monkeypatch):
    write_json(tmp_path / "main.tf.json", REQUIRES_AWS)
    empty_mirror = tmp_path / "no-providers-here"
    empty_mirror.mkdir()
    monkeypatch.setenv("TF_PLUGIN_DIR", str(empty_mirror))

    with pytest.raises(ProviderUnavailable) as unavailable:
        TerraformRunner(tmp_path, {}).init()

    message = str(unavailable.value)
    assert message.startswith(f"terraform init in {tmp_path} could not install the hashicorp/aws provider.")
    assert "point TF_PLUGIN_DIR at a local provider mirror" in message
    assert "filesystem_mirror" in message
    assert "hashicorp/aws" in message.split("Terraform said:", 1)[1]


def test_a_session_whose_init_fails_stops_on_that_and_destroys_nothing(tmp_path, monkeypatch):
    """Not a destroy of a root that was never initialised, whose own error would stand in the init's place."""
    empty_mirror = tmp_path / "no-providers-here"
    empty_mirror.mkdir()
    monkeypatch.setenv("TF_PLUGIN_DIR", str(empty_mirror))
    target = Target("embedded", "https://127.0.0.1:1", "us-east-1", ca_bundle="/ca.pem")
    roots = [Deployment.single(target, tmp_path / name, name) for name in ("one", "two")]
    said: list[str] = []
    unused = cast(Clients, None)  # nothing is deployed, so nothing is called
    run = Deploying(roots, unused, Progress(said.append))

    with pytest.raises(ProviderUnavailable) as stopped:
        run.initialised()  # what the session waits for before its first test
    assert isinstance(run.failed(), ProviderUnavailable)
    with pytest.raises(ProviderUnavailable):
        run.ready(1)
    run.close(stopped.value)

    assert sorted(line for line in said if line.endswith(" ...")) == [
        "[e2e] terraform init [one] ...",
        "[e2e] terraform init [two] ...",
    ]


def test_a_creation_failure_nobody_waited_for_is_raised_when_the_roots_are_closed(tmp_path, monkeypatch):
    """A session that ends before any test needed its stack (``-x`` after an earlier failure) still says why
    its stack could not be made."""
    empty_mirror = tmp_path / "no-providers-here"
    empty_mirror.mkdir()
    monkeypatch.setenv("TF_PLUGIN_DIR", str(empty_mirror))
    target = Target("embedded", "https://127.0.0.1:1", "us-east-1", ca_bundle="/ca.pem")
    run = Deploying([Deployment.single(target, tmp_path / "one", "one")], cast(Clients, None), Progress(print))

    with pytest.raises(ProviderUnavailable):
        run.close()


def test_a_failed_step_raises_with_terraforms_own_message(tmp_path):
    (tmp_path / "main.tf").write_text('output "x" {\n  value = var.missing\n}\n')

    with pytest.raises(TerraformFailed) as failed:
        TerraformRunner(tmp_path, {}).plan()

    assert str(failed.value).startswith(f"terraform plan failed in {tmp_path} (exit 1):")
    assert "Reference to undeclared input variable" in str(failed.value)
