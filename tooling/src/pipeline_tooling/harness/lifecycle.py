"""Create Terraform roots in the background, hand them to the tests, destroy them, and check nothing is left.

What a suite checks of its own roots comes in as a ``Checks``: the resources a fresh root's plan must create
(exactly those), what to check once a root is applied (before any test uses it), and what a destroyed root
left behind. The module's e2e suite gives its own (tests/e2e/stacks.py); another suite, its.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

from .clients import Clients
from .progress import Progress
from .roots import Root


@dataclass(frozen=True)
class Checks:
    """What a suite checks of each of its roots; by default, nothing."""

    expected_resources: Callable[[Root], frozenset[str] | None] = lambda root: None  # None: any plan
    after_apply: Callable[[Root, Clients, Progress], None] = lambda root, clients, progress: None
    leftovers: Callable[[Root, Clients], list[str]] = lambda root, clients: []


def _create(
    deployment: Root,
    clients: Clients,
    progress: Progress,
    applying: set[str],
    initialised: threading.Event,
    *,
    checks: Checks,
) -> None:
    """init -> plan (exactly the expected resources, all created) -> apply -> outputs -> the suite's checks.

    ``initialised`` is set once init has succeeded; ``applying`` gets the deployment's label once its
    apply starts: from then on it has to be destroyed."""
    tf, names = deployment.terraform, deployment.label
    with progress.phase(f"terraform init [{names}]"):
        tf.init()
    initialised.set()
    with progress.phase(f"terraform plan [{names}]"):
        changes = tf.plan()
    planned = {c.address for c in changes}
    expected = checks.expected_resources(deployment)
    if expected is not None and (planned != expected or any(c.actions != ("create",) for c in changes)):
        raise AssertionError(
            f"unexpected plan [{names}]: missing {sorted(expected - planned)}, "
            f"extra {sorted(planned - expected)}, actions {[(c.address, c.actions) for c in changes]}"
        )
    applying.add(names)
    with progress.phase(f"terraform apply [{names}]"):
        tf.apply()
    deployment.read_outputs()
    progress.count("resources deployed", len(planned))
    checks.after_apply(deployment, clients, progress)


def _destroy(deployment: Root, clients: Clients, progress: Progress) -> None:
    try:
        deployment.before_destroy(clients.s3, progress.say)
    finally:
        with progress.phase(f"terraform destroy [{deployment.label}]"):
            deployment.terraform.destroy(refresh=False)  # the state is the harness's own: nothing to refresh


class Deploying:
    """Terraform roots being created in the background: ``ready(n)`` waits for one, ``close()`` destroys them.

    Each is one Terraform root (its stacks go through each step in the same run); the roots
    are created side by side and destroyed side by side, each in a thread of its own: most of
    an apply is waiting on the engine, and the caller can do other work meanwhile. Only a root
    whose apply started is destroyed (a failed init or plan created nothing), and a destroy that
    fails after another failure is reported beside it rather than in its place.
    """

    def __init__(
        self, deployments: Sequence[Root], clients: Clients, progress: Progress, checks: Checks | None = None
    ) -> None:
        self.deployments = tuple(deployments)
        self._clients, self._progress = clients, progress
        self._checks = checks or Checks()
        self._applying: set[str] = set()
        self.failure: BaseException | None = None
        self._pool = ThreadPoolExecutor(max_workers=len(self.deployments), thread_name_prefix="terraform")
        self._initialised = [threading.Event() for _ in self.deployments]
        self._created = [
            self._pool.submit(_create, d, clients, progress, self._applying, initialised, checks=self._checks)
            for d, initialised in zip(self.deployments, self._initialised)
        ]

    def initialised(self) -> None:
        """Once every root's ``terraform init`` has succeeded (a second or two); the first failure raised
        (no provider, say), so the session can stop on it before any test runs."""
        for initialised, future in zip(self._initialised, self._created):
            while not initialised.wait(0.05):
                if future.done():
                    future.result()  # raises the failure; a creation that ended without init cannot succeed
                    break

    def failed(self) -> BaseException | None:
        """The failure of a creation that has already ended in one, without waiting for the others."""
        for future in self._created:
            if future.done() and not future.cancelled() and future.exception() is not None:
                return future.exception()
        return None

    def ready(self, index: int) -> Root:
        """Root ``index`` created (its outputs read), or its creation failure raised."""
        try:
            self._created[index].result()
        except BaseException as error:
            self.failure = self.failure or error
            raise
        return self.deployments[index]

    def close(self, failure: BaseException | None = None) -> None:
        """Destroy what was applied, then check it left nothing behind (unless something failed before).

        A creation failure nobody waited for (``ready()`` never called) is raised here, after the destroy."""
        unreported: BaseException | None = None
        try:
            for future in self._created:
                future.cancel()
            wait(self._created)  # an apply still running must end before its destroy starts
            if failure is None and self.failure is None:
                errors = (f.exception() for f in self._created if not f.cancelled())
                unreported = next((error for error in errors if error is not None), None)
            failure = failure or self.failure or unreported
            applied = [d for d in self.deployments if d.label in self._applying]
            destroyed = [self._pool.submit(_destroy, d, self._clients, self._progress) for d in applied]
            for future in destroyed:
                destroy_error = future.exception()
                if destroy_error is None:
                    continue
                if failure is None:
                    raise destroy_error
                self._progress.say(f"and the destroy after that failure failed too: {destroy_error}")
        finally:
            self._pool.shutdown()
        if unreported is not None:
            raise unreported
        if failure is None:
            remaining = [
                what for d in self.deployments if d.applied for what in self._checks.leftovers(d, self._clients)
            ]
            assert not remaining, f"destroy left these behind: {remaining}"
