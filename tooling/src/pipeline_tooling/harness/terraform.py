"""Terraform through python-terraform, with a deadline on every step.

python-terraform (0.10) builds the command lines (options, ``-var-file`` from the variables
dict); it predates Terraform 1.x (its ``destroy`` passes the removed ``-force`` flag) and
waits on a child without a timeout, so this wrapper runs what it builds itself: in a
process group of its own, stopped when the step's deadline passes, and raising with the
step, the work dir and Terraform's own message on any failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_terraform import IsFlagged, Terraform

from .engines.process import exits_with_parent, stop_group

# Seconds each step may take before it is stopped (TF_STEP_TIMEOUT overrides them all).
DEADLINES = {"init": 180.0, "plan": 600.0, "show": 120.0, "apply": 900.0, "output": 60.0, "destroy": 900.0}

MIRROR_HINT = (
    "Where the Terraform registry cannot be reached, point TF_PLUGIN_DIR at a local provider mirror "
    "(a folder holding registry.terraform.io/hashicorp/aws/...), e.g. `TF_PLUGIN_DIR=/opt/tf-plugins make e2e`, "
    "or give Terraform a CLI configuration with a filesystem_mirror (TF_CLI_CONFIG_FILE)."
)


class TerraformFailed(RuntimeError):
    def __init__(self, step: str, workdir: Path, code: int | None, output: str) -> None:
        super().__init__(f"terraform {step} failed in {workdir} (exit {code}):\n{output.strip()}")
        self.step, self.code, self.output = step, code, output


class TerraformTimedOut(TerraformFailed):
    def __init__(self, step: str, workdir: Path, seconds: float, output: str) -> None:
        RuntimeError.__init__(
            self,
            f"terraform {step} in {workdir} ran out of its {seconds:.0f} s deadline and was stopped "
            f"(TF_STEP_TIMEOUT changes it). Its last output:\n{_last_lines(output)}",
        )
        self.step, self.code, self.output = step, None, output


class ProviderUnavailable(TerraformFailed):
    """init could not install the AWS provider: nothing else can work, so the session stops on it."""

    def __init__(self, failed: TerraformFailed, workdir: Path) -> None:
        RuntimeError.__init__(
            self,
            f"terraform init in {workdir} could not install the hashicorp/aws provider. {MIRROR_HINT}\n"
            f"Terraform said:\n{_last_lines(failed.output, 12)}",
        )
        self.step, self.code, self.output = "init", failed.code, failed.output


def _last_lines(text: str, count: int = 20) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join("    " + line for line in lines[-count:]) or "    (nothing)"


@dataclass(frozen=True)
class PlannedChange:
    address: str
    actions: tuple[str, ...]


def deadline(step: str) -> float:
    override = os.environ.get("TF_STEP_TIMEOUT", "").strip()
    return float(override) if override else DEADLINES[step]


class TerraformRunner:
    def __init__(self, workdir: Path, variables: dict[str, Any]) -> None:
        self.workdir = workdir
        self.variables = variables
        self._tf = Terraform(working_dir=str(workdir), variables=variables, is_env_vars_included=True)

    def _run(self, step: str, *args: Any, ok_codes: tuple[int, ...] = (0,), **options: Any) -> tuple[int, str]:
        """Run one step; its stdout, or TerraformFailed / TerraformTimedOut with what it printed."""
        argv = self._tf.generate_cmd_string(step, *args, no_color=IsFlagged, **options)
        seconds = deadline(step)
        try:
            process = subprocess.Popen(
                argv,
                cwd=self.workdir,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # so the provider plugins it starts stop with it
                # A session of its own is out of reach of a signal to the caller's group: should the caller be
                # killed (make up, SIGKILLed when it does not stop in time), Terraform gets SIGTERM, stops as
                # for Ctrl-C and stops its providers, instead of running on with nobody to wait for it.
                preexec_fn=exits_with_parent() if sys.platform == "linux" else None,  # noqa: PLW1509
            )
            try:
                out, err = process.communicate(timeout=seconds)
            except subprocess.TimeoutExpired:
                stop_group(process.pid, timeout=10)
                out, err = process.communicate()
                printed = (out + err).decode(errors="replace")
                raise TerraformTimedOut(step, self.workdir, seconds, printed) from None
        finally:
            self._tf.temp_var_files.clean_up()  # the -var-file python-terraform wrote for the variables
        stdout = out.decode(errors="replace")
        if process.returncode not in ok_codes:
            printed = _readable(stdout) + "\n" + err.decode(errors="replace")
            raise TerraformFailed(step, self.workdir, process.returncode, printed)
        return process.returncode, stdout

    def init(self) -> None:
        """Providers from TF_PLUGIN_DIR when it is set (an offline mirror), else as Terraform is configured."""
        plugin_dir = os.environ.get("TF_PLUGIN_DIR") or None
        try:
            self._run("init", input=False, plugin_dir=plugin_dir)
        except TerraformTimedOut:
            raise
        except TerraformFailed as failed:
            if "provider" in failed.output.lower() or "registry" in failed.output.lower():
                raise ProviderUnavailable(failed, self.workdir) from None
            raise

    def plan(self, plan_file: str = "tfplan", *, refresh: bool = True) -> list[PlannedChange]:
        """Plan into ``plan_file``; return the managed resources it changes (from its JSON log, no extra run).

        ``refresh=False`` trusts the state (when the caller knows what changed since it was written)."""
        _, log = self._run("plan", input=False, out=plan_file, json=IsFlagged, refresh=refresh, var=self.variables)
        changes = []
        for message in _json_lines(log):
            if message.get("type") == "planned_change":
                change = message["change"]
                managed = not change["resource"]["resource"].startswith("data.")
                if managed and change["action"] != "noop":
                    changes.append(PlannedChange(change["resource"]["addr"], _actions(change["action"])))
        return changes

    def apply(self, plan_file: str = "tfplan") -> None:
        self._run("apply", plan_file, input=False, auto_approve=IsFlagged)

    def plan_has_changes(self) -> bool:
        """A fresh plan: False when it shows no changes (-detailed-exitcode 0), True on 2."""
        code, _ = self._run("plan", input=False, detailed_exitcode=IsFlagged, var=self.variables, ok_codes=(0, 2))
        return code == 2

    def output_json(self) -> str:
        """``terraform output -json``, as Terraform prints it."""
        return self._run("output", json=IsFlagged)[1]

    def outputs(self) -> dict[str, Any]:
        return {name: value["value"] for name, value in json.loads(self.output_json()).items()}

    def destroy(self, *, refresh: bool = True) -> None:
        self._run("destroy", input=False, auto_approve=IsFlagged, refresh=refresh, var=self.variables)


def _json_lines(log: str) -> Iterator[dict[str, Any]]:
    for line in log.splitlines():
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:
                continue


def _readable(stdout: str) -> str:
    """Terraform's output for a person: the -json log's diagnostics as text, plain lines as they are."""
    lines = []
    for line in stdout.splitlines():
        if not line.startswith("{"):
            lines.append(line)
            continue
        try:
            message = json.loads(line)
        except ValueError:
            lines.append(line)
            continue
        if message.get("type") == "diagnostic":
            diagnostic = message["diagnostic"]
            lines.append(f"{diagnostic['severity'].title()}: {diagnostic['summary']}: {diagnostic.get('detail', '')}")
    return "\n".join(lines)


def _actions(action: str) -> tuple[str, ...]:
    """The -json log's action name as `terraform show -json` spells it."""
    return {"replace": ("delete", "create")}.get(action, (action,))
