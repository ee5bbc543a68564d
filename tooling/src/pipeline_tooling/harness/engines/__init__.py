"""Reaching the chosen engine: start it (embedded, MiniStack) or connect to it (LocalStack, AWS, a given MiniStack).

``open_target`` is what the e2e suite and the bench use: the engine lives as long as the
``with`` block. ``start`` leaves a started engine running for ``make up``; its
``ServerRecord`` lets ``make down`` stop it by its process group.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

from ..targets import Target, TargetError, named_region
from . import localstack, ministack
from .embedded import EmbeddedEngine
from .process import ServerProcess, ServerRecord, stop_group


class StartedEngine(Protocol):
    title: str
    process: ServerProcess | None

    def start(self, *, stop_with_parent: bool = False) -> Target: ...

    def stop(self) -> None: ...


def aws() -> Target:
    name = named_region()
    if not name:
        raise TargetError(
            "E2E_TARGET=aws needs AWS_REGION (or AWS_DEFAULT_REGION) and credentials in the environment or a profile"
        )
    # S3 still answers plain HTTP, which is what the TLS-only policy is there to refuse.
    return Target("aws", None, name, plain_http_endpoint=f"http://s3.{name}.amazonaws.com")


def engine_to_start(name: str, state_dir: Path) -> StartedEngine | None:
    """The engine the harness must start itself for ``name``; None where it only connects."""
    if name == "embedded":
        return EmbeddedEngine(state_dir)
    if name == "ministack" and not os.environ.get("MINISTACK_ENDPOINT"):
        return ministack.MiniStackEngine(state_dir)
    return None


def connect(name: str) -> Target:
    """A target the harness does not run."""
    if name == "ministack":
        return ministack.connect(os.environ["MINISTACK_ENDPOINT"])
    if name == "localstack":
        return localstack.connect()
    if name == "aws":
        return aws()
    raise TargetError(f"{name} is started by the harness, not connected to")


@contextmanager
def open_target(name: str, state_dir: Path) -> Iterator[Target]:
    """The target, started for the block if the harness runs it, and stopped after (also on failure)."""
    engine = engine_to_start(name, state_dir)
    if engine is None:
        yield connect(name)
        return
    try:
        target = engine.start(stop_with_parent=True)  # however this process ends, the engine does not outlive it
        yield target
    finally:
        engine.stop()


def start_detached(name: str, state_dir: Path, record_file: Path) -> Target:
    """Start (or find already running) the engine for ``make up``; it outlives this process."""
    engine = engine_to_start(name, state_dir)
    if engine is None:
        return connect(name)
    running = ServerRecord.load(record_file)
    if running is not None and running.engine == name:
        return Target(**running.target)
    if running is not None:  # another engine an earlier make up started (its stack never went up): not leaked
        stop_group(running.pid)
        record_file.unlink(missing_ok=True)
    target = engine.start()
    assert engine.process is not None
    ServerRecord(name, engine.process.pid, str(engine.process.log), asdict(target)).save(record_file)
    return target


def stop_detached(record_file: Path) -> ServerRecord | None:
    """Stop what ``start_detached`` left running; the record of what was stopped, if anything was."""
    record = ServerRecord.load(record_file)
    if record is not None:
        stop_group(record.pid)
    record_file.unlink(missing_ok=True)
    return record
