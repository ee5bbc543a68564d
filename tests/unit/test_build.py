"""build.py: reproducible zips, the handler at the root, clear failures, and the check of the committed package."""

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
            assert info.compress_type == zipfile.ZIP_STORED  # no zlib: the same bytes on every machine
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


def check(source: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--check", "--source", str(source), "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_check_passes_an_up_to_date_package_and_writes_nothing(source, tmp_path):
    output = tmp_path / "dist" / "lambda.zip"
    data = build.build_zip(source, output)

    run = check(source, output)

    assert (run.returncode, run.stdout, run.stderr) == (0, f"up to date: {output}\n", "")
    assert output.read_bytes() == data
    assert sorted(p.name for p in output.parent.iterdir()) == ["lambda.zip"]


def test_the_check_names_the_file_the_entries_and_the_command_that_refreshes_it(source, tmp_path):
    output = tmp_path / "dist" / "lambda.zip"
    stale = build.build_zip(source, output)
    (source / "index.py").write_text("def lambda_handler(event, context):\n    return 'changed'\n")
    (source / "pkg" / "new.py").write_text("Y = 2\n")

    run = check(source, output)

    assert run.returncode == 1
    assert run.stderr == (
        f"build.py: {output} is not what build.py makes from {source} (entries that differ: index.py, pkg/new.py). "
        f"Refresh it with `python3 build.py --source {source} --output {output}` (or `make build`) and commit it.\n"
    )
    assert output.read_bytes() == stale  # the check writes nothing


def test_the_check_of_a_missing_or_unreadable_package(source, tmp_path):
    missing = tmp_path / "nothing.zip"
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip")

    assert build.drift(source, missing) == f"{missing} does not exist"
    assert build.drift(source, garbage) == f"{garbage} is not a readable zip"
    assert check(source, missing).returncode == 1


def test_the_check_tells_a_zip_with_the_same_entries_but_other_bytes(source, tmp_path):
    output = tmp_path / "lambda.zip"
    build.build_zip(source, output)
    with zipfile.ZipFile(output, "a") as archive:
        archive.comment = b"written by another tool"

    assert build.drift(source, output) == (
        f"{output} is not what build.py makes from {source} (same entries, other bytes (another zip writer))"
    )


def test_the_default_output_is_the_committed_package():
    assert build.DEFAULT_OUTPUT == ROOT / "dist" / "lambda.zip"
    assert build.DEFAULT_SOURCE == ROOT / "lambda"


def pythons() -> list[str]:
    """Every CPython from 3.8 on that pyenv has here (the machines have 3.8 to 3.13)."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    return sorted(str(p) for p in root.glob("3.*/bin/python3") if int(p.parent.parent.name.split(".")[1]) >= 8)


def test_every_python_makes_the_same_bytes(source, tmp_path):
    """Stored entries: the zip does not depend on the Python (or the zlib) that builds it."""
    found = pythons()
    assert len(found) >= 2, f"no other Python to compare with under pyenv: {found}"
    expected = build.zip_bytes(source)
    for python in found:
        output = tmp_path / f"{Path(python).parent.parent.name}.zip"
        subprocess.run(
            [python, str(ROOT / "build.py"), "--source", str(source), "--output", str(output)],
            check=True,
            capture_output=True,
            timeout=60,
        )
        assert output.read_bytes() == expected, python
