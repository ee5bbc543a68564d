"""Terraform root configurations pointed at a target, written as Terraform JSON (``.tf.json``).

A ``Root`` is one Terraform work dir: the files its subclass writes, plus, for an engine, an override file that
points the AWS provider at the engine's endpoint (as tflocal does). It owns its Terraform runner (made, and
its files written, on first use) and the outputs Terraform gave it. ``JsonRoot`` is a root given whole as a
Terraform JSON configuration: any root, not only the module's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..files import write_json
from .targets import SERVICES, Target
from .terraform import TerraformRunner

OVERRIDE_FILE = "endpoint_override.tf.json"


def provider_override(target: Target) -> dict[str, Any]:
    """An override file (Terraform JSON) pointing every service at the target's endpoint."""
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
    return {"provider": {"aws": [provider]}}


@dataclass
class Root:
    """One Terraform work dir deploying to ``target``; subclasses say what it holds (``write_configuration``)."""

    target: Target
    workdir: Path

    def __post_init__(self) -> None:
        self._outputs: Mapping[str, Any] | None = None

    @cached_property
    def terraform(self) -> TerraformRunner:
        """The root's runner. Its first use writes the root's files (a state file already there is kept)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        runner = TerraformRunner(self.workdir, self.write_configuration())
        if self.target.emulated:
            write_json(self.workdir / OVERRIDE_FILE, provider_override(self.target))
        return runner

    def write_configuration(self) -> dict[str, Any]:
        """Write the root's files; the variables Terraform is run with."""
        raise NotImplementedError

    @property
    def label(self) -> str:
        return self.workdir.name

    def read_outputs(self) -> None:
        """Take the root's outputs from Terraform (after an apply)."""
        self.restore_outputs(self.terraform.outputs())

    def restore_outputs(self, outputs: Mapping[str, Any]) -> None:
        """Take the root's outputs as given (a root applied by an earlier process)."""
        self._outputs = MappingProxyType(dict(outputs))

    @property
    def applied(self) -> bool:
        return self._outputs is not None

    @property
    def outputs(self) -> Mapping[str, Any]:
        """Every output of the root, once applied."""
        assert self._outputs is not None, f"the root {self.label} has no outputs yet: it has not been applied"
        return self._outputs

    def before_destroy(self, s3: Any, say: Callable[[str], None]) -> None:
        """What must be done before ``terraform destroy`` can finish on this target: nothing, by default."""


@dataclass
class JsonRoot(Root):
    """A root given whole as Terraform JSON (what a ``main.tf.json`` holds). An AWS provider block is added
    when it has none, for the target's override to apply to."""

    configuration: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)

    def write_configuration(self) -> dict[str, Any]:
        configuration = dict(self.configuration)
        configuration.setdefault("provider", {"aws": {}})
        write_json(self.workdir / "main.tf.json", configuration)
        return dict(self.variables)
