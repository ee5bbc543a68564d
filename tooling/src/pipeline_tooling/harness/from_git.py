"""The module used from git as the README's "From git" says: its root configuration and its commands.

A ``PublishedModule`` is a git repository made of this checkout's files that git tracks or would track (not
the ignored ones: no build/, so no package), as they are in the working tree (an uncommitted change is
tested), tagged with the release the README pins. A ``GitSourcedDeployment`` writes the README's root configuration
with one change, the repository's URL (``file://`` to that repository); before ``terraform init`` it runs the
README's commands, with the same change: the clone of the tag and build.py writing the package into the root.
Terraform then clones the module itself, into ``.terraform/modules/``, which holds no package.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ..paths import module_root
from .stack import Deployment, hcl, required_aws_provider

ROOT_MARKER = "<!-- from-git: root configuration -->"
COMMANDS_MARKER = "<!-- from-git: commands -->"
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
    """The README's "From git" section: the root configuration, the commands, the URL and tag they use."""

    configuration: str
    commands: tuple[str, ...]
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
        if [c for c in commands if c.startswith("terraform")] != ["terraform init", "terraform apply"]:
            raise ReadmeChanged(f'{readme}: the "From git" commands should end in terraform init, terraform apply')
        return cls(configuration, commands, source["url"], source["tag"], module[1])

    def build_commands(self, url: str) -> list[list[str]]:
        """The commands before Terraform's, as argument lists, with the repository at ``url``."""
        return [shlex.split(c.replace(self.url, url)) for c in self.commands if not c.startswith("terraform")]


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


@dataclass
class GitSourcedDeployment(Deployment):
    """The README's "From git" root, deployed with the README's commands (one stack: the module call)."""

    published: PublishedModule
    readme: FromGit

    preparation: ClassVar[str | None] = "the README's clone and build.py"

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
        super().__post_init__()

    def write_configuration(self) -> dict[str, Any]:
        [stack] = self.stacks
        configuration, replaced = re.subn(
            r'(\bsuffix\s*=\s*)"[^"]*"', lambda m: m[1] + hcl(stack.suffix), self.readme.configuration, count=1
        )
        if not replaced:
            raise ReadmeChanged('the README\'s "From git" root sets no suffix = "..."')
        (self.workdir / "main.tf").write_text(
            required_aws_provider() + "\n" + configuration.replace(self.readme.url, self.published.url)
        )
        (self.workdir / "harness_outputs.tf").write_text(
            f'output "{stack.name}" {{\n  value = module.{stack.name}\n}}\n'
        )
        return {}

    def prepare(self) -> None:
        """The README's commands before Terraform's, in the root's folder: the clone, the build."""
        shutil.rmtree(self.workdir / "build", ignore_errors=True)  # what an earlier run of these commands left
        for argv in self.readme.build_commands(self.published.url):
            run(argv, self.workdir, BUILD_TIMEOUT_S if argv[0].startswith("python") else GIT_TIMEOUT_S)
