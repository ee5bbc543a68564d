"""The README's "From git" section as the e2e suite reads it, and the repository it publishes the module as.
(No engine: these run first in every e2e session.)"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from pipeline_tooling.paths import module_root

from tests.e2e.from_git import GIT_IDENTITY, GIT_TIMEOUT_S, FromGit, PublishedModule, ReadmeChanged, run

ROOT = module_root()


def test_the_readmes_section_names_the_module_and_its_tag_and_needs_only_terraform() -> None:
    section = FromGit.read()

    assert section.module_name == "s3_object_logger"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", section.tag)
    assert section.url.startswith("https://")
    assert "lambda_zip_path" not in section.configuration  # the release carries its package
    moved = section.at("file:///tmp/published", "v9.9.9")
    assert 'source = "git::file:///tmp/published?ref=v9.9.9"' in moved
    assert section.url not in moved


def test_the_readme_pins_the_changelogs_newest_release() -> None:
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert releases, "CHANGELOG.md records no release"
    assert FromGit.read().tag == f"v{releases[0]}"


def test_a_readme_without_the_section_is_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text('# A module\n\n```hcl\nmodule "x" {}\n```\n')
    with pytest.raises(ReadmeChanged, match="no ```hcl block after <!-- from-git: root configuration -->"):
        FromGit.read(readme)


@pytest.mark.parametrize(
    "commands",
    ["terraform apply\n", "python3 build.py\nterraform init\nterraform apply\n", "terraform init\n"],
)
def test_a_readme_whose_commands_are_not_terraform_init_and_apply_alone_is_an_error(
    tmp_path: Path, commands: str
) -> None:
    text = (ROOT / "README.md").read_text()
    assert text.count("terraform init\nterraform apply\n```") == 1
    (tmp_path / "README.md").write_text(text.replace("terraform init\nterraform apply\n```", commands + "```", 1))
    with pytest.raises(ReadmeChanged, match="should be terraform init then terraform apply, nothing else"):
        FromGit.read(tmp_path / "README.md")


def test_a_readme_whose_root_does_not_expose_the_modules_outputs_is_an_error(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text()
    exposed = re.search(r'\noutput "s3_object_logger" \{.*?\n\}\n', text, re.S)
    assert exposed, "the README's root exposes the module's outputs"
    (tmp_path / "README.md").write_text(text.replace(exposed[0], "\n", 1))
    with pytest.raises(ReadmeChanged, match=r'should expose the module\'s outputs: output "s3_object_logger"'):
        FromGit.read(tmp_path / "README.md")


def git(cwd: Path, *args: str) -> str:
    return run(["git", *args], cwd, GIT_TIMEOUT_S, GIT_IDENTITY)


def test_the_published_module_holds_the_files_git_would_push_as_the_working_tree_has_them(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "lambda").mkdir(parents=True)
    (source / "main.tf").write_text("committed\n")
    (source / "lambda" / "index.py").write_text("handler\n")
    (source / "gone.tf").write_text("deleted later\n")
    git(source, "init", "--quiet")
    git(source, "add", "--all")
    git(source, "commit", "--quiet", "-m", "first")
    (source / "main.tf").write_text("changed, not committed\n")
    (source / "gone.tf").unlink()
    (source / "new.tf").write_text("not added yet\n")
    (source / ".gitignore").write_text("build/\n")
    (source / "build").mkdir()
    (source / "build" / "lambda.zip").write_bytes(b"ignored")

    published = PublishedModule.publish(tmp_path / "published", "v9.9.9", source)

    files = sorted(p.relative_to(published.path).as_posix() for p in published.path.rglob("*") if ".git" not in p.parts)
    assert files == [".gitignore", "lambda", "lambda/index.py", "main.tf", "new.tf"]
    assert (published.path / "main.tf").read_text() == "changed, not committed\n"
    assert git(published.path, "tag", "--list").split() == ["v9.9.9"]
    assert git(published.path, "status", "--porcelain") == ""
    assert published.url == (tmp_path / "published").resolve().as_uri()


def test_a_release_refreshes_the_committed_package_and_is_tagged(tmp_path: Path) -> None:
    """A later release of the published module: the handler changed, build.py run, committed, tagged."""
    published = PublishedModule.publish(tmp_path / "published", "v9.9.9")
    first = (published.path / "dist" / "lambda.zip").read_bytes()

    def change(path: Path) -> None:
        handler = path / "lambda" / "index.py"
        handler.write_text(handler.read_text() + "\n# the next release\n")

    later = published.release("v9.9.10", change)

    assert later == PublishedModule(published.path, "v9.9.10")
    assert git(published.path, "tag", "--list").split() == ["v9.9.10", "v9.9.9"]
    assert git(published.path, "status", "--porcelain") == ""
    package = (published.path / "dist" / "lambda.zip").read_bytes()
    assert package != first
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.read("index.py").endswith(b"\n# the next release\n")
    blobs = [git(published.path, "rev-parse", f"{tag}:dist/lambda.zip") for tag in ("v9.9.9", "v9.9.10")]
    assert blobs[0] != blobs[1]  # each tag carries its own package
