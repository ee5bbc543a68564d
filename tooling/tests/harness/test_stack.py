"""The roots the harness writes require the provider exactly as the module and its examples do."""

from __future__ import annotations

from pathlib import Path

import pytest
from pipeline_tooling.harness.stack import aws_provider_constraint, terraform_block
from pipeline_tooling.paths import module_root

VERSIONS = """\
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # a comment
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}
"""


def test_the_constraint_is_read_from_versions_tf(tmp_path: Path) -> None:
    (tmp_path / "versions.tf").write_text(VERSIONS.replace("< 7.0.0", "< 6.1.0"))
    assert aws_provider_constraint(tmp_path / "versions.tf") == ">= 5.100.0, < 6.1.0"


def test_a_versions_tf_without_an_aws_constraint_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "versions.tf").write_text('terraform {\n  required_version = ">= 1.5.0"\n}\n')
    with pytest.raises(ValueError, match="declares no version constraint for the aws provider"):
        aws_provider_constraint(tmp_path / "versions.tf")


@pytest.mark.parametrize("example", ["basic", "complete"])
def test_each_example_admits_the_providers_the_module_does(example: str) -> None:
    assert aws_provider_constraint(module_root() / "examples" / example / "versions.tf") == aws_provider_constraint()


def test_the_harness_roots_require_the_modules_constraint() -> None:
    assert f'version = "{aws_provider_constraint()}"' in terraform_block()
    assert aws_provider_constraint() == ">= 5.100.0, < 7.0.0"
