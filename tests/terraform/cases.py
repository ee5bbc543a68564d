"""Plan-time cases whose output a test reads: what `expect_failures` cannot show."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any


def plan_cases(module: Path, cases: dict[str, dict[str, Any]]) -> dict[str, str]:
    """`terraform test` (mock provider) planning each case's variables in a test file of its own, since a
    failed run skips the rest of its file; case -> what Terraform printed for it, on one line.

    For what ``expect_failures`` cannot show: the text of a check's warning or of a precondition's error."""
    folder = module / "build" / "tftest-cases"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, variables in cases.items():
        test = {  # Terraform's JSON syntax of a .tftest.hcl file
            "mock_provider": {"aws": {"source": "./tests/terraform/mocks"}},
            "variables": {"suffix": "dev"},
            "run": {"plan": {"command": "plan", "variables": variables}},
        }
        (folder / f"{name}.tftest.json").write_text(json.dumps(test, indent=2) + "\n")
    try:
        done = subprocess.run(
            ["terraform", "test", "-no-color", f"-test-directory={folder.relative_to(module)}"],
            cwd=module,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # one stream, so each file's errors follow its own lines
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    found: dict[str, str] = {}
    for part in re.split(r"^(?=build/tftest-cases/\S+\.tftest\.json\.\.\. in progress)", done.stdout, flags=re.M):
        case = re.match(r"build/tftest-cases/(\S+)\.tftest\.json", part)
        if case:
            found[case[1]] = " ".join(part.replace("│", " ").split())
    assert sorted(found) == sorted(cases), f"not every case was planned:\n{done.stdout}"
    return found
