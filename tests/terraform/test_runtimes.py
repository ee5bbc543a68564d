"""Lambda's runtime table (runtimes.tf) at plan time, against today's date.

Every runtime of the table plans; one past its deprecation date warns (the check runtime_support) with the
dates Lambda blocks creating and updating functions with it, and one before it plans without a warning. The
table and the runtimes variables.tf accepts are the same set. python3.14 is refused by the provider itself
before 6.21.0 (its own runtime list), which is what the README says a 5.x user meets.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.terraform.cases import plan_cases

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(
    r'"(?P<runtime>python[0-9.]+)"\s*=\s*\{\s*deprecation\s*=\s*"(?P<deprecation>[0-9-]+)",\s*'
    r'block_create\s*=\s*"(?P<block_create>[0-9-]+)",\s*block_update\s*=\s*"(?P<block_update>[0-9-]+)"\s*\}'
)
FIRST_PROVIDER_WITH_PYTHON3_14 = (6, 21, 0)


class Dates(NamedTuple):
    deprecation: date
    block_create: date
    block_update: date


def table() -> dict[str, Dates]:
    text = (ROOT / "runtimes.tf").read_text()
    rows = {
        m["runtime"]: Dates(*(date.fromisoformat(m[k]) for k in ("deprecation", "block_create", "block_update")))
        for m in ROW.finditer(text)
    }
    assert len(rows) == text.count('"python3.'), "a row of runtimes.tf's table was not understood"
    return rows


def accepted_by_variables_tf() -> set[str]:
    block = (ROOT / "variables.tf").read_text().split('variable "runtime" {', 1)[1].split("\nvariable ", 1)[0]
    lists = re.findall(r"contains\((\[[^]]*\])", block)  # the runtimes Lambda blocks, then every known one
    blocked, known = (set(re.findall(r'"(python[0-9.]+)"', found)) for found in lists)
    too_old = set(re.findall(r'var\.runtime != "(python[0-9.]+)"', block))
    return known - blocked - too_old


def warning(runtime: str, dates: Dates, today: date) -> str:
    """What the check says of a deprecated runtime on ``today``."""
    blocked = (
        f"Lambda blocks creating functions with it from {dates.block_create} and updating them from "
        f"{dates.block_update}."
        if today < dates.block_create
        else f"Lambda no longer creates functions with it (since {dates.block_create}): a new stack's apply "
        f"fails; an existing function can be updated until {dates.block_update}."
    )
    return (
        f"Lambda deprecated {runtime} on {dates.deprecation}: it gets no more security patches. {blocked} "
        "Move to python3.13 or python3.14."
    )


def provider_version(module: Path) -> tuple[int, ...]:
    lock = (module / ".terraform.lock.hcl").read_text()
    found = re.search(r'provider "registry.terraform.io/hashicorp/aws" \{\s*version\s*=\s*"([0-9.]+)"', lock)
    assert found, "the module's lock file names no aws provider version"
    return tuple(int(part) for part in found[1].split("."))


def test_the_table_holds_exactly_the_runtimes_the_module_accepts() -> None:
    assert set(table()) == accepted_by_variables_tf()
    assert {"python3.13", "python3.14"} <= set(table())


def test_every_runtime_plans_and_warns_once_lambda_has_deprecated_it(initialised_module: Path) -> None:
    today = datetime.now(timezone.utc).date()
    rows = table()
    runtimes = [
        r for r in rows if r != "python3.14" or provider_version(initialised_module) >= FIRST_PROVIDER_WITH_PYTHON3_14
    ]
    outputs = plan_cases(initialised_module, {runtime: {"runtime": runtime} for runtime in runtimes})

    for runtime in runtimes:
        output = outputs[runtime]
        if today < rows[runtime].deprecation:
            assert 'run "plan"... pass' in output, f"{runtime} is not deprecated yet:\n{output}"
        else:
            assert "Check block assertion failed" in output, f"{runtime} is deprecated: a warning\n{output}"
            assert warning(runtime, rows[runtime], today) in output, output
            assert "Invalid value for variable" not in output, output
            assert 'run "plan"... fail' in output, output


def test_python3_14_is_refused_by_a_provider_older_than_6_21(initialised_module: Path) -> None:
    if provider_version(initialised_module) >= FIRST_PROVIDER_WITH_PYTHON3_14:
        pytest.skip("the installed provider accepts python3.14: the test above plans it")
    output = plan_cases(initialised_module, {"python3.14": {"runtime": "python3.14"}})["python3.14"]
    assert "expected runtime to be one of" in output, output
    assert "got python3.14" in output, output
    assert "Invalid value for variable" not in output, "the module's own validation accepts python3.14"


def test_the_warning_names_the_block_dates_before_and_after_they_pass() -> None:
    dates = Dates(date(2025, 12, 15), date(2027, 2, 1), date(2027, 3, 3))
    assert "blocks creating functions with it from 2027-02-01 and updating them from 2027-03-03" in warning(
        "python3.9", dates, date(2026, 12, 1)
    )
    assert "no longer creates functions with it (since 2027-02-01)" in warning("python3.9", dates, date(2027, 2, 1))
