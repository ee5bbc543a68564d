"""A root configuration that calls the module, pointed at the chosen target.

The work dir holds a ``main.tf`` that calls the module by relative source, as a
user's code would, and, for an emulator, an override file that points the AWS
provider at its endpoint (as tflocal does) — the module itself is never edited.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .targets import SERVICES, Target
from .terraform import TerraformRunner

ROOT = Path(__file__).resolve().parents[1]
ZIP = ROOT / "build" / "lambda.zip"

# What `terraform plan` must create for a fresh stack, and nothing else (plus the
# failure queue when the stack asks for one).
BASE_RESOURCES = frozenset(
    f"module.stack.{r}"
    for r in (
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
)

MAIN_TF = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 6.0.0"
    }
  }
}

provider "aws" {}

variable "suffix" {
  type = string
}

variable "lambda_zip_path" {
  type = string
}

# Passed through to the module, which types and validates them.
variable "notification_filter" {
  type    = any
  default = {}
}

variable "async_invocation" {
  type    = any
  default = {}
}

module "stack" {
  source = "%(source)s"

  suffix              = var.suffix
  lambda_zip_path     = var.lambda_zip_path
  notification_filter = var.notification_filter
  async_invocation    = var.async_invocation
}

output "stack" {
  value = module.stack
}
"""


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


@dataclass
class Stack:
    """One deployment of the module: its work dir, inputs and, once applied, outputs."""

    target: Target
    workdir: Path
    suffix: str
    notification_filter: dict[str, str] = field(default_factory=dict)
    async_invocation: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Configuration files are rewritten; a state file already there is kept.
        self.workdir.mkdir(parents=True, exist_ok=True)
        source = os.path.relpath(ROOT, self.workdir)
        (self.workdir / "main.tf").write_text(MAIN_TF % {"source": source})
        if self.target.emulated:
            (self.workdir / "endpoint_override.tf.json").write_text(provider_override(self.target))
        self.terraform = TerraformRunner(
            self.workdir,
            {
                "suffix": self.suffix,
                "lambda_zip_path": str(ZIP),
                "notification_filter": self.notification_filter,
                "async_invocation": self.async_invocation,
            },
        )

    def expected_resources(self) -> frozenset[str]:
        if self.async_invocation.get("failure_queue") is None:
            return BASE_RESOURCES
        return BASE_RESOURCES | {"module.stack.aws_sqs_queue.failures[0]"}

    @property
    def bucket(self) -> str:
        return str(self.outputs["s3_bucket_name"])

    @property
    def table(self) -> str:
        return str(self.outputs["dynamodb_table_name"])

    @property
    def function(self) -> str:
        return str(self.outputs["lambda_function_name"])
