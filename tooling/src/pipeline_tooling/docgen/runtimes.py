"""The README's table of Lambda's Python runtimes, from the module's own locals (runtimes.tf) and the ``runtime``
variable's default (variables.tf): the dates, which runtimes are accepted, deprecated, rejected and why.

Which runtimes the table calls deprecated is said as of the day runtimes.tf's table was read
(``local.python_runtimes_read``), not of the day docs are made, so the README does not change with the clock.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pipeline_tooling import module_config

from .terraform import ModuleError

# What a provider older than a runtime's min_aws_provider does with it (its own validation of runtime).
_OLD_PROVIDER = 'refuses it at plan with its own "expected runtime to be one of" error'


def _version(runtime: str) -> tuple[int, ...]:
    found = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    if not found:
        raise ModuleError(f"{runtime!r} in runtimes.tf is not a Python runtime (pythonX.Y)")
    return tuple(int(part) for part in found.groups())


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _provider_note(module: Path, needs: str) -> str | None:
    """What a runtime that needs aws provider ``needs`` says, when versions.tf admits older releases."""
    found = re.search(r">=\s*([0-9.]+)", module_config.provider_constraint(module))
    lowest = _release(found[1]) if found else (0,)
    if lowest >= _release(needs):
        return None
    older = f"{lowest[0]}.x" if found and lowest[0] < _release(needs)[0] else "older releases"
    return f"needs provider {needs} or newer ({older} {_OLD_PROVIDER})"


def _module_column(module: Path, runtime: str, dates: dict[str, str | None], default: str, read: date) -> str:
    if runtime == default:
        says = "**default**"
    elif date.fromisoformat(str(dates["deprecation"])) <= read:  # the check warns from the deprecation day on
        says = "accepted, with a warning at plan time"
    else:
        says = "accepted"
    note = _provider_note(module, str(dates["min_aws_provider"])) if dates.get("min_aws_provider") else None
    return f"{says}; {note}" if note else says


def runtimes_table(module: Path) -> str:
    runtimes: dict[str, dict[str, str | None]] = module_config.local(module, "python_runtimes")
    rejected: dict[str, dict[str, str]] = module_config.local(module, "rejected_python_runtimes")
    read = date.fromisoformat(module_config.local(module, "python_runtimes_read"))
    default = module_config.variable_default(module, "runtime")
    if default not in runtimes:
        raise ModuleError(f"the runtime variable's default {default!r} is not in runtimes.tf's python_runtimes")

    lines = ["| Runtime | Deprecated | Lambda blocks creating | and updating | The module |", "|---|---|---|---|---|"]
    for runtime in sorted(runtimes, key=_version, reverse=True):
        dates = runtimes[runtime]
        lines.append(
            f"| {runtime} | {dates['deprecation']} | {dates['block_create']} | {dates['block_update']} "
            f"| {_module_column(module, runtime, dates, default, read)} |"
        )

    too_old, blocked = rejected["too_old_for_the_handler"], rejected["blocked_by_lambda"]
    if too_old or blocked:
        newest = max([*too_old, *blocked], key=_version)
        reasons = []
        if too_old:
            reasons.append(f"the handler needs Python {module_config.local(module, 'handler_min_python')}")
        if blocked:
            reasons.append(f"Lambda no longer creates {max(blocked, key=_version)} and older")
        deprecated = f"{max(too_old.values())} and before" if too_old else ""
        lines.append(f"| {newest} and older | {deprecated} | | | rejected: {'; '.join(reasons)} |")
    return "\n".join(lines) + "\n"
