#!/usr/bin/env python3
"""Package the Lambda handler (``lambda/``) into a reproducible zip.

The same source always gives the same bytes: entries sorted, timestamps and
permissions fixed, caches left out. Terraform's ``source_code_hash`` therefore
only changes when the code does, and a second plan shows no change.

    python build.py [--source lambda] [--output build/lambda.zip]

Prints the zip's path and its base64 SHA-256 (the value Terraform compares).
Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Iterator, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent
DEFAULT_SOURCE = ROOT / "lambda"
DEFAULT_OUTPUT = ROOT / "build" / "lambda.zip"

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold
FILE_MODE = 0o100644  # regular file, rw-r--r--
EXCLUDED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache"})
EXCLUDED_SUFFIXES = (".pyc", ".pyo")


class BuildError(Exception):
    """The package cannot be built; the message says why."""


def package_files(source: Path) -> List[Path]:
    """Files to package, relative to ``source``, in a stable order."""
    if not source.is_dir():
        raise BuildError(f"handler source folder not found: {source}")

    def walk(folder: Path) -> Iterator[Path]:
        for path in folder.iterdir():
            if path.is_dir():
                if path.name not in EXCLUDED_DIRS:
                    yield from walk(path)
            elif path.is_file() and not path.name.endswith(EXCLUDED_SUFFIXES):
                yield path.relative_to(source)

    files = sorted(walk(source), key=lambda p: p.as_posix())
    if not any(p.as_posix() == "index.py" for p in files):
        raise BuildError(f"{source} has no index.py: the function's handler is index.lambda_handler")
    return files


def build_zip(source: Path, output: Path) -> bytes:
    """Write the zip to ``output`` and return its bytes."""
    files = package_files(source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for relative in files:
            info = zipfile.ZipInfo(relative.as_posix(), date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # Unix, so the mode above is honoured everywhere
            archive.writestr(info, (source / relative).read_bytes(), compresslevel=9)
    data = buffer.getvalue()
    output.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file of its own (two builds may run at once, as make test's two e2e sessions do),
    # then an atomic rename: a reader never sees half a zip.
    handle, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return data


def base64_sha256(data: bytes) -> str:
    """What Terraform's filebase64sha256() gives for the same bytes."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Lambda handler zip reproducibly.")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="handler folder (default: lambda/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="zip to write (default: build/lambda.zip)")
    args = parser.parse_args(argv)
    try:
        data = build_zip(args.source, args.output)
    except (BuildError, OSError) as error:
        print(f"build.py: error: {error}", file=sys.stderr)
        return 1
    print(f"path: {args.output}")
    print(f"base64sha256: {base64_sha256(data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
