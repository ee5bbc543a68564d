"""The roots the harness writes require the provider exactly as the module and its examples do."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pipeline_tooling.harness.stack import Deployment, aws_provider_constraint, terraform_settings
from pipeline_tooling.harness.targets import Target
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
    required = terraform_settings()["terraform"]["required_providers"]["aws"]
    assert required == {"source": "hashicorp/aws", "version": aws_provider_constraint()}
    assert aws_provider_constraint() == ">= 5.100.0, < 7.0.0"


def test_a_stacks_root_is_terraform_json_calling_the_module(tmp_path: Path) -> None:
    target = Target("embedded", "https://127.0.0.1:1", "eu-west-1", ca_bundle="/ca.pem")
    root = Deployment.single(target, tmp_path / "root", "dev", notification_filter={"prefix": "in/"})
    root.terraform  # noqa: B018 -- its first use writes the root's files

    written = sorted(p.name for p in root.workdir.iterdir())
    assert written == ["endpoint_override.tf.json", "main.tf.json"]
    main = json.loads((root.workdir / "main.tf.json").read_text())
    assert main["module"] == {
        "stack": {
            "source": os.path.relpath(module_root(), root.workdir),
            "suffix": "dev",
            "lambda_zip_path": str(module_root() / "dist" / "lambda.zip"),
            "notification_filter": {"prefix": "in/"},
            "async_invocation": {},
        }
    }
    assert main["output"] == {"stack": {"value": "${module.stack}"}}
    assert main["provider"] == {"aws": {}}
    override = json.loads((root.workdir / "endpoint_override.tf.json").read_text())["provider"]["aws"][0]
    assert (override["region"], override["custom_ca_bundle"]) == ("eu-west-1", "/ca.pem")
