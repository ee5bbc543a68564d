"""The module's e2e session: its stacks, deployed on the tooling's pytest plugin (the engine, its clients, the
capability skips, teardown on signals; ``pipeline_tooling.harness.pytest_plugin``).

The session deploys, in the background from its first test on, and destroys at its end:

* ``main``: the README's root configuration from git, deployed with the README's two commands (the module by
  ``git::`` URL at the README's tag, from a repository of this checkout's files; its defaults, and the
  on-failure queue the reliability tests follow) — fixtures ``deployment`` and ``stack``;
* ``complete``: examples/complete, when a selected test uses it — fixture ``complete_stack``.

The tests that need no stack run first (``make up``'s deploys its own), then the main stack's as soon as it
is ready, examples/complete's last. A stack whose creation fails stops the session with that one message.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from pipeline_tooling import package
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.lifecycle import Deploying
from pipeline_tooling.harness.outcomes import Outcomes
from pipeline_tooling.harness.progress import Progress
from pipeline_tooling.harness.roots import Root
from pipeline_tooling.harness.stack import DeployedStack, Deployment, Stack
from pipeline_tooling.harness.stopping import exit_on_deployment_error, stop_session
from pipeline_tooling.harness.targets import Target, TargetError, chosen
from pipeline_tooling.harness.terraform import TerraformFailed

from tests.e2e.from_git import FromGit, GitSourcedDeployment, PublishedModule
from tests.e2e.stacks import CHECKS, complete_example

pytest_plugins = ["pipeline_tooling.harness.pytest_plugin"]

DEPLOYING_KEY = pytest.StashKey[Deploying]()
ROOTS_KEY = pytest.StashKey[list[str]]()  # the names of the session's roots, in Deploying's order


def stack_order(item: pytest.Item) -> int:
    """0: needs no stack; 1: the main stack; 2: examples/complete."""
    names = getattr(item, "fixturenames", ())
    return 2 if "complete_stack" in names else 1 if "deployment" in names else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The tests that need no stack first, then the main stack's, then examples/complete's: the stacks are
    # created meanwhile, and the example's (it waits on its KMS key too) is ready last.
    items.sort(key=stack_order)


@pytest.fixture(scope="session")
def function_zip(progress: Progress) -> Path:
    """The module's committed package, checked against its source first: a stale one stops the session."""
    with progress.phase("build.py --check"):
        try:
            return package.committed().path
        except package.BuildFailed as error:
            pytest.exit(f"the committed package is stale: {error}", returncode=2)


@pytest.fixture(scope="session")
def from_git() -> FromGit:
    """The README's "From git" section: the root configuration a user of the module from git writes."""
    return FromGit.read()


@pytest.fixture(scope="session")
def published_module(from_git: FromGit, e2e_work_dir: Path, run_id: str) -> PublishedModule:
    """This checkout's tracked files as a repository, tagged as the README pins the module."""
    return PublishedModule.publish(e2e_work_dir / f"published-{run_id}", from_git.tag)


@pytest.fixture(scope="session", autouse=True)
def deploying(
    request: pytest.FixtureRequest, progress: Progress, e2e_work_dir: Path, run_id: str
) -> Iterator[Deploying | None]:
    """The session's roots, created in the background from its first test on and destroyed at its end."""
    if not any(stack_order(item) > 0 for item in request.session.items):
        yield None
        return
    target: Target = request.getfixturevalue("target")
    clients: Clients = request.getfixturevalue("clients")
    request.getfixturevalue("function_zip")
    suffix = f"e2e-{run_id}"
    from_git: FromGit = request.getfixturevalue("from_git")
    published: PublishedModule = request.getfixturevalue("published_module")
    # The README's root from git, with the on-failure queue the reliability tests follow (the README's has one)
    main = Stack(from_git.module_name, suffix, async_invocation={"failure_queue": {}})
    roots: dict[str, Root] = {
        "main": GitSourcedDeployment(target, e2e_work_dir / suffix, [main], published=published, readme=from_git)
    }
    if any("complete_stack" in getattr(item, "fixturenames", ()) for item in request.session.items):
        roots["complete"] = complete_example(target, e2e_work_dir / f"{suffix}-cx-root", f"{suffix}-cx")
    run = Deploying(list(roots.values()), clients, progress, CHECKS)
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
        stop_session(chosen(), error)


def created(request: pytest.FixtureRequest, deploying: Deploying | None, target: Target, name: str) -> Deployment:
    assert deploying is not None, "a test that needs a stack was not among the session's items"
    index = request.config.stash[ROOTS_KEY].index(name)
    root = exit_on_deployment_error(target, lambda: deploying.ready(index))
    assert isinstance(root, Deployment), root
    return root


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
