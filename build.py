#!/usr/bin/env python3
"""Package the Lambda handler (``lambda/``) into a reproducible zip: the module's committed ``dist/lambda.zip``.

The same source always gives the same bytes, on any machine: entries sorted, timestamps and
permissions fixed, caches left out, and every entry *stored*, not compressed (deflate's output
depends on the zlib build, which differs between machines; the handler is a few kilobytes).
Terraform's ``source_code_hash`` therefore only changes when the code does, and a second plan
shows no change.

    python build.py [--source lambda] [--output dist/lambda.zip]   write the zip
    python build.py --check [--source lambda] [--output dist/lambda.zip]

The first prints the zip's path and its base64 SHA-256 (the value Terraform compares). ``--check``
writes nothing: it fails (exit 1), naming the file, the entries that differ and the command that
refreshes it, when the zip at ``--output`` is not byte for byte what the source makes.
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
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent
DEFAULT_SOURCE = ROOT / "lambda"
DEFAULT_OUTPUT = ROOT / "dist" / "lambda.zip"  # committed: the package a release carries

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


def zip_bytes(source: Path) -> bytes:
    """The zip of ``source``'s files, as bytes."""
    files = package_files(source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for relative in files:
            info = zipfile.ZipInfo(relative.as_posix(), date_time=FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED  # no zlib: the same bytes whatever zlib a machine has
            info.external_attr = FILE_MODE << 16
            info.create_system = 3  # Unix, so the mode above is honoured everywhere
            archive.writestr(info, (source / relative).read_bytes())
    return buffer.getvalue()


def build_zip(source: Path, output: Path) -> bytes:
    """Write the zip to ``output`` and return its bytes."""
    data = zip_bytes(source)
    output.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file of its own (two builds may run at once), then an atomic rename: a reader never
    # sees half a zip.
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


def _entries(data: bytes) -> Dict[str, Tuple[object, ...]]:
    """Each entry of a zip by name: what it holds and how it is stored; a zip that cannot be read has none."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {
                i.filename: (archive.read(i), i.date_time, i.external_attr, i.compress_type) for i in archive.infolist()
            }
    except zipfile.BadZipFile:
        return {}


def drift(source: Path, package: Path) -> Optional[str]:
    """None when ``package`` is byte for byte the zip of ``source``; otherwise what differs, in words."""
    if not package.is_file():
        return f"{package} does not exist"
    committed, fresh = package.read_bytes(), zip_bytes(source)
    if committed == fresh:
        return None
    old, new = _entries(committed), _entries(fresh)
    if not old:
        return f"{package} is not a readable zip"
    changed = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    what = f"entries that differ: {', '.join(changed)}" if changed else "same entries, other bytes (another zip writer)"
    return f"{package} is not what build.py makes from {source} ({what})"


def base64_sha256(data: bytes) -> str:
    """What Terraform's filebase64sha256() gives for the same bytes."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Lambda handler zip reproducibly, or check it.")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="handler folder (default: lambda/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="zip to write (default: dist/lambda.zip)")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; fail if the zip at --output differs from a fresh build"
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            found = drift(args.source, args.output)
            if found is not None:
                again = "" if args.output == DEFAULT_OUTPUT else f" --output {args.output}"
                source = "" if args.source == DEFAULT_SOURCE else f" --source {args.source}"
                print(
                    f"build.py: {found}. Refresh it with `python3 build.py{source}{again}` (or `make build`) "
                    "and commit it.",
                    file=sys.stderr,
                )
                return 1
            print(f"up to date: {args.output}")
            return 0
        data = build_zip(args.source, args.output)
    except (BuildError, OSError) as error:
        print(f"build.py: error: {error}", file=sys.stderr)
        return 1
    print(f"path: {args.output}")
    print(f"base64sha256: {base64_sha256(data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
