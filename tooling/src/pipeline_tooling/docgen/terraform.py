"""A Terraform module's requirements, inputs and outputs as Markdown tables, read from its ``.tf`` files.

terraform-docs' markdown table format is the model: inputs sorted by name with description,
type, default and whether required; outputs with their description. ``module_config`` reads the
files (python-hcl2), so this needs no terraform binary and no network; here they are only rendered.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline_tooling import module_config


class ModuleError(module_config.ModuleConfigError):
    """The module cannot be documented: a variable or output lacks what the tables need."""


@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    type: str
    default: str | None  # HCL as written; None: required

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class Output:
    name: str
    description: str


def _expression(value: Any) -> str:
    """An HCL expression as python-hcl2 gives it back, written as Terraform would show it."""
    if isinstance(value, str):
        match = re.fullmatch(r"\$\{(.*)\}", value, re.S)
        return match.group(1) if match else value
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)  # null, true, false and numbers are written alike
    if isinstance(value, dict):
        items = [f"{module_config.unquote(k)} = {_expression(v)}" for k, v in value.items() if k != "__is_block__"]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_expression(v) for v in value) + "]"
    return str(value)


def _object_type(text: str) -> str:
    """``object({a = x, b = y})`` spaced as fmt writes it on one line: ``object({ a = x, b = y })``."""
    return re.sub(r"\(\{(?=\S)", "({ ", re.sub(r"(?<=\S)\}\)", " })", text))


def variables(module: Path) -> list[Variable]:
    found = []
    for name, body in module_config.blocks(module, "variable"):
        if "description" not in body or "type" not in body:
            raise ModuleError(f"variable {name!r} in {module} needs a description and a type")
        default = _expression(body["default"]) if "default" in body else None
        found.append(
            Variable(name, module_config.unquote(body["description"]), _object_type(_expression(body["type"])), default)
        )
    return sorted(found, key=lambda v: v.name)


def outputs(module: Path) -> list[Output]:
    found = []
    for name, body in module_config.blocks(module, "output"):
        if "description" not in body:
            raise ModuleError(f"output {name!r} in {module} needs a description")
        found.append(Output(name, module_config.unquote(body["description"])))
    return sorted(found, key=lambda o: o.name)


def requirements(module: Path) -> list[tuple[str, str]]:
    found = []
    if any("required_version" in body for body in module_config.terraform_blocks(module)):
        found.append(("terraform", module_config.required_version(module)))
    found += [(f"{name} ({source})", version) for name, source, version in module_config.required_providers(module)]
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def inputs_table(module: Path) -> str:
    lines = ["| Name | Description | Type | Default | Required |", "|---|---|---|---|:---:|"]
    for v in variables(module):
        default = "n/a" if v.default is None else f"`{_cell(v.default)}`"
        required = "yes" if v.required else "no"
        lines.append(f"| `{v.name}` | {_cell(v.description)} | `{_cell(v.type)}` | {default} | {required} |")
    return "\n".join(lines) + "\n"


def outputs_table(module: Path) -> str:
    lines = ["| Name | Description |", "|---|---|"]
    lines += [f"| `{o.name}` | {_cell(o.description)} |" for o in outputs(module)]
    return "\n".join(lines) + "\n"


def requirements_table(module: Path) -> str:
    lines = ["| Name | Version |", "|---|---|"]
    lines += [f"| {name} | `{_cell(version)}` |" for name, version in requirements(module)]
    return "\n".join(lines) + "\n"
