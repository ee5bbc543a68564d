"""The deploy loop's figures: Terraform's own floor (a one-resource apply), then the module's init and apply."""

from __future__ import annotations

import secrets
from pathlib import Path

from pipeline_tooling.harness.progress import Progress
from pipeline_tooling.harness.roots import JsonRoot
from pipeline_tooling.harness.stack import DeployedStack, Deployment, required_aws_provider
from pipeline_tooling.harness.targets import Target
from pipeline_tooling.harness.terraform import TerraformRunner

from .measure import timed


def one_resource_root(target: Target, workdir: Path) -> JsonRoot:
    """A root configuration with a single log group: Terraform's own floor for an apply.

    (A log group, because the provider creates it with one call and no waiting; an SQS queue,
    say, makes the provider poll until its attributes settle, which measures the poll.)
    """
    log_group = {"floor": {"name": f"/bench/floor-{secrets.token_hex(4)}"}}
    return JsonRoot(target, workdir, {**required_aws_provider(), "resource": {"aws_cloudwatch_log_group": log_group}})


def plan_and_apply(terraform: TerraformRunner) -> None:
    terraform.plan()
    terraform.apply()


def floor_apply(target: Target, work: Path, progress: Progress) -> float:
    floor = one_resource_root(target, work / f"floor-{secrets.token_hex(3)}").terraform
    floor.init()
    with progress.phase("one-resource apply (Terraform's floor)"):
        seconds = timed(lambda: plan_and_apply(floor))
    floor.destroy()
    return seconds


def deploy(target: Target, work: Path, progress: Progress) -> tuple[DeployedStack, dict[str, float]]:
    """The module's stack (with its on-failure queue, as the e2e suite deploys it), timed."""
    suffix = f"bench-{secrets.token_hex(3)}"
    deployment = Deployment.single(target, work / suffix, suffix, async_invocation={"failure_queue": {}})
    figures = {}
    with progress.phase("terraform init"):
        figures["init_s"] = timed(deployment.terraform.init)
    with progress.phase("first apply (plan + apply)"):
        figures["apply_s"] = timed(lambda: plan_and_apply(deployment.terraform))
    deployment.read_outputs()
    [stack] = deployment.deployed
    return stack, figures
