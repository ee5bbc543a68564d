"""The module's .tf files read one way (python-hcl2): versions, providers, literal locals, variable defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_tooling import module_config
from pipeline_tooling.module_config import ModuleConfigError
from pipeline_tooling.paths import module_root

ROOT = module_root()

VERSIONS = """\
terraform {
  # a comment
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # a comment
      version = ">= 5.100.0, < 7.0.0"
    }
    random = {
      source  = "registry.terraform.io/hashicorp/random"
      version = "~> 3.6"
    }
  }
}
"""


@pytest.fixture
def module(tmp_path: Path) -> Path:
    (tmp_path / "versions.tf").write_text(VERSIONS)
    return tmp_path


def test_the_versions_are_read_from_versions_tf(module: Path) -> None:
    (module / "versions.tf").write_text(VERSIONS.replace("< 7.0.0", "< 6.1.0").replace(">= 1.9.0", ">= 1.10.0"))

    assert module_config.provider_constraint(module) == ">= 5.100.0, < 6.1.0"
    assert module_config.provider_constraint(module / "versions.tf") == ">= 5.100.0, < 6.1.0"  # the one file
    assert module_config.provider_constraint(module, "hashicorp/random") == "~> 3.6"  # registry address too
    assert module_config.required_version(module) == ">= 1.10.0"
    assert module_config.required_providers(module) == [
        ("aws", "hashicorp/aws", ">= 5.100.0, < 6.1.0"),
        ("random", "registry.terraform.io/hashicorp/random", "~> 3.6"),
    ]


def test_the_module_and_its_examples_require_what_versions_tf_says() -> None:
    text = (ROOT / "versions.tf").read_text()
    assert f'required_version = "{module_config.required_version(ROOT)}"' in text
    assert f'version = "{module_config.provider_constraint(ROOT)}"' in text
    for example in ("basic", "complete"):
        assert module_config.provider_constraint(ROOT / "examples" / example) == module_config.provider_constraint(ROOT)


def test_versions_without_an_aws_constraint_or_a_terraform_version_are_an_error(tmp_path: Path) -> None:
    (tmp_path / "versions.tf").write_text('terraform {\n  required_version = ">= 1.9.0"\n}\n')
    with pytest.raises(ModuleConfigError, match="declares no version constraint for the aws provider"):
        module_config.provider_constraint(tmp_path)

    (tmp_path / "versions.tf").write_text("terraform {}\n")
    with pytest.raises(ModuleConfigError, match="declares no required_version"):
        module_config.required_version(tmp_path)


def test_a_literal_local_comes_back_as_python_and_an_expression_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'locals {\n  table = { "a" = { n = 1, on = true, off = null, list = ["x", "$${y}"] } }\n'
        '  derived = local.table["a"]\n  template = "v${local.table}"\n}\n'
    )

    assert module_config.local(tmp_path, "table") == {"a": {"n": 1, "on": True, "off": None, "list": ["x", "${y}"]}}
    with pytest.raises(ModuleConfigError, match=r"local\.derived is an expression"):
        module_config.local(tmp_path, "derived")
    with pytest.raises(ModuleConfigError, match=r"local\.template is an expression"):
        module_config.local(tmp_path, "template")
    with pytest.raises(ModuleConfigError, match="has no local 'missing'"):
        module_config.local(tmp_path, "missing")


def test_a_variable_default_is_read_as_python(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(
        'variable "runtime" {\n  type    = string\n  default = "python3.13"\n}\n'
        'variable "tags" {\n  type    = map(string)\n  default = { a = "b" }\n}\n'
        'variable "suffix" {\n  type = string\n}\n'
    )

    assert module_config.variable_default(tmp_path, "runtime") == "python3.13"
    assert module_config.variable_default(tmp_path, "tags") == {"a": "b"}
    with pytest.raises(ModuleConfigError, match=r"variable 'suffix' .* has no default"):
        module_config.variable_default(tmp_path, "suffix")
    with pytest.raises(ModuleConfigError, match="has no variable 'nothing'"):
        module_config.variable_default(tmp_path, "nothing")


def test_the_module_s_runtime_table_is_literal() -> None:
    """What docgen and tests/terraform read of runtimes.tf must stay literal, or they cannot read it."""
    runtimes = module_config.local(ROOT, "python_runtimes")
    assert module_config.variable_default(ROOT, "runtime") in runtimes
    rejected = module_config.local(ROOT, "rejected_python_runtimes")
    assert set(rejected) == {"too_old_for_the_handler", "blocked_by_lambda"}
