"""A missing package fails the plan with the exact command that builds it, and that command does.

The module's own copy at the root is the case here (path.module is "."). A copy that terraform init
downloaded from git carries its committed package (tests/e2e/test_from_git.py).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from tests.terraform.cases import plan_cases


def test_a_missing_package_names_the_command_that_builds_it(initialised_module: Path) -> None:
    missing = "build/message-test/lambda.zip"
    (initialised_module / missing).unlink(missing_ok=True)

    output = plan_cases(initialised_module, {"missing": {"lambda_zip_path": missing}})["missing"]

    assert f"The function package {missing} does not exist." in output, output
    command = re.search(r"Build it with `([^`]+)`", output)
    assert command, output
    assert command[1] == f"python3 ./build.py --output {missing}"
    try:
        subprocess.run(shlex.split(command[1]), cwd=initialised_module, check=True, capture_output=True, timeout=60)
        again = plan_cases(initialised_module, {"built": {"lambda_zip_path": missing}})["built"]
        assert 'run "plan"... pass' in again, again
    finally:
        (initialised_module / missing).unlink(missing_ok=True)
