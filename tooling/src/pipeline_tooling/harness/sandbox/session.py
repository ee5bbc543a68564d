"""``make up``: deploy (or attach to) the sandbox stack, then watch the handler and show what happens.

start or find the engine → apply → write env.sh → loop:
    a save under the source folder → check it imports → build → UpdateFunctionCode
    new log messages → event lines;  new failure-queue messages → their keys
    the engine gone → say so, forget the stack, stop
Ctrl-C → stop watching; re-apply if the function runs code Terraform has not applied;
         the stack stays up (``make up`` attaches again, ``make down`` removes it)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import targets
from ..clients import client
from ..engines import start_detached
from ..engines.process import ServerRecord
from ..followers import LogFollower, QueueFollower
from ..stack import DeployedStack, Deployment
from ..targets import TITLES, Target, TargetError
from ..terraform import TerraformFailed
from . import envfile, live, reload
from .signals import StopRequests
from .state import SandboxState

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

Say = Callable[[str, str], None]
HEALTH_EVERY_S = 2.0


@dataclass(frozen=True)
class Options:
    source: Path
    suffix: str = "dev"
    failure_queue: bool = False
    detach: bool = False  # deploy or attach, print how to reach it, and return without watching
    poll_s: float = 0.2


def sandbox_deployment(state: SandboxState, target: Target, inputs: dict[str, Any]) -> Deployment:
    """The root ``make up`` deploys: one stack, the module's defaults, the package built from the watched source."""
    async_invocation: dict[str, Any] = {"failure_queue": {}} if inputs.get("failure_queue") else {}
    return Deployment.single(
        target, state.workdir, str(inputs["suffix"]), zip_path=state.zip, async_invocation=async_invocation
    )


def started_by_make_up(state: SandboxState, target: Target) -> bool:
    """The engine record (alive or not) names the target's engine."""
    try:
        return bool(json.loads(state.engine_record.read_text()).get("engine") == target.name)
    except (OSError, ValueError, AttributeError):
        return False


def engine_alive(state: SandboxState, target: Target) -> bool:
    """The engine's process group still runs (one make up started, as its record says), or the engine
    answers (one it reached: how this shell's settings would reach it does not matter)."""
    if started_by_make_up(state, target):
        return ServerRecord.load(state.engine_record) is not None
    try:
        client(target, "sts", attempts=1).get_caller_identity()
    except live.ENGINE_ERRORS:
        return False
    return True


class EngineGone(RuntimeError):
    """The engine holding the stack stopped answering (or its process is gone)."""


class Session:
    def __init__(self, options: Options, state: SandboxState, say: Say) -> None:
        self.options, self.state, self.say = options, state, say
        self.stops = StopRequests(say)

    # ------------------------------------------------------------- deploy ---

    def reach(self) -> Target:
        """The engine for E2E_TARGET, started if the harness runs it; an attach said as such."""
        name = targets.chosen()
        previous = self.state.target()
        if previous is not None and self.state.deployed():
            if previous.name != name:
                raise TargetError(
                    f"a stack is up on {previous.label} (state in {self.state.root}); "
                    f"`make down` removes it before one goes up on {TITLES[name]}"
                )
            if self.engine_alive(previous):
                self.say("info", f"a stack is already up on {previous.label} at {previous.endpoint}: attaching to it")
            else:
                self.say("warn", f"the {previous.label} that held the stack is gone, and the stack too: deploying anew")
                self.state.forget_stack()
        target = start_detached(name, self.state.root / name, self.state.engine_record)
        self.state.save_target(target)
        return target

    def deployment(self, target: Target) -> Deployment:
        inputs = {"suffix": self.options.suffix, "failure_queue": self.options.failure_queue}
        self.state.save_inputs(inputs)
        return sandbox_deployment(self.state, target, inputs)

    def apply(self, deployment: Deployment, sha: str, *, refresh: bool = True) -> DeployedStack:
        """Converge the stack on the module and the package; record what was applied.

        ``refresh=False`` on the way out: only the code changed since the last apply, and that
        the state's ``source_code_hash`` against the package's shows without asking the engine."""
        self.stops.busy_with = "terraform apply"
        try:
            terraform = deployment.terraform
            if not (self.state.workdir / ".terraform" / "modules" / "modules.json").exists():
                terraform.init()  # the module is a local path: once initialised, edits to it need no init
            changes = terraform.plan(refresh=refresh)
            if changes:
                self.say("info", f"terraform apply: {len(changes)} change(s) on {deployment.target.label}")
                terraform.apply()
            deployment.read_outputs()
        finally:
            self.stops.busy_with = None
        [stack] = deployment.deployed
        self.state.save_outputs(dict(stack.outputs))
        self.state.save_applied_sha(sha)
        envfile.write(self.state.env_file, stack.target, stack.outputs)
        return stack

    # -------------------------------------------------------------- watch ---

    def engine_alive(self, target: Target) -> bool:
        return engine_alive(self.state, target)

    def reload(self, stack: DeployedStack, lambda_client: LambdaClient, changed: list[str], running_sha: str) -> str:
        """Check, build and ship the saved source; the SHA-256 of the package the function now runs.

        The package is built beside the running one and takes its place only once the
        function has it, so ``lambda.zip`` is always what runs (and what a re-apply applies).
        """
        saved_at = reload.last_saved(self.options.source, changed)
        names = ", ".join(changed)
        try:
            reload.check_source(self.options.source)
        except reload.BrokenSource as broken:
            self.say("error", f"{broken} — not deployed; {stack.function} keeps running the code it has")
            return running_sha
        candidate = self.state.zip.with_name("lambda.next.zip")
        sha = reload.build_package(self.options.source, candidate)
        if sha == running_sha:
            self.say("reload", f"{names} → the same package {stack.function} already runs: nothing to ship")
            return running_sha
        self.stops.busy_with = "the code update"
        try:
            shipped = reload.ship(lambda_client, stack.function, candidate)
            candidate.replace(self.state.zip)
        except reload.ShipFailed as failed:
            candidate.unlink(missing_ok=True)
            self.say("error", f"{names}: {failed} — save again to retry")
            return running_sha
        finally:
            self.stops.busy_with = None
        self.say(
            "reload",
            f"{names} → {stack.function} runs the new code ({time.time() - saved_at:.2f} s after the save; "
            f"update {shipped.seconds * 1000:.0f} ms; sha256 {sha[:12]}…)",
        )
        return sha

    def watch(self, stack: DeployedStack, shipped_sha: str) -> int:
        target, source = stack.target, self.options.source
        lambda_client = client(target, "lambda", attempts=2)
        follower = LogFollower(
            client(target, "logs", attempts=2), stack.outputs["log_group_name"], int(time.time() * 1000)
        )
        queue_url = stack.outputs.get("failure_queue_url")
        queue = QueueFollower(client(target, "sqs", attempts=2), queue_url) if queue_url else None
        retries = stack.async_invocation.get("maximum_retry_attempts", 2)
        lines = live.EventLines(live.RetryPolicy(1 + retries, queue_url.rsplit("/", 1)[-1] if queue_url else None))
        watcher = reload.SourceWatcher(source)
        lagging_said = False
        silence = live.Silence(self.say)
        next_health = time.monotonic() + HEALTH_EVERY_S
        self.say("info", f"watching {source}: a save updates {stack.function}; Ctrl-C stops watching")
        while not self.stops.requested:
            try:
                changed = watcher.changes()
                if changed:
                    shipped_sha = self.reload(stack, lambda_client, changed, shipped_sha)
                    if not lagging_said and shipped_sha != self.state.applied_sha():
                        self.say("warn", "Terraform's state has the code it applied: Ctrl-C re-applies to match")
                        lagging_said = True
                live.follow_once(follower, lines, queue, self.say)
                silence.answered()
                if time.monotonic() >= next_health:
                    next_health = time.monotonic() + HEALTH_EVERY_S
                    if not self.engine_alive(target):
                        raise EngineGone
            except (EngineGone, *live.ENGINE_ERRORS) as error:
                if isinstance(error, EngineGone) or not self.engine_alive(target):
                    return self.engine_went_away(target)
                silence.unanswered(target.label, error)
            self.stops.wait(self.options.poll_s)
        return self.stop(stack, shipped_sha)

    def engine_went_away(self, target: Target) -> int:
        self.say(
            "error",
            f"{target.label} at {target.endpoint} went away while make up watched; the stack went with it. "
            "Forgot its state: `make up` deploys anew.",
        )
        self.state.forget_stack()
        self.state.engine_record.unlink(missing_ok=True)
        return 1

    def stop(self, stack: DeployedStack, shipped_sha: str) -> int:
        if self.stops.by_down:
            self.say("info", "make down asked make up to stop: it removes the stack")
            return 0
        if shipped_sha != self.state.applied_sha():
            self.say("warn", "the function runs code Terraform has not applied: re-applying so its state matches")
            try:
                self.apply(stack.root, shipped_sha, refresh=False)
            except TerraformFailed as failed:
                self.say("error", f"the re-apply failed ({failed.step}); `make up` tries again, `make down` cleans up")
                return 1
        self.say(
            "info",
            f"stopped watching. The stack stays up on {stack.target.label}: `make up` attaches again, "
            f"`make logs` follows it, `make down` removes it.",
        )
        return 0

    # ---------------------------------------------------------------- run ---

    def run(self) -> int:
        self.stops.install()
        try:
            reload.check_source(self.options.source)
        except reload.BrokenSource as broken:
            self.say("error", f"{broken} — nothing deployed; fix it and run make up again")
            return 2
        target = self.reach()
        deployment = self.deployment(target)
        sha = reload.build_package(self.options.source, self.state.zip)
        try:
            stack = self.apply(deployment, sha)
        except TerraformFailed as failed:
            self.say("error", f"terraform {failed.step} failed; what it made is in its state, `make down` removes it")
            raise
        started = self.state.engine_record.exists()
        for line in envfile.usage(stack, self.state.env_file, engine_started=started):
            self.say("info", line)
        if self.options.detach or self.stops.requested:
            return 0
        return self.watch(stack, sha)
