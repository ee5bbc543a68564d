"""Root configurations that call the module, pointed at the chosen target.

A ``Stack`` describes one call of the module (its name and inputs) and never changes. A
``Deployment`` is one Terraform work dir with a ``main.tf`` that calls the module, by relative
source as a user's code would, once per stack it holds (so several stacks are planned, applied
and destroyed in one Terraform run each), and, for an engine, an override file that points the AWS
provider at its endpoint (as tflocal does). The deployment owns its Terraform runner and the
outputs Terraform gave it; ``deployment.deployed`` pairs each stack with its outputs as a
``DeployedStack``. The module itself is never edited.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pipeline_tooling.package import package_zip
from pipeline_tooling.paths import module_root

from . import workarounds
from .targets import SERVICES, Target
from .terraform import TerraformRunner

# What `terraform plan` must create for a fresh stack, and nothing else (plus the
# failure queue when the stack asks for one).
MODULE_RESOURCES = (
    "aws_cloudwatch_log_group.lambda",
    "aws_dynamodb_table.logs",
    "aws_iam_role.lambda",
    "aws_iam_role_policy.lambda",
    "aws_lambda_function.processor",
    "aws_lambda_function_event_invoke_config.processor",
    "aws_lambda_permission.allow_s3",
    "aws_s3_bucket.trigger",
    "aws_s3_bucket_notification.trigger",
    "aws_s3_bucket_ownership_controls.trigger",
    "aws_s3_bucket_policy.trigger",
    "aws_s3_bucket_public_access_block.trigger",
    "aws_s3_bucket_server_side_encryption_configuration.trigger",
)


def aws_provider_constraint(versions_tf: Path | None = None) -> str:
    """The module's own constraint on hashicorp/aws, as its versions.tf declares it (the one place it is)."""
    versions_tf = versions_tf or module_root() / "versions.tf"
    found = re.search(r'aws\s*=\s*\{[^}]*?\bversion\s*=\s*"([^"]+)"', versions_tf.read_text())
    if found is None:
        raise ValueError(f"{versions_tf} declares no version constraint for the aws provider")
    return found.group(1)


def required_aws_provider() -> str:
    """A root's terraform block requiring the provider as the module does."""
    return (
        "terraform {\n  required_providers {\n    aws = {\n"
        f'      source  = "hashicorp/aws"\n      version = "{aws_provider_constraint()}"\n'
        "    }\n  }\n}\n"
    )


def terraform_block() -> str:
    """A root's terraform block (the module's provider constraint) and its provider block."""
    return required_aws_provider() + '\nprovider "aws" {}\n'


MODULE_BLOCK = """
module "%(name)s" {
  source = "%(source)s"

  suffix              = %(suffix)s
  lambda_zip_path     = %(zip)s
  notification_filter = %(notification_filter)s
  async_invocation    = %(async_invocation)s
}

output "%(name)s" {
  value = module.%(name)s
}
"""


def hcl(value: Any) -> str:
    """A Python value as an HCL expression, as `terraform fmt` writes it on one line."""
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key} = {hcl(item)}" for key, item in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(hcl(item) for item in value) + "]"
    return json.dumps(value)  # strings, numbers, booleans and null are written alike


def provider_override(target: Target) -> str:
    """An override file (HCL as JSON) pointing every service at the target's endpoint."""
    assert target.endpoint is not None
    provider: dict[str, Any] = {
        "region": target.region,
        "access_key": "test",
        "secret_key": "test",
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        "skip_requesting_account_id": False,
        "s3_use_path_style": True,
        "endpoints": [{service: target.endpoint for service in SERVICES}],
    }
    if target.ca_bundle:
        provider["custom_ca_bundle"] = target.ca_bundle
    return json.dumps({"provider": {"aws": [provider]}}, indent=2) + "\n"


@dataclass(frozen=True)
class Stack:
    """One call of the module: its name in the root configuration and its inputs."""

    name: str  # the module call's name in the root configuration
    suffix: str
    notification_filter: Mapping[str, str] = field(default_factory=dict)
    async_invocation: Mapping[str, Any] = field(default_factory=dict)
    zip_path: Path = field(default_factory=package_zip)  # the function's package, as build.py writes it

    def expected_resources(self) -> frozenset[str]:
        resources = set(MODULE_RESOURCES)
        if self.async_invocation.get("failure_queue") is not None:
            resources.add("aws_sqs_queue.failures[0]")
        return frozenset(f"module.{self.name}.{r}" for r in resources)

    def module_block(self, source: str) -> str:
        return MODULE_BLOCK % {
            "name": self.name,
            "source": source,
            "suffix": hcl(self.suffix),
            "zip": hcl(str(self.zip_path)),
            "notification_filter": hcl(self.notification_filter),
            "async_invocation": hcl(self.async_invocation),
        }


@dataclass(frozen=True)
class DeployedStack:
    """A stack as applied: its description, the root it is deployed in and the module's outputs there."""

    stack: Stack
    root: Deployment = field(repr=False)
    outputs: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.stack.name

    @property
    def suffix(self) -> str:
        return self.stack.suffix

    @property
    def async_invocation(self) -> Mapping[str, Any]:
        return self.stack.async_invocation

    @property
    def target(self) -> Target:
        return self.root.target

    @property
    def bucket(self) -> str:
        return str(self.outputs["s3_bucket_name"])

    @property
    def table(self) -> str:
        return str(self.outputs["dynamodb_table_name"])

    @property
    def function(self) -> str:
        return str(self.outputs["lambda_function_name"])

    @property
    def index(self) -> str:
        """The table's index by object (on unless the stack turned it off)."""
        name = self.outputs.get("dynamodb_object_key_index_name")
        assert name, f"stack {self.name} has no index by object"
        return str(name)


@dataclass
class Deployment:
    """One Terraform work dir deploying ``stacks`` to ``target`` in one run per step.

    It owns the root's Terraform runner (made, and the root's files written, on first use) and the
    outputs Terraform gave it (``read_outputs``; ``restore_outputs`` for a root applied by an earlier
    process): the one place they are kept."""

    target: Target
    workdir: Path
    stacks: Sequence[Stack]  # kept as a tuple

    def __post_init__(self) -> None:
        self.stacks = tuple(self.stacks)
        names = [s.name for s in self.stacks]
        if len(set(names)) != len(names):
            raise ValueError(f"module call names must differ: {names}")
        self._outputs: Mapping[str, Any] | None = None

    @cached_property
    def terraform(self) -> TerraformRunner:
        """The root's runner. Its first use writes the root's files (a state file already there is kept)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        runner = TerraformRunner(self.workdir, self.write_configuration())
        if self.target.emulated:
            (self.workdir / "endpoint_override.tf.json").write_text(provider_override(self.target))
        return runner

    def write_configuration(self) -> dict[str, Any]:
        """Write the root's .tf files; the variables Terraform is run with."""
        source = os.path.relpath(module_root(), self.workdir)
        (self.workdir / "main.tf").write_text(terraform_block() + "".join(s.module_block(source) for s in self.stacks))
        return {}

    @classmethod
    def single(cls, target: Target, workdir: Path, suffix: str, **inputs: Any) -> Deployment:
        """A deployment of one stack, called ``stack``."""
        return cls(target, workdir, (Stack("stack", suffix, **inputs),))

    def expected_resources(self) -> frozenset[str]:
        return frozenset().union(*(s.expected_resources() for s in self.stacks))

    @property
    def label(self) -> str:
        return "+".join(s.suffix for s in self.stacks)

    def read_outputs(self) -> None:
        """Take the root's outputs from Terraform (after an apply)."""
        self.restore_outputs(self.terraform.outputs())

    def restore_outputs(self, outputs: Mapping[str, Any]) -> None:
        """Take the root's outputs as given: one per module call (by its name), and the root's own."""
        self._outputs = MappingProxyType(dict(outputs))

    @property
    def applied(self) -> bool:
        return self._outputs is not None

    @property
    def outputs(self) -> Mapping[str, Any]:
        """Every output of the root (the module calls' and the root's own), once applied."""
        assert self._outputs is not None, f"the root {self.label} has no outputs yet: it has not been applied"
        return self._outputs

    @property
    def deployed(self) -> tuple[DeployedStack, ...]:
        """Each stack with the module's outputs for it, once applied."""
        return tuple(
            DeployedStack(stack, self, MappingProxyType(dict(self.outputs.get(stack.name, {}))))
            for stack in self.stacks
        )

    def before_destroy(self, s3: Any, say: Callable[[str], None]) -> None:
        """What the engine's known bugs need done before ``terraform destroy`` can finish, for each stack that was
        deployed (pipeline_tooling/harness/workarounds.py)."""
        if not self.applied:
            return
        for stack in self.deployed:
            if stack.outputs:
                workarounds.before_destroy(self.target.name, self.target.version, s3, stack.bucket, say)


@dataclass
class ExampleDeployment(Deployment):
    """One of ``examples/`` deployed as it is written: its own .tf files, copied to the work dir.

    Two things are the harness's: the module source (``../..``) is pointed at the repository
    from the work dir, and an output exposing the module call (named by the one stack) lets the
    checks read the module's outputs as for any stack. The endpoint override merges into the
    example's own provider block.
    """

    example: Path = field(default_factory=lambda: module_root() / "examples" / "complete")
    own_resources: tuple[str, ...] = ()  # what the example creates beside the module
    variables: dict[str, Any] = field(default_factory=dict)  # the example's own inputs, beside the harness's

    def write_configuration(self) -> dict[str, Any]:
        [stack] = self.stacks
        relative = os.path.relpath(module_root(), self.workdir)
        for path in sorted(self.example.glob("*.tf")):
            text = path.read_text()
            if path.name == "main.tf":
                if text.count('source = "../.."') != 1:
                    raise ValueError(f'{path} should call the module once, with source = "../.."')
                text = text.replace('source = "../.."', f"source = {hcl(relative)}")
            (self.workdir / path.name).write_text(text)
        (self.workdir / "harness_outputs.tf").write_text(
            f'output "{stack.name}" {{\n  value = module.{stack.name}\n}}\n'
        )
        return {
            **self.variables,
            "suffix": stack.suffix,
            "lambda_zip_path": str(stack.zip_path),
            "region": self.target.region,
        }

    def expected_resources(self) -> frozenset[str]:
        return super().expected_resources() | frozenset(self.own_resources)
