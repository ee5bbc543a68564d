"""What ``make up`` leaves on disk, so ``make down``, ``make logs`` and a later ``make up`` find it.

Everything lives under one folder (``build/sandbox`` unless ``--state-dir`` says otherwise):

* ``engine.json``   the engine ``make up`` started (process group, log, endpoint), if it started one
* ``target.json``   where the stack was deployed
* ``stack/``        the Terraform work dir and its state
* ``lambda.zip``    the function's package as last built from the watched source
* ``applied.json``  the package's SHA-256 as Terraform last applied it
* ``inputs.json``   the stack's inputs (suffix, whether it has a failure queue)
* ``outputs.json``  the stack's outputs (bucket, table, function, log group, ...)
* ``env.sh``        the environment a shell sources to reach the engine
* ``up.lock``       held by the running ``make up``; holds its process id
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from ...files import write_json
from ..targets import Target


class AlreadyRunning(RuntimeError):
    """Another ``make up`` holds the stack."""

    def __init__(self, pid: int | None) -> None:
        super().__init__(pid)
        self.pid = pid


class SandboxState:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.engine_record = root / "engine.json"
        self.target_file = root / "target.json"
        self.workdir = root / "stack"
        self.zip = root / "lambda.zip"
        self.applied_file = root / "applied.json"
        self.outputs_file = root / "outputs.json"
        self.inputs_file = root / "inputs.json"
        self.env_file = root / "env.sh"
        self.lock_file = root / "up.lock"

    # ---------------------------------------------------------------- target ---

    def target(self) -> Target | None:
        data = _read_json(self.target_file)
        return Target(**data) if data else None

    def save_target(self, target: Target) -> None:
        write_json(self.target_file, asdict(target))

    # ----------------------------------------------------------------- stack ---

    @property
    def tfstate(self) -> Path:
        return self.workdir / "terraform.tfstate"

    def deployed(self) -> bool:
        """Terraform holds resources for the stack (its state lists any)."""
        data = _read_json(self.tfstate)
        return bool(data and data.get("resources"))

    def outputs(self) -> dict[str, Any]:
        return _read_json(self.outputs_file) or {}

    def save_outputs(self, outputs: dict[str, Any]) -> None:
        write_json(self.outputs_file, outputs)

    def inputs(self) -> dict[str, Any]:
        return _read_json(self.inputs_file) or {"suffix": "dev"}

    def save_inputs(self, inputs: dict[str, Any]) -> None:
        write_json(self.inputs_file, inputs)

    def applied_sha(self) -> str | None:
        data = _read_json(self.applied_file)
        return str(data["sha256"]) if data and "sha256" in data else None

    def save_applied_sha(self, sha: str) -> None:
        write_json(self.applied_file, {"sha256": sha})

    def forget_stack(self) -> None:
        """Drop what described a stack that no longer exists (the engine's state went with it)."""
        described = (self.tfstate, self.target_file, self.applied_file, self.outputs_file, self.inputs_file)
        for path in (*described, self.env_file):
            path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ lock ---

    @contextlib.contextmanager
    def up_lock(self) -> Iterator[None]:
        """Hold the stack for this process; AlreadyRunning when another ``make up`` holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = self.lock_file.open("a+")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise AlreadyRunning(_pid_in(handle)) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)
                fcntl.flock(handle, fcntl.LOCK_UN)
        finally:
            handle.close()

    def lock_holder(self) -> int | None:
        """The process id of the ``make up`` holding the stack, if one does."""
        if not self.lock_file.exists():
            return None
        with self.lock_file.open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return _pid_in(handle) or -1
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None


def _pid_in(handle: IO[str]) -> int | None:
    handle.seek(0)
    text = handle.read().strip()
    return int(text) if text.isdigit() else None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
