"""The module used from git, as the README's "From git" section says, with nothing from inside `.terraform/`.

The session's main stack is the README's root configuration: the module by `git::file://` URL at the README's
tag (a repository of this checkout's files), its package built by the README's own commands (a clone of the
tag, build.py writing into the root); every end-to-end test of the pipeline runs against it. Here: that
Terraform did fetch it by git, that the code deployed is the root's package, and that a root which forgot the
package is told the exact command that builds one.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import shlex
from pathlib import Path

import pytest
from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.from_git import FromGit, GitSourcedDeployment, PublishedModule, run
from pipeline_tooling.harness.stack import DeployedStack, Stack
from pipeline_tooling.harness.targets import Target
from pipeline_tooling.harness.terraform import TerraformFailed
from pipeline_tooling.package import package_zip


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_terraform_fetched_the_module_by_git_and_the_package_came_from_the_root(
    clients: Clients, stack: DeployedStack, from_git: FromGit, published_module: PublishedModule
) -> None:
    workdir = stack.root.workdir
    [module] = [m for m in json.loads((workdir / ".terraform/modules/modules.json").read_text())["Modules"] if m["Key"]]
    assert module["Key"] == from_git.module_name
    assert module["Source"] == f"git::{published_module.url}?ref={from_git.tag}"
    assert not (workdir / module["Dir"] / "build").exists(), "the module terraform init fetched carries no package"

    built = (workdir / "build" / "lambda.zip").read_bytes()
    deployed = clients.lambda_.get_function(FunctionName=stack.function)["Configuration"]["CodeSha256"]
    assert deployed == sha256_b64(built)
    assert built == package_zip().read_bytes(), "build.py makes the same bytes from the tag as from this checkout"


def test_a_module_from_git_without_a_package_names_the_command_that_builds_one(
    target: Target, from_git: FromGit, published_module: PublishedModule, e2e_work_dir: Path, run_id: str
) -> None:
    without_zip, removed = re.subn(r"\n[ \t]*lambda_zip_path\s*=[^\n]*", "", from_git.configuration)
    assert removed == 1, "the README's root sets lambda_zip_path once"
    suffix = f"e2e-{run_id}-nopkg"
    root = GitSourcedDeployment(
        target,
        e2e_work_dir / suffix,
        [Stack(from_git.module_name, suffix, async_invocation={"failure_queue": {}})],
        published=published_module,
        readme=dataclasses.replace(from_git, configuration=without_zip),
    )
    root.terraform.init()

    with pytest.raises(TerraformFailed) as failed:
        root.terraform.plan()

    said = " ".join(failed.value.output.replace("│", " ").split())
    assert "This copy of the module was downloaded by terraform init and carries no package" in said, said
    command = re.search(r"build one into this root with `([^`]+)`", said)
    assert command, said
    assert command[1] == f"python3 .terraform/modules/{from_git.module_name}/build.py --output build/lambda.zip"
    assert 'set lambda_zip_path = "${path.root}/build/lambda.zip" in the module block' in said

    run(shlex.split(command[1]), root.workdir, 60)
    # The precondition asks only that the file be there: it is, where the message says to point the module.
    built = root.workdir / "build" / "lambda.zip"
    assert built.read_bytes() == package_zip().read_bytes(), (
        "the command builds the package, byte for byte the checkout's"
    )
