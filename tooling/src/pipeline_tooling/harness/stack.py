"""Root configurations that call the module, pointed at the chosen target (what the bench and `make up` deploy,
and the module's e2e suite builds its stacks on).

A ``Stack`` describes one call of the module (its name and inputs) and never changes. A ``Deployment`` is one
Terraform root (``roots.Root``) whose ``main.tf.json`` calls the module, by relative source as a user's code
would, once per stack it holds (so several stacks are planned, applied and destroyed in one Terraform run
each); ``deployment.deployed`` pairs each stack with the module's outputs as a ``DeployedStack``. The module
itself is never edited.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pipeline_tooling.module_config import provider_constraint
from pipeline_tooling.package import package_zip
from pipeline_tooling.paths import module_root

from ..files import write_json
from . import workarounds
from .roots import Root
from .targets import Target


def aws_provider_constraint(versions: Path | None = None) -> str:
    """The module's own constraint on hashicorp/aws, as its versions.tf declares it (the one place it is), read
    as every .tf file of the module is (``module_config``); ``versions`` a folder or one file."""
    return provider_constraint(versions or module_root())


def required_aws_provider() -> dict[str, Any]:
    """A root's terraform block (Terraform JSON) requiring the provider as the module does."""
    return {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": aws_provider_constraint()}}}
    }


def terraform_settings() -> dict[str, Any]:
    """A root's terraform block (the module's provider constraint) and its provider block, as Terraform JSON."""
    return {**required_aws_provider(), "provider": {"aws": {}}}


@dataclass(frozen=True)
class Stack:
    """One call of the module: its name in the root configuration and its inputs."""

    name: str  # the module call's name in the root configuration
    suffix: str
    notification_filter: Mapping[str, str] = field(default_factory=dict)
    async_invocation: Mapping[str, Any] = field(default_factory=dict)
    zip_path: Path = field(default_factory=package_zip)  # the function's package, as build.py writes it

    def module_call(self, source: str) -> dict[str, Any]:
        """The module block calling the module for this stack (Terraform JSON)."""
        return {
            "source": source,
            "suffix": self.suffix,
            "lambda_zip_path": str(self.zip_path),
            "notification_filter": dict(self.notification_filter),
            "async_invocation": dict(self.async_invocation),
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
class Deployment(Root):
    """One Terraform root deploying ``stacks`` (calls of the module) to ``target`` in one run per step."""

    stacks: Sequence[Stack] = ()  # kept as a tuple

    def __post_init__(self) -> None:
        super().__post_init__()
        self.stacks = tuple(self.stacks)
        names = [s.name for s in self.stacks]
        if len(set(names)) != len(names):
            raise ValueError(f"module call names must differ: {names}")

    def write_configuration(self) -> dict[str, Any]:
        source = os.path.relpath(module_root(), self.workdir)
        write_json(
            self.workdir / "main.tf.json",
            {
                **terraform_settings(),
                "module": {s.name: s.module_call(source) for s in self.stacks},
                "output": {s.name: {"value": f"${{module.{s.name}}}"} for s in self.stacks},
            },
        )
        return {}

    @classmethod
    def single(cls, target: Target, workdir: Path, suffix: str, **inputs: Any) -> Deployment:
        """A deployment of one stack, called ``stack``."""
        return cls(target, workdir, (Stack("stack", suffix, **inputs),))

    @property
    def label(self) -> str:
        return "+".join(s.suffix for s in self.stacks)

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
    variables: dict[str, Any] = field(default_factory=dict)  # the example's own inputs, beside the harness's

    def write_configuration(self) -> dict[str, Any]:
        [stack] = self.stacks
        relative = os.path.relpath(module_root(), self.workdir)
        for path in sorted(self.example.glob("*.tf")):
            text = path.read_text()
            if path.name == "main.tf":
                if text.count('source = "../.."') != 1:
                    raise ValueError(f'{path} should call the module once, with source = "../.."')
                text = text.replace('source = "../.."', f'source = "{relative}"')
            (self.workdir / path.name).write_text(text)
        write_json(
            self.workdir / "harness_outputs.tf.json", {"output": {stack.name: {"value": f"${{module.{stack.name}}}"}}}
        )
        return {
            **self.variables,
            "suffix": stack.suffix,
            "lambda_zip_path": str(stack.zip_path),
            "region": self.target.region,
        }
