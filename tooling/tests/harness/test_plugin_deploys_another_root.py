"""The plugin serves a root that is not this module: a suite of another project, outside the module's checkout,
deploys a root of its own through the plugin's fixtures on the embedded engine, and the root is destroyed at
the end of its test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness.another_project import PLUGIN, another_projects_pytest

pytestmark = pytest.mark.integration  # starts an engine or a process tree: make integration


ANOTHER_SUITE = """
ROOT = {
    "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": ">= 5.100.0, < 7.0.0"}}},
    "variable": {"suffix": {"type": "string"}},
    "resource": {
        "aws_cloudwatch_log_group": {"jobs": {"name": "/another/jobs-${var.suffix}", "retention_in_days": 1}},
        "aws_dynamodb_table": {
            "seen": {
                "name": "seen-${var.suffix}",
                "billing_mode": "PAY_PER_REQUEST",
                "hash_key": "id",
                "attribute": [{"name": "id", "type": "S"}],
            }
        },
    },
    "output": {
        "log_group": {"value": "${aws_cloudwatch_log_group.jobs.name}"},
        "table": {"value": "${aws_dynamodb_table.seen.name}"},
    },
}


def test_a_root_of_its_own(terraform_root, clients, target):
    root = terraform_root("another", ROOT, {"suffix": "x"})

    [group] = clients.logs.describe_log_groups(logGroupNamePrefix=root.outputs["log_group"])["logGroups"]
    assert (group["logGroupName"], group["retentionInDays"]) == ("/another/jobs-x", 1)
    clients.dynamodb.put_item(TableName=root.outputs["table"], Item={"id": {"S": "1"}})
    assert clients.dynamodb.get_item(TableName="seen-x", Key={"id": {"S": "1"}})["Item"] == {"id": {"S": "1"}}
    assert target.name == "embedded"
"""


def test_another_projects_suite_deploys_its_own_root_through_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_another.py").write_text(ANOTHER_SUITE)
    ran = another_projects_pytest(tmp_path, *PLUGIN, "--engine", "embedded", "-s", timeout=600)

    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    assert "1 passed" in ran.stdout
    [workdir] = (tmp_path / "build" / "e2e").glob("another-*")
    assert "[e2e] terraform destroy [" + workdir.name + "]: " in ran.stdout  # destroyed when the test ended
    state = json.loads((workdir / "terraform.tfstate").read_text())
    assert state["resources"] == []
    assert sorted(p.name for p in workdir.glob("*.tf.json")) == ["endpoint_override.tf.json", "main.tf.json"]
