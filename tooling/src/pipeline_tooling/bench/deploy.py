"""The deploy loop's figures: Terraform's own floor (a one-resource apply), then the module's init and apply."""

from __future__ import annotations

import secrets
from pathlib import Path

from pipeline_tooling.harness.progress import Progress
from pipeline_tooling.harness.stack import DeployedStack, Deployment, provider_override, terraform_block
from pipeline_tooling.harness.targets import Target
from pipeline_tooling.harness.terraform import TerraformRunner

from .measure import timed


def one_resource_root(workdir: Path, override: str | None) -> Path:
    """A root configuration with a single log group: Terraform's own floor for an apply.

    (A log group, because the provider creates it with one call and no waiting; an SQS queue,
    say, makes the provider poll until its attributes settle, which measures the poll.)
    """
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf").write_text(
        terraform_block() + "\n"
        f'resource "aws_cloudwatch_log_group" "floor" {{\n  name = "/bench/floor-{secrets.token_hex(4)}"\n}}\n'
    )
    if override:
        (workdir / "endpoint_override.tf.json").write_text(override)
    return workdir


def plan_and_apply(terraform: TerraformRunner) -> None:
    terraform.plan()
    terraform.apply()


def floor_apply(target: Target, work: Path, progress: Progress) -> float:
    root = one_resource_root(
        work / f"floor-{secrets.token_hex(3)}", provider_override(target) if target.emulated else None
    )
    floor = TerraformRunner(root, {})
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
