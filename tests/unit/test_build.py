"""build.py: reproducible zips, the handler at the root, clear failures."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.unit.loaded import build

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "src"
    (folder / "pkg").mkdir(parents=True)
    (folder / "index.py").write_text("def lambda_handler(event, context):\n    return event\n")
    (folder / "pkg" / "helper.py").write_text("X = 1\n")
    return folder


def test_two_builds_are_byte_identical(source, tmp_path):
    first = build.build_zip(source, tmp_path / "a.zip")
    os.utime(source / "index.py", (0, 2_000_000_000))  # touching the source changes nothing
    (source / "pkg" / "helper.py").chmod(0o755)
    second = build.build_zip(source, tmp_path / "b.zip")

    assert first == second


def test_content_change_changes_the_zip(source, tmp_path):
    first = build.build_zip(source, tmp_path / "a.zip")
    (source / "index.py").write_text("def lambda_handler(event, context):\n    return None\n")

    assert build.build_zip(source, tmp_path / "b.zip") != first


def test_entries_are_sorted_fixed_and_handler_at_root(source, tmp_path):
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"\0")
    (source / "stale.pyc").write_bytes(b"\0")

    build.build_zip(source, tmp_path / "out.zip")

    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["index.py", "pkg/helper.py"]
        for info in infos:
            assert info.date_time == build.FIXED_DATE_TIME
            assert stat.S_IMODE(info.external_attr >> 16) == 0o644
            assert info.compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("index.py") == (source / "index.py").read_bytes()


def test_real_handler_package(tmp_path):
    data = build.build_zip(build.DEFAULT_SOURCE, tmp_path / "lambda.zip")

    with zipfile.ZipFile(tmp_path / "lambda.zip") as archive:
        assert archive.namelist() == ["index.py"]
    assert data == (tmp_path / "lambda.zip").read_bytes()


def test_the_hash_is_terraforms_filebase64sha256():
    # SHA-256 of "abc" (FIPS 180-2's test vector), base64 as filebase64sha256 prints it.
    assert build.base64_sha256(b"abc") == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="


def test_cli_prints_path_and_terraform_hash(source, tmp_path):
    output = tmp_path / "nested" / "dir" / "fn.zip"
    run = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--source", str(source), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [f"path: {output}", f"base64sha256: {build.base64_sha256(output.read_bytes())}"]


def test_cli_fails_clearly_on_missing_source(tmp_path):
    output = tmp_path / "fn.zip"
    run = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--source", str(tmp_path / "nope"), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 1
    assert "handler source folder not found" in run.stderr
    assert not output.exists()


def test_source_without_handler_is_refused(source, tmp_path):
    (source / "index.py").unlink()

    with pytest.raises(build.BuildError, match=r"no index\.py"):
        build.build_zip(source, tmp_path / "fn.zip")
    assert not (tmp_path / "fn.zip").exists()


def test_failed_build_keeps_the_previous_zip(source, tmp_path):
    output = tmp_path / "fn.zip"
    good = build.build_zip(source, output)
    (source / "index.py").unlink()

    with pytest.raises(build.BuildError):
        build.build_zip(source, output)
    assert output.read_bytes() == good


def test_a_build_writes_through_a_temporary_file_of_its_own(source, tmp_path):
    """Two builds at once (make test's two e2e sessions) must not share one: neither may take the other's."""
    output = tmp_path / "out.zip"
    others = tmp_path / "out.zip.tmp"
    others.write_bytes(b"another build's half-written zip")

    data = build.build_zip(source, output)

    assert output.read_bytes() == data
    assert others.read_bytes() == b"another build's half-written zip"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.zip", "out.zip.tmp", "src"]
