"""Terraform through python-terraform, with its quirks hidden.

python-terraform (0.10) predates Terraform 1.x: its ``destroy`` passes the
removed ``-force`` flag, ``apply`` spells auto-approve as an option value, and
it reports failures only through return codes. This wrapper gives each step a
method that raises with Terraform's own message on failure.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_terraform import IsFlagged, Terraform


class TerraformFailed(RuntimeError):
    def __init__(self, step: str, code: int, out: str, err: str) -> None:
        super().__init__(f"terraform {step} failed (exit {code}):\n{err.strip() or out.strip()}")
        self.code = code


@dataclass(frozen=True)
class PlannedChange:
    address: str
    actions: tuple[str, ...]


class TerraformRunner:
    def __init__(self, workdir: Path, variables: dict[str, Any]) -> None:
        self.workdir = workdir
        self._tf = Terraform(working_dir=str(workdir), variables=variables, is_env_vars_included=True)

    def _run(self, step: str, *args: Any, ok_codes: tuple[int, ...] = (0,), **options: Any) -> tuple[int, str]:
        code, out, err = self._tf.cmd(step, *args, no_color=IsFlagged, **options)
        if code not in ok_codes:
            raise TerraformFailed(step, code, out or "", err or "")
        return code, out or ""

    def init(self) -> None:
        """Providers from TF_PLUGIN_DIR when it is set (an offline mirror), else from the registry."""
        plugin_dir = os.environ.get("TF_PLUGIN_DIR") or None
        self._run("init", input=False, plugin_dir=plugin_dir)

    def plan(self, plan_file: str = "tfplan") -> list[PlannedChange]:
        """Plan into ``plan_file``; return the managed resources it changes."""
        self._run("plan", input=False, out=plan_file, var=self._tf.variables)
        _, shown = self._run("show", plan_file, json=IsFlagged)
        changes = json.loads(shown).get("resource_changes", [])
        return [
            PlannedChange(c["address"], tuple(c["change"]["actions"]))
            for c in changes
            if c.get("mode") == "managed" and c["change"]["actions"] != ["no-op"]
        ]

    def apply(self, plan_file: str = "tfplan") -> None:
        self._run("apply", plan_file, input=False, auto_approve=IsFlagged)

    def plan_has_changes(self) -> bool:
        """A fresh plan: False when it shows no changes (-detailed-exitcode 0), True on 2."""
        code, _ = self._run("plan", input=False, detailed_exitcode=IsFlagged, var=self._tf.variables, ok_codes=(0, 2))
        return code == 2

    def outputs(self) -> dict[str, Any]:
        _, out = self._run("output", json=IsFlagged)
        return {name: value["value"] for name, value in json.loads(out).items()}

    def destroy(self) -> None:
        self._run("destroy", input=False, auto_approve=IsFlagged, var=self._tf.variables)
