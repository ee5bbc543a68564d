"""The module used from git, as the README's "From git" says: its root configuration, `terraform init`,
`terraform apply`, nothing else.

The session's main stack is that root: the module by `git::file://` URL at the README's tag (a repository of this
checkout's files, which carries the committed package as a release does); every end-to-end test of the pipeline
runs against it. Here: that Terraform did fetch it by git and the code deployed is the committed package, and
that moving the ref to a later release whose handler differs deploys that release's code, after which a plan
shows no change.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from pathlib import Path

from pipeline_tooling.harness.clients import Clients
from pipeline_tooling.harness.stack import DeployedStack, Stack
from pipeline_tooling.harness.targets import Target
from pipeline_tooling.package import package_zip

from tests.e2e.from_git import FromGit, GitSourcedDeployment, PublishedModule

LATER = "v99.0.0"  # a release after the README's, made by the test
# The later release's handler: the shipped one, its answer saying which release it is.
LATER_HANDLER = f'''

_released_handler = lambda_handler


def lambda_handler(event, context):
    return {{**_released_handler(event, context), "release": "{LATER}"}}
'''


def later_handler(path: Path) -> None:
    """The later release's change: its handler's answer says which release it is."""
    handler = path / "lambda" / "index.py"
    handler.write_text(handler.read_text() + LATER_HANDLER)


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def fetched_module(workdir: Path) -> dict[str, str]:
    """The module call terraform init installed in the root, as its modules.json records it."""
    [module] = [m for m in json.loads((workdir / ".terraform/modules/modules.json").read_text())["Modules"] if m["Key"]]
    return dict(module)


def test_terraform_fetched_the_module_by_git_and_deployed_its_committed_package(
    clients: Clients, stack: DeployedStack, from_git: FromGit, published_module: PublishedModule
) -> None:
    workdir = stack.root.workdir
    module = fetched_module(workdir)
    assert module["Key"] == from_git.module_name
    assert module["Source"] == f"git::{published_module.url}?ref={from_git.tag}"
    assert not (workdir / "build").exists(), "the README's two commands build nothing"

    committed = package_zip().read_bytes()
    assert (workdir / module["Dir"] / "dist" / "lambda.zip").read_bytes() == committed, "the release carries it"
    deployed = clients.lambda_.get_function(FunctionName=stack.function)["Configuration"]["CodeSha256"]
    assert deployed == sha256_b64(committed)


def test_moving_the_ref_to_a_later_release_deploys_its_code_and_then_plans_nothing(
    target: Target, clients: Clients, from_git: FromGit, e2e_work_dir: Path, run_id: str
) -> None:
    """A root of its own (no failure queue, so it applies quickly), at the README's tag, then moved to a later
    tag of the same repository whose handler differs."""
    suffix = f"e2e-{run_id}-upgrade"
    published = PublishedModule.publish(e2e_work_dir / f"published-{run_id}-upgrade", from_git.tag)
    later = published.release(LATER, later_handler)
    without_queue, removed = re.subn(r"\n[ \t]*async_invocation\s*=[^\n]*", "", from_git.configuration)
    assert removed == 1, "the README's root sets async_invocation once"
    root = GitSourcedDeployment(
        target,
        e2e_work_dir / suffix,
        [Stack(from_git.module_name, suffix)],
        published=published,
        readme=dataclasses.replace(from_git, configuration=without_queue),
    )
    tf = root.terraform
    try:
        tf.init()
        tf.plan()
        tf.apply()
        function = tf.outputs()[from_git.module_name]["lambda_function_name"]
        first = clients.lambda_.get_function(FunctionName=function)["Configuration"]["CodeSha256"]
        assert first == sha256_b64(package_zip().read_bytes())

        root.move_to(later.tag)
        tf.init()
        tf.plan()
        tf.apply()

        assert fetched_module(root.workdir)["Source"] == f"git::{published.url}?ref={later.tag}"
        code = clients.lambda_.get_function(FunctionName=function)["Configuration"]["CodeSha256"]
        assert code == sha256_b64((published.path / "dist" / "lambda.zip").read_bytes()) != first
        answer = json.loads(clients.lambda_.invoke(FunctionName=function, Payload=b'{"Records": []}')["Payload"].read())
        assert answer["release"] == later.tag  # the function runs the later release's handler
        assert tf.plan_has_changes() is False, "a plan after the upgrade shows changes"
    finally:
        tf.destroy()
