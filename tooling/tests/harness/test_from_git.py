"""The README's "From git" section as the harness reads it, and the repository it publishes the module as."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pipeline_tooling.harness.from_git import GIT_IDENTITY, GIT_TIMEOUT_S, FromGit, PublishedModule, ReadmeChanged, run
from pipeline_tooling.paths import module_root

ROOT = module_root()


def test_the_readmes_section_names_the_module_its_tag_and_its_commands() -> None:
    section = FromGit.read()

    assert section.module_name == "s3_object_logger"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", section.tag)
    assert section.url.startswith("https://")
    assert section.commands[-2:] == ("terraform init", "terraform apply")
    clone, build = section.build_commands("file:///tmp/published")
    assert clone[:2] == ["git", "clone"]
    assert "file:///tmp/published" in clone
    assert section.url not in " ".join(clone)
    assert build == ["python3", "build/s3-object-logger/build.py", "--output", "build/lambda.zip"]


def test_the_readme_pins_the_changelogs_newest_release() -> None:
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert releases, "CHANGELOG.md records no release"
    assert FromGit.read().tag == f"v{releases[0]}"


def test_a_readme_without_the_section_is_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text('# A module\n\n```hcl\nmodule "x" {}\n```\n')
    with pytest.raises(ReadmeChanged, match="no ```hcl block after <!-- from-git: root configuration -->"):
        FromGit.read(readme)


def test_a_readme_whose_commands_do_not_end_in_init_and_apply_is_an_error(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text().replace("terraform init\nterraform apply\n", "terraform apply\n", 1)
    (tmp_path / "README.md").write_text(text)
    with pytest.raises(ReadmeChanged, match="should end in terraform init, terraform apply"):
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
