"""Lambda's runtime table (runtimes.tf) at plan time, against today's date.

Every runtime of the table plans; one past its deprecation date warns (the check runtime_support) with the
dates Lambda blocks creating and updating functions with it, and one before it plans without a warning. The
table and the runtimes the module accepts (variables.tf's validations, planned) are the same set. python3.14 is
refused by the provider itself before 6.21.0 (its own runtime list), which is what the README says a 5.x user meets.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path
from typing import NamedTuple

import pytest
from pipeline_tooling import module_config

from tests.terraform.cases import plan_cases

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = "python3.15"  # in Lambda's table without dates yet: neither accepted nor rejected by name


class Dates(NamedTuple):
    deprecation: date
    block_create: date
    block_update: date


def table() -> dict[str, Dates]:
    """runtimes.tf's local.python_runtimes: runtime -> its dates."""
    rows: dict[str, dict[str, str]] = module_config.local(ROOT, "python_runtimes")
    return {
        runtime: Dates(*(date.fromisoformat(dates[k]) for k in ("deprecation", "block_create", "block_update")))
        for runtime, dates in rows.items()
    }


def rejected() -> set[str]:
    """runtimes.tf's local.rejected_python_runtimes: every runtime named there, whatever the reason."""
    groups: dict[str, dict[str, str]] = module_config.local(ROOT, "rejected_python_runtimes")
    return {runtime for group in groups.values() for runtime in group}


def first_provider_with(runtime: str) -> tuple[int, ...]:
    """The first hashicorp/aws release that knows ``runtime``, as runtimes.tf says (none: every admitted one)."""
    needs = module_config.local(ROOT, "python_runtimes")[runtime]["min_aws_provider"]
    return tuple(int(part) for part in needs.split(".")) if needs else (0,)


@pytest.fixture(scope="module")
def planned(initialised_module: Path) -> dict[str, str]:
    """Every runtime runtimes.tf names, and one it does not, planned once: runtime -> what Terraform printed."""
    runtimes = sorted(set(table()) | rejected() | {UNKNOWN})
    return plan_cases(initialised_module, {runtime: {"runtime": runtime} for runtime in runtimes})


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


def test_the_table_holds_exactly_the_runtimes_the_module_accepts(planned: dict[str, str]) -> None:
    accepted = {runtime for runtime, output in planned.items() if "Invalid value for variable" not in output}
    assert accepted == set(table())
    assert {"python3.13", "python3.14"} <= set(table())
    assert not set(table()) & rejected()


def test_the_messages_advise_the_default_runtime_first() -> None:
    """The validations say "Use <first advised> (the default)": variables.tf's default must be that one."""
    advised = module_config.local(ROOT, "advised_python_runtimes")
    assert advised[0] == module_config.variable_default(ROOT, "runtime")
    assert set(advised) <= set(table())


def test_every_runtime_plans_and_warns_once_lambda_has_deprecated_it(
    initialised_module: Path, planned: dict[str, str]
) -> None:
    today = datetime.now(timezone.utc).date()
    rows = table()
    runtimes = [r for r in rows if provider_version(initialised_module) >= first_provider_with(r)]

    for runtime in runtimes:
        output = planned[runtime]
        if today < rows[runtime].deprecation:
            assert 'run "plan"... pass' in output, f"{runtime} is not deprecated yet:\n{output}"
        else:
            assert "Check block assertion failed" in output, f"{runtime} is deprecated: a warning\n{output}"
            assert warning(runtime, rows[runtime], today) in output, output
            assert "Invalid value for variable" not in output, output
            assert 'run "plan"... fail' in output, output


def test_python3_14_is_refused_by_a_provider_older_than_6_21(initialised_module: Path, planned: dict[str, str]) -> None:
    assert first_provider_with("python3.14") == (6, 21, 0)
    if provider_version(initialised_module) >= first_provider_with("python3.14"):
        pytest.skip("the installed provider accepts python3.14: the test above plans it")
    output = planned["python3.14"]
    assert "expected runtime to be one of" in output, output
    assert "got python3.14" in output, output
    assert "Invalid value for variable" not in output, "the module's own validation accepts python3.14"


def test_the_warning_names_the_block_dates_before_and_after_they_pass() -> None:
    dates = Dates(date(2025, 12, 15), date(2027, 2, 1), date(2027, 3, 3))
    assert "blocks creating functions with it from 2027-02-01 and updating them from 2027-03-03" in warning(
        "python3.9", dates, date(2026, 12, 1)
    )
    assert "no longer creates functions with it (since 2027-02-01)" in warning("python3.9", dates, date(2027, 2, 1))
