"""Each generated section of a README: its name, and the function that renders it from the code.

A README names its sections with markers; the module the Terraform tables describe is the README's own
folder (the root module for README.md, the example for examples/*/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pipeline_tooling.bench import costs
from pipeline_tooling.harness import capabilities, workarounds
from pipeline_tooling.harness.targets import TITLES

from . import measurements, runtimes, terraform


def workaround_table() -> str:
    lines = ["| Engine | Seen in | Bug | Why it matters | What the harness does |", "|---|---|---|---|---|"]
    lines += [
        f"| {TITLES[bug.engine]} | {bug.versions} | {bug.what} | {bug.why} | {bug.workaround} |"
        for bug in workarounds.KNOWN_BUGS
    ]
    return "\n".join(lines) + "\n"


# Section name -> renderer, given the folder of the README being rendered.
SECTIONS: dict[str, Callable[[Path], str]] = {
    "capabilities": lambda _: capabilities.markdown_table(),
    "workarounds": lambda _: workaround_table(),
    "requirements": terraform.requirements_table,
    "inputs": terraform.inputs_table,
    "outputs": terraform.outputs_table,
    "runtimes": runtimes.runtimes_table,
    "scale-and-cost": lambda _: costs.markdown(),
    "bench": measurements.bench_section,
    "e2e-sessions": measurements.sessions_section,
    "reliability": measurements.reliability_section,
}
MODULE_SECTIONS = frozenset({"requirements", "inputs", "outputs", "runtimes"})  # the module's README
MEASUREMENTS_SECTIONS = frozenset({"bench", "e2e-sessions", "reliability", "scale-and-cost"})  # docs/measurements.md
TOOLING_SECTIONS = frozenset({"capabilities", "workarounds"})  # tooling/README.md; an example's: those it marks

_SECTION = re.compile(
    r"(?P<begin><!-- BEGIN generated: (?P<name>[\w-]+)[^>]*-->\n)"
    r"(?P<body>.*?)"
    r"(?P<end><!-- END generated: (?P=name) -->)",
    re.S,
)


def render(readme: str, module: Path, required: frozenset[str] = frozenset()) -> str:
    """The README with every generated section rewritten; unknown or missing sections are errors."""
    found: set[str] = set()

    def rewrite(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in SECTIONS:
            raise KeyError(f"the README has a generated section {name!r} that docgen does not know")
        found.add(name)
        return match["begin"] + SECTIONS[name](module) + match["end"]

    rendered = _SECTION.sub(rewrite, readme)
    missing = required - found
    if missing:
        raise KeyError(f"the README lacks the generated sections {sorted(missing)} (<!-- BEGIN generated: … -->)")
    return rendered


def stale(readme: str, module: Path) -> list[str]:
    """The sections (of those the README has) whose text differs from what the code renders."""
    return [m["name"] for m in _SECTION.finditer(readme) if m["body"] != SECTIONS[m["name"]](module)]
