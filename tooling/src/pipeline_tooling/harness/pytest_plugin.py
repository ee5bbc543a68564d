"""The harness as a pytest plugin, for any suite that deploys Terraform roots to a local engine (or AWS).

Loaded by the suite that wants it — ``pytest_plugins = ["pipeline_tooling.harness.pytest_plugin"]`` in its
conftest.py, or ``-p pipeline_tooling.harness.pytest_plugin`` — never into every pytest of the venv. It offers:

* ``--engine`` or E2E_TARGET (embedded|ministack|localstack|aws; embedded when neither is given): the engine;
* ``target`` (the engine, started for the session or reached) and ``clients`` (boto3 clients on it);
* ``terraform_root``: deploy a root configuration of the test's own (Terraform JSON) to the target, destroyed
  when the test ends; ``e2e_work_dir`` and ``run_id`` for roots a suite builds itself (``harness.lifecycle``);
* ``progress``: phase and count lines as the session goes, and a summary at its end;
* the ``needs(capability)`` marker: a test is skipped, naming the capability, where the engine × capability
  table (``pipeline_tooling.harness.capabilities``) says the engine lacks it;
* teardown on SIGTERM and SIGHUP as on Ctrl-C.

A test is an e2e test (marker ``e2e``) when it uses ``target``, directly or through its fixtures. A target
that cannot be used stops the session with one message instead of failing every test with it.
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NoReturn

import pytest

from ..files import write_json
from ..machine import machine, now
from . import capabilities, targets
from .clients import Clients
from .engines import open_target
from .progress import Progress
from .roots import JsonRoot
from .stopping import stop_session
from .targets import ENGINES, TITLES, Target, TargetError

RUN_ID = secrets.token_hex(3)
PROGRESS_KEY = pytest.StashKey[Progress]()
TARGET_KEY = pytest.StashKey[Target]()
STARTED_KEY = pytest.StashKey[float]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pipeline_tooling", "deploying to a local AWS engine")
    group.addoption(
        "--engine",
        choices=ENGINES,
        default=None,
        help="the engine the e2e tests deploy to (default: E2E_TARGET, else embedded)",
    )
    group.addoption(
        "--summary-json",
        type=Path,
        default=None,
        help="write the session's summary (engine, machine, time, outcomes, phases, counts) to this JSON file",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[STARTED_KEY] = time.monotonic()
    config.addinivalue_line("markers", "e2e: deploys the module to an engine (embedded, MiniStack, LocalStack) or AWS")
    config.addinivalue_line(
        "markers",
        "needs(capability): needs an engine capability (pipeline_tooling.harness.capabilities); skipped where the "
        "engine lacks it",
    )
    engine = config.getoption("engine", None)
    if engine is None:
        return
    named = os.environ.get("E2E_TARGET", "").strip().lower()
    if named and named != engine:
        raise pytest.UsageError(f"--engine {engine} and E2E_TARGET={named} disagree: give one of them")
    os.environ["E2E_TARGET"] = engine  # what the harness, and a `make up` or bench it starts, read


def is_e2e(item: pytest.Item) -> bool:
    """Whether the test reaches the target (its fixture closure holds ``target``)."""
    return "target" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    suite = [item for item in items if is_e2e(item)]
    if not suite:
        return
    try:
        engine = targets.chosen()
    except TargetError as error:
        pytest.exit(str(error), returncode=2)
    Termination.install()
    for item in suite:
        item.add_marker(pytest.mark.e2e)
        for marker in item.iter_markers("needs"):
            for capability in marker.args:
                if not capabilities.has(engine, capability):
                    item.add_marker(pytest.mark.skip(reason=capabilities.skip_reason(engine, capability)))


class Termination:
    """SIGTERM (a CI limit, `kill`, `timeout`) and SIGHUP (a closed terminal) end the run as Ctrl-C does:
    the test in progress stops, then every fixture's teardown runs (stacks destroyed, `make up` and the
    engines stopped). A signal that arrives during a teardown waits for that teardown to end; further
    signals are ignored, so the teardown runs to its end."""

    tearing_down = False
    pending: int | None = None

    @classmethod
    def install(cls) -> None:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, cls.interrupt)

    @classmethod
    def interrupt(cls, signum: int, _frame: object) -> None:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        if cls.tearing_down:
            cls.pending = signum
            return
        cls.stop(signum)

    @staticmethod
    def stop(signum: int) -> NoReturn:
        raise KeyboardInterrupt(f"{signal.Signals(signum).name}: stopping, after the teardown")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    """A test's teardown (after the last test, the session's too) is not cut short by a signal: one that
    arrives meanwhile stops the run once the teardown is done."""
    Termination.tearing_down = True
    try:
        yield
    finally:
        Termination.tearing_down = False
    if Termination.pending is not None and nextitem is not None:
        Termination.stop(Termination.pending)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """The session's own teardown after an interrupted run is not cut short by a signal either."""
    Termination.tearing_down = True


@pytest.fixture(scope="session")
def progress(pytestconfig: pytest.Config) -> Progress:
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")

    lock = threading.Lock()  # the roots are created and destroyed in threads of their own

    def write(line: str) -> None:
        """Straight to the terminal, past output capture, as live logging does."""
        if reporter is None:
            return
        with lock:
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
    path: Path | None = config.getoption("summary_json", None)
    if path is not None and tracker is not None:
        found = config.stash.get(TARGET_KEY, None)
        summary = {
            "engine": found.name if found else None,
            "label": found.label if found else None,
            "machine": machine(),
            "when": now(),
            "outcomes": {k: len(terminalreporter.stats.get(k, [])) for k in ("passed", "failed", "skipped", "error")},
            "session_s": round(time.monotonic() - config.stash[STARTED_KEY], 1),
            "phases": {name: round(seconds, 1) for name, seconds in tracker.phases.items()},
            "counts": tracker.counts,
        }
        write_json(path, summary)
        terminalreporter.write_line(f"summary written to {path}")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest, progress: Progress, e2e_work_dir: Path) -> Iterator[Target]:
    """The engine E2E_TARGET names, started for the session (or reached), stopped at its end."""
    name = targets.chosen()
    state = e2e_work_dir / f"{name}-{RUN_ID}"
    with ExitStack() as running:
        try:
            with progress.phase(f"start or reach {TITLES[name]}"):
                found = running.enter_context(open_target(name, state))
        except TargetError as error:
            stop_session(name, error)
        progress.say(f"target: {found.label} at {found.endpoint or 'AWS'} (state in {state})")
        request.config.stash[TARGET_KEY] = found
        yield found


@pytest.fixture(scope="session")
def clients(target: Target) -> Clients:
    """A boto3 client per service, on the target."""
    return Clients.for_target(target)


@pytest.fixture(scope="session")
def e2e_work_dir(pytestconfig: pytest.Config) -> Path:
    """Where the session's roots and engines' state go: ``build/e2e`` under the suite's root directory (a test's
    own root goes in a folder of its own below it)."""
    return pytestconfig.rootpath / "build" / "e2e"


@pytest.fixture(scope="session")
def run_id() -> str:
    """This session's id, in its stacks' suffixes: two sessions at once deploy apart."""
    return RUN_ID


@pytest.fixture
def terraform_root(
    target: Target, e2e_work_dir: Path, run_id: str, progress: Progress
) -> Iterator[Callable[..., JsonRoot]]:
    """Deploy a root configuration of the test's own to the target: ``terraform_root(name, configuration,
    variables={})`` with ``configuration`` as a ``main.tf.json`` holds it (an AWS provider block is added when
    it has none); init, plan, apply, and the root, its outputs read, is returned. Every root it deployed is
    destroyed when the test ends, the last first."""
    made: list[JsonRoot] = []

    def deploy(name: str, configuration: Mapping[str, Any], variables: Mapping[str, Any] | None = None) -> JsonRoot:
        root = JsonRoot(target, e2e_work_dir / f"{name}-{run_id}", configuration, dict(variables or {}))
        made.append(root)
        with progress.phase(f"terraform init, plan, apply [{root.label}]"):
            root.terraform.init()
            root.terraform.plan()
            root.terraform.apply()
        root.read_outputs()
        return root

    yield deploy
    for root in reversed(made):
        with progress.phase(f"terraform destroy [{root.label}]"):
            root.terraform.destroy()
