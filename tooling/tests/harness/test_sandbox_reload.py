"""Hot reload's pieces: what counts as a save, what may be shipped, and shipping it."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_tooling import package
from pipeline_tooling.harness.sandbox import reload
from pipeline_tooling.paths import module_root

ROOT = module_root()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    copy = tmp_path / "lambda"
    shutil.copytree(ROOT / "lambda", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_handler_as_shipped_passes_the_check(source: Path) -> None:
    reload.check_source(source)


def test_a_syntax_error_is_reported_with_its_file_and_line(source: Path) -> None:
    handler = source / "index.py"
    lines = handler.read_text().splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("REQUEST_ID_NAMESPACE = "))
    lines.insert(at, "def broken(:")
    handler.write_text("\n".join(lines) + "\n")

    with pytest.raises(reload.BrokenSource) as raised:
        reload.check_source(source)

    assert raised.value.where == f"{handler}:{at + 1}"
    assert raised.value.reason.startswith("SyntaxError: ")


def test_a_syntax_error_in_a_helper_module_names_that_module(source: Path) -> None:
    (source / "helpers.py").write_text("x = 1\ny = (\n")

    with pytest.raises(reload.BrokenSource) as raised:
        reload.check_source(source)

    assert raised.value.where.startswith(f"{source / 'helpers.py'}:")


def test_an_import_that_fails_is_reported_where_it_fails(source: Path) -> None:
    handler = source / "index.py"
    lines = handler.read_text().splitlines()
    at = lines.index("import boto3")
    lines[at] = "import boto3_that_does_not_exist"
    handler.write_text("\n".join(lines) + "\n")

    with pytest.raises(reload.BrokenSource) as raised:
        reload.check_source(source)

    assert raised.value.where == f"{handler}:{at + 1}"
    assert raised.value.reason == "ModuleNotFoundError: No module named 'boto3_that_does_not_exist'"


def test_a_module_without_the_handler_function_is_refused(source: Path) -> None:
    handler = source / "index.py"
    handler.write_text(handler.read_text().replace("def lambda_handler(", "def renamed_handler("))

    with pytest.raises(reload.BrokenSource) as raised:
        reload.check_source(source)

    assert raised.value.reason == "AttributeError: index.py has no callable lambda_handler"


def test_a_folder_without_index_py_is_refused(tmp_path: Path) -> None:
    (tmp_path / "other.py").write_text("x = 1\n")

    with pytest.raises(reload.BrokenSource, match=r"has no index\.py"):
        reload.check_source(tmp_path)


def test_the_watcher_sees_saves_additions_and_removals_and_ignores_caches(source: Path) -> None:
    watcher = reload.SourceWatcher(source)
    assert watcher.changes() == []

    (source / "index.py").write_text((source / "index.py").read_text() + "\n# saved\n")
    (source / "extra.py").write_text("x = 1\n")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"\0")
    assert watcher.changes() == ["extra.py", "index.py"]
    assert watcher.changes() == []

    (source / "extra.py").unlink()
    assert watcher.changes() == ["extra.py"]


def test_a_package_is_what_build_py_makes_and_its_sha_is_terraforms(source: Path, tmp_path: Path) -> None:
    output = tmp_path / "out" / "lambda.zip"
    sha = reload.build_package(source, output)

    assert sha == package.sha256_of(output.read_bytes())
    assert sha == package.build(tmp_path / "reference.zip", source).sha256
    assert zipfile.ZipFile(output).namelist() == ["index.py"]


@mock_aws
def test_ship_updates_the_code_and_reports_the_new_sha(tmp_path: Path) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lambda_client = boto3.client("lambda", region_name="us-east-1")
    old = io.BytesIO()
    with zipfile.ZipFile(old, "w") as archive:
        archive.writestr("index.py", "def lambda_handler(event, context):\n    return 1\n")
    lambda_client.create_function(
        FunctionName="f",
        Runtime="python3.12",
        Role=role,
        Handler="index.lambda_handler",
        Code={"ZipFile": old.getvalue()},
    )
    new = tmp_path / "lambda.zip"
    sha = reload.build_package(ROOT / "lambda", new)

    shipped = reload.ship(lambda_client, "f", new)

    assert shipped.sha256 == sha
    assert lambda_client.get_function_configuration(FunctionName="f")["CodeSha256"] == sha


class SwitchingLambda:
    """An engine that answers the update at once but describes the old code, then the new, as one slow to
    switch would (LastUpdateStatus says Successful throughout)."""

    def __init__(self, old_reads: int) -> None:
        self.reads = 0
        self.old_reads = old_reads
        self.new_sha = ""

    def update_function_code(self, **kwargs: Any) -> dict[str, Any]:
        self.new_sha = package.sha256_of(kwargs["ZipFile"])
        return {"CodeSha256": "the-old-code"}  # lagging even in its answer

    def get_function_configuration(self, **_: Any) -> dict[str, Any]:
        self.reads += 1
        sha = "the-old-code" if self.reads <= self.old_reads else self.new_sha
        return {"LastUpdateStatus": "Successful", "State": "Active", "CodeSha256": sha}


def test_ship_is_done_only_once_the_function_describes_the_new_code(tmp_path: Path) -> None:
    package = tmp_path / "lambda.zip"
    reload.build_package(ROOT / "lambda", package)
    engine = SwitchingLambda(old_reads=3)

    shipped = reload.ship(engine, "f", package)

    assert engine.reads == 4  # not done on the update's answer, nor while the old code was described
    assert shipped.sha256 == engine.new_sha


def test_ship_that_never_sees_the_new_code_says_what_the_function_reports(tmp_path: Path) -> None:
    package = tmp_path / "lambda.zip"
    reload.build_package(ROOT / "lambda", package)

    with pytest.raises(reload.ShipFailed) as failed:
        reload.ship(SwitchingLambda(old_reads=10**6), "f", package, timeout=0.3)

    assert str(failed.value).startswith("the code update of f had not finished after 0 s (new code ")
    assert str(failed.value).endswith(
        "the function reports {'LastUpdateStatus': 'Successful', 'State': 'Active', 'CodeSha256': 'the-old-code'})"
    )
