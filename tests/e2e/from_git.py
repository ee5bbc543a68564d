"""The module used from git as the README's "From git" says: its root configuration and its two commands.

A ``PublishedModule`` is a git repository made of this checkout's files that git tracks or would track (not
the ignored ones), as they are in the working tree (an uncommitted change is tested), tagged with the release
the README pins; it carries the committed package, ``dist/lambda.zip``, as a release does. ``release`` adds a
later release to it: a change to the handler, the package refreshed by build.py, committed and tagged, as a
maintainer makes one. A ``GitSourcedDeployment`` writes the README's root configuration with one change, the
repository's URL (``file://`` to that repository), and at the ref it is given (the README's tag unless moved);
Terraform then runs the README's commands, ``terraform init`` and ``terraform apply``, and nothing else.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline_tooling.files import write_json
from pipeline_tooling.harness.stack import Deployment, required_aws_provider
from pipeline_tooling.paths import module_root

ROOT_MARKER = "<!-- from-git: root configuration -->"
COMMANDS_MARKER = "<!-- from-git: commands -->"
COMMANDS = ("terraform init", "terraform apply")  # all a user of the module from git runs
GIT_TIMEOUT_S = 60.0
BUILD_TIMEOUT_S = 60.0
# A commit of the harness's own, the same bytes on every machine.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "e2e",
    "GIT_AUTHOR_EMAIL": "e2e@localhost",
    "GIT_COMMITTER_NAME": "e2e",
    "GIT_COMMITTER_EMAIL": "e2e@localhost",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
}


class ReadmeChanged(ValueError):
    """The README's "From git" section is not what the harness knows how to follow."""


@dataclass(frozen=True)
class FromGit:
    """The README's "From git" section: the root configuration, its URL and tag, and the module call's name."""

    configuration: str
    url: str
    tag: str
    module_name: str

    @classmethod
    def read(cls, readme: Path | None = None) -> FromGit:
        readme = readme or module_root() / "README.md"
        text = readme.read_text()
        configuration = _block_after(text, ROOT_MARKER, "hcl")
        commands = tuple(line for line in _block_after(text, COMMANDS_MARKER, "sh").splitlines() if line.strip())
        source = re.search(r'source\s*=\s*"git::(?P<url>[^"?]+)\?ref=(?P<tag>[^"]+)"', configuration)
        module = re.search(r'module\s+"(\w+)"', configuration)
        if source is None or module is None:
            raise ReadmeChanged(f'{readme}: the "From git" root calls no module by source = "git::<url>?ref=<tag>"')
        if not re.search(rf'output\s+"{module[1]}"\s*\{{[^}}]*value\s*=\s*module\.{module[1]}\s', configuration):
            raise ReadmeChanged(
                f'{readme}: the "From git" root should expose the module\'s outputs: output "{module[1]}" '
                f"{{ value = module.{module[1]} }} (the harness and redrive.py --outputs read them)"
            )
        if commands != COMMANDS:
            raise ReadmeChanged(f'{readme}: the "From git" commands should be {" then ".join(COMMANDS)}, nothing else')
        return cls(configuration, source["url"], source["tag"], module[1])

    def at(self, url: str, ref: str) -> str:
        """The root configuration with the module's repository at ``url`` and its ref ``ref``."""
        pinned = f"git::{self.url}?ref={self.tag}"
        if self.configuration.count(pinned) != 1:
            raise ReadmeChanged(f'the README\'s "From git" root should name {pinned} once')
        return self.configuration.replace(pinned, f"git::{url}?ref={ref}")


def _block_after(text: str, marker: str, language: str) -> str:
    found = re.search(re.escape(marker) + r"\s*```" + language + r"\n(?P<body>.*?)```", text, re.S)
    if found is None:
        raise ReadmeChanged(f"the README has no ```{language} block after {marker}")
    return found["body"]


def run(argv: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    """Run a command; its output, or RuntimeError naming the command and what it printed."""
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        raise RuntimeError(f"`{shlex.join(argv)}` in {cwd} did not end within {timeout:.0f} s") from expired
    if done.returncode != 0:
        raise RuntimeError(f"`{shlex.join(argv)}` in {cwd} failed (exit {done.returncode}):\n{done.stdout.strip()}")
    return done.stdout


@dataclass(frozen=True)
class PublishedModule:
    """A repository of the module at ``path``, with the tag the README pins."""

    path: Path
    tag: str

    @property
    def url(self) -> str:
        return self.path.resolve().as_uri()

    @classmethod
    def publish(cls, path: Path, tag: str, source: Path | None = None) -> PublishedModule:
        """The files of ``source`` that git tracks or would (not ignored), as the working tree has them, committed
        and tagged at ``path``: what a push of this checkout, every change added, would publish."""
        source = source or module_root()
        listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], source, GIT_TIMEOUT_S)
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        for name in filter(None, listed.split("\0")):
            original = source / name
            if original.is_file():  # a tracked file deleted in the working tree is not published
                copy = path / name
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(original, copy)
        for argv in (
            ["git", "init", "--quiet", "--initial-branch=main"],
            ["git", "add", "--all"],
            ["git", "commit", "--quiet", "--no-verify", "-m", f"the module as published at {tag}"],
            ["git", "tag", tag],
        ):
            run(argv, path, GIT_TIMEOUT_S, GIT_IDENTITY)
        return cls(path, tag)

    def release(self, tag: str, change: Callable[[Path], None]) -> PublishedModule:
        """A later release, as a maintainer makes one: ``change`` edits the repository's files, build.py refreshes
        the committed package, then a commit tagged ``tag``. The same repository, at the new tag."""
        change(self.path)
        for argv in (
            [sys.executable, "build.py"],
            ["git", "add", "--all"],
            ["git", "commit", "--quiet", "--no-verify", "-m", f"the module as released at {tag}"],
            ["git", "tag", tag],
        ):
            run(argv, self.path, BUILD_TIMEOUT_S if argv[0] == sys.executable else GIT_TIMEOUT_S, GIT_IDENTITY)
        return PublishedModule(self.path, tag)


@dataclass(kw_only=True)
class GitSourcedDeployment(Deployment):
    """The README's "From git" root, deployed with the README's two commands (one stack: the module call), the
    module at ``ref`` of the published repository (the README's tag unless ``move_to`` moved it)."""

    published: PublishedModule
    readme: FromGit
    ref: str = ""

    def __post_init__(self) -> None:
        if self.published.tag != self.readme.tag:
            raise ValueError(f"published at {self.published.tag}, but the README pins {self.readme.tag}")
        [stack] = self.stacks
        queued = stack.async_invocation.get("failure_queue") is not None
        if queued != ("failure_queue" in self.readme.configuration):
            raise ReadmeChanged(
                f"the stack {stack.name} {'has' if queued else 'has no'} an on-failure queue, but the README's "
                f'"From git" root {"has none" if queued else "has one"} (async_invocation.failure_queue)'
            )
        self.ref = self.ref or self.readme.tag
        super().__post_init__()

    def write_configuration(self) -> dict[str, Any]:
        [stack] = self.stacks
        configuration, replaced = re.subn(
            r'(\bsuffix\s*=\s*)"[^"]*"', lambda m: m[1] + json.dumps(stack.suffix), self.readme.configuration, count=1
        )
        if not replaced:
            raise ReadmeChanged('the README\'s "From git" root sets no suffix = "..."')
        readme = dataclasses.replace(self.readme, configuration=configuration)
        write_json(self.workdir / "versions.tf.json", required_aws_provider())
        (self.workdir / "main.tf").write_text(readme.at(self.published.url, self.ref))  # the README's, as written
        return {}

    def move_to(self, ref: str) -> None:
        """Change the module's ``?ref=`` in the root, as a user upgrading does (then ``terraform init`` and
        ``terraform apply``)."""
        self.ref = ref
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.write_configuration()
