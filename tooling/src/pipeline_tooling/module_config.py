"""The module's ``.tf`` files, read with python-hcl2: the one reader of them in the tooling.

What the tooling needs to know of the module (the Terraform and provider versions it requires, a variable's
default, a local's literal value, its variables and outputs) is read here from the files themselves, so no fact
of the module is typed again in Python. No terraform binary and no network: python-hcl2 parses the HCL.

Every function takes a module's folder (the root module, an example), or one ``.tf`` file of it to read that file
alone.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import hcl2

AWS_PROVIDER = "hashicorp/aws"


class ModuleConfigError(ValueError):
    """The module's files do not say what was asked of them."""


def tf_files(module: Path) -> list[Path]:
    """The ``.tf`` files of a module's folder, sorted by name (or the one file given)."""
    return [module] if module.is_file() else sorted(module.glob("*.tf"))


def parsed(module: Path) -> list[dict[str, Any]]:
    """Each ``.tf`` file as python-hcl2 gives it back (each text parsed once: a parse takes python-hcl2 a good
    part of a second, and one README's tables read the same files several times)."""
    return [_parse(path.read_text()) for path in tf_files(module)]


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> dict[str, Any]:
    """One file's text, parsed (the callers never change what they are given)."""
    parsed: dict[str, Any] = hcl2.loads(text)
    return parsed


def unquote(text: str) -> str:
    """python-hcl2 keeps a string's quotes (and escapes); a name or description without them."""
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return str(json.loads(text))
    return text


def _annotation(key: str) -> bool:
    """The keys python-hcl2 adds of its own (``__is_block__``, ``__comments__``, ...), not the module's."""
    return key.startswith("__") and key.endswith("__")


def blocks(module: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """The blocks of one kind with one label (``variable``, ``output``), as (label, body), in file order."""
    found = []
    for tree in parsed(module):
        for block in tree.get(kind, []):
            for name, body in block.items():
                if not _annotation(name):
                    found.append((unquote(name), body))
    return found


def terraform_blocks(module: Path) -> list[dict[str, Any]]:
    """The bodies of the module's ``terraform`` blocks."""
    return [block for tree in parsed(module) for block in tree.get("terraform", [])]


_TEMPLATE = re.compile(r"(?<![$%])[$%]\{")  # an interpolation or directive; $${ and %%{ are escapes


def literal(value: Any, where: str = "the value") -> Any:
    """A literal HCL value (strings, numbers, bools, null, lists and objects of them) as Python; an expression
    (a reference, a function call, a template) is a ModuleConfigError, as its value needs Terraform."""
    if isinstance(value, dict):
        return {unquote(k): literal(v, f"{where}.{unquote(k)}") for k, v in value.items() if not _annotation(k)}
    if isinstance(value, list):
        return [literal(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        if not (len(value) >= 2 and value.startswith('"') and value.endswith('"')) or _TEMPLATE.search(value):
            raise ModuleConfigError(f"{where} is an expression, not a literal: {value}")
        return unquote(value).replace("$${", "${").replace("%%{", "%{")
    return value  # None, bool, int, float


def locals_(module: Path) -> dict[str, Any]:
    """Every local of the module, as python-hcl2 gives it back (expressions unevaluated)."""
    found: dict[str, Any] = {}
    for tree in parsed(module):
        for block in tree.get("locals", []):
            found.update({name: value for name, value in block.items() if not _annotation(name)})
    return found


def local(module: Path, name: str) -> Any:
    """A local whose value is a literal (see ``literal``), as Python."""
    found = locals_(module)
    if name not in found:
        raise ModuleConfigError(f"{module} has no local {name!r}")
    return literal(found[name], f"local.{name}")


def variables(module: Path) -> dict[str, dict[str, Any]]:
    """Variable name -> its body, as python-hcl2 gives it back."""
    return dict(blocks(module, "variable"))


def variable_default(module: Path, name: str) -> Any:
    """A variable's default (a literal), as Python."""
    body = variables(module).get(name)
    if body is None:
        raise ModuleConfigError(f"{module} has no variable {name!r}")
    if "default" not in body:
        raise ModuleConfigError(f"variable {name!r} in {module} has no default")
    return literal(body["default"], f"var.{name}'s default")


def required_version(module: Path) -> str:
    """The module's constraint on Terraform itself (``terraform { required_version }``)."""
    found = [unquote(body["required_version"]) for body in terraform_blocks(module) if "required_version" in body]
    if not found:
        raise ModuleConfigError(f"{module} declares no required_version")
    return found[0]


def required_providers(module: Path) -> list[tuple[str, str, str]]:
    """(local name, source, version constraint) of each provider ``required_providers`` declares with a version."""
    found = []
    for body in terraform_blocks(module):
        for providers in body.get("required_providers", []):
            for name, spec in providers.items():
                if isinstance(spec, dict) and "version" in spec and not _annotation(name):
                    source = unquote(spec["source"]) if "source" in spec else f"hashicorp/{name}"
                    found.append((name, source, unquote(spec["version"])))
    return found


def provider_constraint(module: Path, source: str = AWS_PROVIDER) -> str:
    """The module's version constraint on one provider, hashicorp/aws unless ``source`` names another."""
    for _, declared, version in required_providers(module):
        if declared.lower().removeprefix("registry.terraform.io/") == source.lower():
            return version
    name = "the aws provider" if source == AWS_PROVIDER else source
    raise ModuleConfigError(f"{module} declares no version constraint for {name}")
