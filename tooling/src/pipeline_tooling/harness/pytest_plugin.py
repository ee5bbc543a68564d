"""The harness as a pytest plugin (entry point ``pytest11``): the target engine, the deployed stacks, clients.

``--engine`` or E2E_TARGET (embedded|ministack|localstack|aws; embedded when neither is given) chooses the
engine; nothing else in the suite depends on which it is. A test is an e2e test when it asks for one of
the fixtures below (``target``, ``clients``, ``deployment``, ``stack``, ``complete_stack``, ...): those
tests get the ``e2e`` marker, run in the order the stacks become ready, and stop as one session on a
signal or a stack that cannot be made. A test that needs a capability some engines lack says so
with ``@pytest.mark.needs(Capability.X)`` and is skipped, naming it, where the engine
× capability table (``pipeline_tooling.harness.capabilities``) says the engine lacks it.

A target that cannot be used, or a stack that cannot be deployed, stops the session
with one message instead of failing every test with it.
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import NoReturn, TypeVar

import pytest

from .. import package
from ..paths import module_root
from . import capabilities, targets
from .clients import Clients
from .engines import open_target
from .from_git import FromGit, GitSourcedDeployment, PublishedModule
from .lifecycle import Deploying
from .outcomes import Outcomes
from .progress import Progress
from .stack import DeployedStack, Deployment, ExampleDeployment, Stack
from .targets import ENGINES, TITLES, Target, TargetError
from .terraform import TerraformFailed

RUN_ID = secrets.token_hex(3)
PROGRESS_KEY = pytest.StashKey[Progress]()
DEPLOYING_KEY = pytest.StashKey[Deploying]()
ROOTS_KEY = pytest.StashKey[list[str]]()  # the names of the session's roots, in Deploying's order
T = TypeVar("T")
ALARMS = ("errors", "throttles", "destination-delivery-failures", "failure-queue-age")  # examples/complete's


# Asking for any of these makes a test an e2e test (deploying is autouse: every test has it).
E2E_FIXTURES = frozenset(
    {
        "target",
        "clients",
        "function_zip",
        "deployment",
        "stack",
        "complete_stack",
        "outcomes",
        "published_module",
        "e2e_work_dir",
    }
)


def work_dir() -> Path:
    """Where the session's roots, engines' state and the published module go: the module's build/e2e."""
    return module_root() / "build" / "e2e"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pipeline_tooling", "the s3-object-logger module's e2e harness")
    group.addoption(
        "--engine",
        choices=ENGINES,
        default=None,
        help="the engine the e2e tests deploy to (default: E2E_TARGET, else embedded)",
    )


def pytest_configure(config: pytest.Config) -> None:
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
    return not E2E_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    suite = [item for item in items if is_e2e(item)]
    if not suite:
        return
    try:
        engine = targets.chosen()
    except TargetError as error:
        pytest.exit(str(error), returncode=2)
    Termination.install()
    # The tests that need no stack first, then the main stack's, then examples/complete's: the stacks are
    # created meanwhile, and the example's (it waits on its KMS key too) is ready last.
    items.sort(key=lambda item: stack_order(item) if item in suite else 0)
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


@pytest.fixture(scope="session")
def target(progress: Progress) -> Iterator[Target]:
    name = targets.chosen()
    state = work_dir() / f"{name}-{RUN_ID}"
    with ExitStack() as running:
        try:
            with progress.phase(f"start or reach {TITLES[name]}"):
                found = running.enter_context(open_target(name, state))
        except TargetError as error:
            pytest.exit(f"E2E_TARGET={name}: {error}", returncode=2)
        progress.say(f"target: {found.label} at {found.endpoint or 'AWS'} (state in {state})")
        yield found


@pytest.fixture(scope="session")
def clients(target: Target) -> Clients:
    return Clients.for_target(target)


@pytest.fixture(scope="session")
def function_zip(progress: Progress) -> Path:
    """The module's committed package, checked against its source first: a stale one stops the session."""
    with progress.phase("build.py --check"):
        try:
            return package.committed().path
        except package.BuildFailed as error:
            pytest.exit(f"the committed package is stale: {error}", returncode=2)


@pytest.fixture(scope="session")
def e2e_work_dir() -> Path:
    """The folder of this session's roots (a test's own root goes in a folder of its own below it)."""
    return work_dir()


@pytest.fixture(scope="session")
def run_id() -> str:
    """This session's id, in its stacks' suffixes: two sessions at once deploy apart."""
    return RUN_ID


def complete_example(target: Target, suffix: str) -> ExampleDeployment:
    """examples/complete as written, with a reservation of 5: every option of the module, its own KMS key."""
    stack = Stack(
        "s3_object_logger",  # the module call's name in the example
        suffix,
        notification_filter={"prefix": "incoming/", "suffix": ".csv"},
        async_invocation={"failure_queue": {"message_retention_seconds": 345600}},
    )
    return ExampleDeployment(
        target,
        work_dir() / f"{suffix}-root",
        [stack],
        own_resources=(
            "aws_kms_key.logger",
            "aws_kms_alias.logger",
            "aws_iam_policy.boundary",
            "aws_sns_topic.alerts",
            *(f'module.s3_object_logger.aws_cloudwatch_metric_alarm.pipeline["{name}"]' for name in ALARMS),
        ),
        variables={"reserved_concurrent_executions": 5},  # null by default: the example applies on any account
    )


def needs_a_stack(item: pytest.Item) -> bool:
    return stack_order(item) > 0


def uses(items: list[pytest.Item], fixture: str) -> bool:
    return any(fixture in getattr(item, "fixturenames", ()) for item in items)


def stack_order(item: pytest.Item) -> int:
    """0: needs no stack; 1: the main stack; 2: examples/complete."""
    names = getattr(item, "fixturenames", ())
    return 2 if "complete_stack" in names else 1 if "deployment" in names else 0


@pytest.fixture(scope="session")
def from_git() -> FromGit:
    """The README's "From git" section: the root configuration and commands a user of the module from git runs."""
    return FromGit.read()


@pytest.fixture(scope="session")
def published_module(from_git: FromGit) -> PublishedModule:
    """This checkout's tracked files as a repository, tagged as the README pins the module."""
    return PublishedModule.publish(work_dir() / f"published-{RUN_ID}", from_git.tag)


@pytest.fixture(scope="session", autouse=True)
def deploying(request: pytest.FixtureRequest, progress: Progress) -> Iterator[Deploying | None]:
    """What the session deploys, created in the background from the session's first test on (the tests
    that need no stack, `make up`'s, run meanwhile: they come first), destroyed at the end:

    * ``main``: the README's root configuration from git, deployed with the README's commands (the module
      by ``git::`` URL at the README's tag, from a repository of this checkout's files; its defaults, and
      the on-failure queue the reliability tests follow);
    * ``complete``: examples/complete, when a selected test uses it.
    """
    if not any(needs_a_stack(item) for item in request.session.items):
        yield None
        return
    target: Target = request.getfixturevalue("target")
    clients: Clients = request.getfixturevalue("clients")
    request.getfixturevalue("function_zip")
    suffix = f"e2e-{RUN_ID}"
    items = request.session.items
    from_git: FromGit = request.getfixturevalue("from_git")
    published: PublishedModule = request.getfixturevalue("published_module")
    # The README's root from git, with the on-failure queue the reliability tests follow (the README's has one)
    main = Stack(from_git.module_name, suffix, async_invocation={"failure_queue": {}})
    roots: dict[str, Deployment] = {
        "main": GitSourcedDeployment(target, work_dir() / suffix, [main], published=published, readme=from_git)
    }
    if uses(items, "complete_stack"):
        roots["complete"] = complete_example(target, f"{suffix}-cx")
    run = Deploying(list(roots.values()), clients, progress)
    request.config.stash[DEPLOYING_KEY] = run
    request.config.stash[ROOTS_KEY] = list(roots)
    try:  # whatever ends the session (an interrupt during init too), what was applied is destroyed
        try:
            run.initialised()  # no provider, say: one message, before any test runs
        except (TargetError, TerraformFailed) as error:
            run.failure = error  # said here, once: the teardown below does not say it again
            stop_session(target, error)
        yield run
    finally:
        exit_on_deployment_error(target, run.close)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A session stack whose creation has already failed (apply, or the check that its function runs) stops
    the session before the next test, with that one message, instead of each test meeting it in turn."""
    run = item.config.stash.get(DEPLOYING_KEY, None)
    error = run.failed() if run is not None else None
    if run is not None and error is not None:
        run.failure = error  # reported here: the teardown destroys what was applied and says it no more
        stop_session(targets.chosen(), error)


def created(request: pytest.FixtureRequest, deploying: Deploying | None, target: Target, name: str) -> Deployment:
    assert deploying is not None, "a test that needs a stack was not among the session's items"
    index = request.config.stash[ROOTS_KEY].index(name)
    return exit_on_deployment_error(target, lambda: deploying.ready(index))


@pytest.fixture(scope="session")
def deployment(request: pytest.FixtureRequest, deploying: Deploying | None, target: Target) -> Deployment:
    """The main root once created (the others may still be applying: their tests come later)."""
    return created(request, deploying, target, "main")


@pytest.fixture(scope="session")
def stack(deployment: Deployment) -> DeployedStack:
    return deployment.deployed[0]


@pytest.fixture
def outcomes(clients: Clients, stack: DeployedStack) -> Outcomes:
    """What the main stack's pipeline reports from this test on: a wait given it stops as soon as an
    event cannot succeed (retries exhausted, on-failure queue, record rejected, function cannot start)."""
    return Outcomes.for_stack(clients, stack.outputs)


@pytest.fixture(scope="session")
def complete_stack(request: pytest.FixtureRequest, deploying: Deploying | None, target: Target) -> DeployedStack:
    """The module call of examples/complete, with the module's outputs."""
    return created(request, deploying, target, "complete").deployed[0]


def stop_session(target: Target | str, error: BaseException) -> NoReturn:
    name = target if isinstance(target, str) else target.name
    pytest.exit(f"E2E_TARGET={name}: {error}", returncode=2)


def exit_on_deployment_error(target: Target, step: Callable[[], T]) -> T:
    """A deployment that cannot be made (or destroyed) ends the session with one message."""
    try:
        return step()
    except (TargetError, TerraformFailed) as error:
        stop_session(target, error)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that used a stack shows what the engine refused the function, naming action and resource."""
    report: pytest.TestReport = yield
    funcargs = getattr(item, "funcargs", {})
    if report.when == "call" and report.failed and "clients" in funcargs:
        names = ("stack", "complete_stack")
        stacks = [s for name in names if (s := funcargs.get(name)) is not None and s.outputs]
        for stack in stacks:
            refused = funcargs["clients"].logs.filter_log_events(
                logGroupName=stack.outputs["log_group_name"], filterPattern='"not authorized to perform"', limit=5
            )["events"]
            if refused:
                lines = "\n".join(e["message"] for e in refused)
                report.sections.append((f"function {stack.function}: refused calls", lines))
    return report
