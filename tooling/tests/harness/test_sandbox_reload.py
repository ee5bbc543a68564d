"""Hot reload's pieces: what counts as a save, what may be shipped, and shipping it."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from pipeline_tooling import package
from pipeline_tooling.harness.sandbox import reload
from pipeline_tooling.paths import module_root

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

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


def switching_lambda(stub: Stubber, zip_path: Path, *, old_reads: int, new_reads: int = 1) -> str:
    """An engine that answers the update at once but describes the old code ``old_reads`` times, then the new
    (``new_reads`` times), as one slow to switch would (LastUpdateStatus says Successful throughout); the new
    code's SHA-256. The stub fails a call beyond these."""
    code = zip_path.read_bytes()
    stub.add_response("update_function_code", {"CodeSha256": "the-old-code"}, {"FunctionName": "f", "ZipFile": code})
    new_sha = package.sha256_of(code)
    for sha in ["the-old-code"] * old_reads + [new_sha] * new_reads:
        described = {"LastUpdateStatus": "Successful", "State": "Active", "CodeSha256": sha}
        stub.add_response("get_function_configuration", described, {"FunctionName": "f"})
    return new_sha


def lambda_client() -> LambdaClient:
    return boto3.client("lambda", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def test_ship_is_done_only_once_the_function_describes_the_new_code(tmp_path: Path) -> None:
    zip_path = tmp_path / "lambda.zip"
    reload.build_package(ROOT / "lambda", zip_path)
    engine = lambda_client()

    with Stubber(engine) as stub:
        new_sha = switching_lambda(stub, zip_path, old_reads=3)
        shipped = reload.ship(engine, "f", zip_path)

        stub.assert_no_pending_responses()  # four reads: not done on the update's answer, nor on the old code
    assert shipped.sha256 == new_sha


def test_ship_that_never_sees_the_new_code_says_what_the_function_reports(tmp_path: Path) -> None:
    zip_path = tmp_path / "lambda.zip"
    reload.build_package(ROOT / "lambda", zip_path)
    engine = lambda_client()

    with Stubber(engine) as stub:
        switching_lambda(stub, zip_path, old_reads=100, new_reads=0)  # more than 0.3 s of polling reads
        with pytest.raises(reload.ShipFailed) as failed:
            reload.ship(engine, "f", zip_path, timeout=0.3)

    assert str(failed.value).startswith("the code update of f had not finished after 0 s (new code ")
    assert str(failed.value).endswith(
        "the function reports {'LastUpdateStatus': 'Successful', 'State': 'Active', 'CodeSha256': 'the-old-code'})"
    )
