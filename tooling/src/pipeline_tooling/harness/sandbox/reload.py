"""Hot reload: notice a save under the handler's folder, check it imports, ship it with UpdateFunctionCode.

No Terraform on this path: the package is rebuilt with build.py and handed to the engine
directly, so the next event runs the new code within a second of the save. A save that does
not compile or import is reported with its file and line, and the function keeps the code
it has.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from ... import package
from ..polling import DeadlineExceeded, wait_until

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import FunctionConfigurationResponseTypeDef

# Imports the handler as Lambda would (module ``index``, attribute ``lambda_handler``) with
# the source folder first on the path, and prints nothing on success.
IMPORT_CHECK = """\
import sys, traceback
sys.path.insert(0, sys.argv[1])
try:
    import index
    handler = getattr(index, "lambda_handler", None)
    if not callable(handler):
        raise AttributeError("index.py has no callable lambda_handler")
except BaseException as error:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(sys.argv[1])]
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "index.py"
    print(f"{where}: {type(error).__name__}: {error}")
    sys.exit(1)
"""
IMPORT_CHECK_SECONDS = 30.0


class BrokenSource(Exception):
    """The source cannot be deployed: ``where`` is file:line, ``reason`` what is wrong there."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})


def source_files(source: Path) -> list[Path]:
    """The folder's files, relative to it, in a stable order: all but caches (build.py decides what ships)."""
    if not source.is_dir():
        return []
    found = (path.relative_to(source) for path in source.rglob("*") if path.is_file() and path.suffix != ".pyc")
    return sorted(
        (relative for relative in found if not CACHE_DIRS.intersection(relative.parts[:-1])),
        key=lambda relative: relative.as_posix(),
    )


def fingerprint(source: Path) -> dict[str, tuple[int, int]]:
    """What a save changes: every source file's modification time and size."""
    found: dict[str, tuple[int, int]] = {}
    for relative in source_files(source):
        try:
            status = (source / relative).stat()
        except OSError:  # removed between the listing and now: the next look sees it gone
            continue
        found[relative.as_posix()] = (status.st_mtime_ns, status.st_size)
    return found


class SourceWatcher:
    """Polls the folder; ``changes()`` names the files saved, added or removed since the last call."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._seen = fingerprint(source)

    def changes(self) -> list[str]:
        now = fingerprint(self.source)
        changed = sorted(name for name in now.keys() | self._seen.keys() if now.get(name) != self._seen.get(name))
        self._seen = now
        return changed


def last_saved(source: Path, names: list[str]) -> float:
    """When the newest of ``names`` was saved (wall clock), for the save-to-update figure."""
    times = [(source / name).stat().st_mtime for name in names if (source / name).exists()]
    return max(times, default=time.time())


def check_source(source: Path, python: str = sys.executable) -> None:
    """Raise BrokenSource unless every .py file compiles and ``index.lambda_handler`` imports.

    Compiling here gives the file and line of a syntax error at once; the import runs in a
    child interpreter (with dummy credentials and an endpoint that answers nothing, in case
    the module calls out) so a bad import cannot touch this process.
    """
    if not source.is_dir():
        raise BrokenSource(str(source), "no such folder: it should hold the handler, index.py")
    files = source_files(source)
    if Path("index.py") not in files:
        raise BrokenSource(str(source), f"{source} has no index.py: the function's handler is index.lambda_handler")
    for relative in files:
        if relative.suffix != ".py":
            continue
        path = source / relative
        try:
            compile(path.read_bytes(), str(path), "exec")
        except SyntaxError as error:
            raise BrokenSource(f"{path}:{error.lineno}", f"{type(error).__name__}: {error.msg}") from None
        except ValueError as error:  # e.g. null bytes
            raise BrokenSource(str(path), str(error)) from None
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "import-check",
        "AWS_SECRET_ACCESS_KEY": "import-check",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    try:
        result = subprocess.run(
            [python, "-c", IMPORT_CHECK, str(source.resolve()) + os.sep],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=IMPORT_CHECK_SECONDS,
            cwd=source,
        )
    except subprocess.TimeoutExpired:
        raise BrokenSource(str(source / "index.py"), f"importing it took over {IMPORT_CHECK_SECONDS:.0f} s") from None
    if result.returncode != 0:
        said = (result.stdout.strip() or result.stderr.strip() or "import failed").splitlines()[-1]
        where, _, reason = said.partition(": ")
        raise BrokenSource(where, reason or said)


class ShipFailed(RuntimeError):
    """The engine took the new code but did not finish updating the function with it."""


@dataclass(frozen=True)
class Shipped:
    sha256: str  # base64, as Lambda's CodeSha256 and Terraform's source_code_hash spell it
    seconds: float  # UpdateFunctionCode until the function reports the update done


def build_package(source: Path, output: Path) -> str:
    """Build the zip with build.py; its base64 SHA-256."""
    return package.build(output, source).sha256


def ship(lambda_client: LambdaClient, function: str, package_path: Path, *, timeout: float = 30.0) -> Shipped:
    """UpdateFunctionCode with the zip's bytes, then wait until the function says it runs that code.

    Done means all three, as GetFunctionConfiguration reports them: the update is no longer in progress,
    the function is Active, and its CodeSha256 is the new package's (an engine may answer the update's
    200 and still describe, and run, the old code for a while)."""
    started = time.monotonic()
    code = package_path.read_bytes()
    sha = package.sha256_of(code)  # the package's own: an engine that lags may answer with the old one
    lambda_client.update_function_code(FunctionName=function, ZipFile=code)

    def settled(configuration: FunctionConfigurationResponseTypeDef) -> bool:
        if configuration.get("LastUpdateStatus", "Successful") == "Failed":
            return True  # said below
        status = str(configuration.get("LastUpdateStatus", "Successful"))
        state = str(configuration.get("State", "Active"))
        code = str(configuration.get("CodeSha256", sha))
        return (status, state, code) == ("Successful", "Active", sha)

    try:
        configuration = wait_until(
            lambda: lambda_client.get_function_configuration(FunctionName=function),
            settled,
            timeout=timeout,
            what=f"the code update of {function} to finish",
            interval=0.02,
            max_interval=0.25,
        )
    except DeadlineExceeded as timed_out:
        try:
            last = lambda_client.get_function_configuration(FunctionName=function)
        except (ClientError, BotoCoreError) as error:
            raise ShipFailed(f"the code update of {function} had not finished, and the engine: {error}") from timed_out
        seen = {k: last.get(k) for k in ("LastUpdateStatus", "State", "CodeSha256")}
        raise ShipFailed(
            f"the code update of {function} had not finished after {timeout:.0f} s (new code {sha}; the function "
            f"reports {seen})"
        ) from None
    if configuration.get("LastUpdateStatus", "Successful") == "Failed":
        reason = configuration.get("LastUpdateStatusReason", "no reason given")
        raise ShipFailed(f"the engine refused the new code of {function}: {reason}")
    return Shipped(sha, time.monotonic() - started)
