"""Session fixtures: the target (embedded emulator by default), the deployed stack, clients.

E2E_TARGET=embedded|localstack|aws chooses the engine; nothing else in the
suite depends on which it is.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

import build
from harness import targets
from harness.clients import Clients
from harness.emulator_process import EmulatorProcess
from harness.lifecycle import deployed
from harness.progress import Progress
from harness.stack import ZIP, Stack
from harness.targets import Target

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "e2e"
RUN_ID = secrets.token_hex(3)
PROGRESS_KEY = pytest.StashKey[Progress]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def progress(pytestconfig: pytest.Config) -> Progress:
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")

    def write(line: str) -> None:
        """Straight to the terminal, past output capture, as live logging does."""
        if reporter is None:
            return
        if capture is None:
            reporter.write_line(line)
            return
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line)

    tracker = Progress(write)
    pytestconfig.stash[PROGRESS_KEY] = tracker
    return tracker


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    tracker = config.stash.get(PROGRESS_KEY, None)
    if tracker is not None and (tracker.phases or tracker.counts):
        terminalreporter.section("e2e summary")
        for line in tracker.summary_lines():
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def target(progress: Progress) -> Iterator[Target]:
    name = targets.chosen()
    if name == "localstack":
        yield targets.localstack()
        return
    if name == "aws":
        yield targets.aws()
        return
    emulator = EmulatorProcess(WORK / f"emulator-{RUN_ID}")
    with progress.phase("start embedded emulator"):
        started = emulator.start()
    progress.say(f"embedded emulator at {started.endpoint} (log: {emulator.ready['log_file']})")
    try:
        yield started
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def clients(target: Target) -> Clients:
    return Clients.for_target(target)


@pytest.fixture(scope="session")
def function_zip(progress: Progress) -> Path:
    with progress.phase("build.py"):
        build.build_zip(build.DEFAULT_SOURCE, ZIP)
    return ZIP


@pytest.fixture(scope="session")
def stack(target: Target, clients: Clients, function_zip: Path, progress: Progress) -> Iterator[Stack]:
    """The module deployed with its defaults for the whole session, destroyed at the end."""
    suffix = f"e2e-{RUN_ID}"
    # With the on-failure queue, so the reliability tests can follow failed events.
    stack = Stack(target, WORK / suffix, suffix, async_invocation={"failure_queue": {}})
    with deployed(stack, clients, progress) as ready:
        yield ready
