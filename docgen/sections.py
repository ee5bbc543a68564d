"""Each generated section of the README: its name, and the function that renders it from the code."""

from __future__ import annotations

import re
from collections.abc import Callable

from harness import capabilities, workarounds
from harness.targets import TITLES


def workaround_table() -> str:
    lines = ["| Engine | Seen in | Bug | Why it matters | What the harness does |", "|---|---|---|---|---|"]
    lines += [
        f"| {TITLES[bug.engine]} | {bug.versions} | {bug.what} | {bug.why} | {bug.workaround} |"
        for bug in workarounds.KNOWN_BUGS
    ]
    return "\n".join(lines) + "\n"


SECTIONS: dict[str, Callable[[], str]] = {
    "capabilities": capabilities.markdown_table,
    "workarounds": workaround_table,
}

_SECTION = re.compile(
    r"(?P<begin><!-- BEGIN generated: (?P<name>[\w-]+)[^>]*-->\n)"
    r"(?P<body>.*?)"
    r"(?P<end><!-- END generated: (?P=name) -->)",
    re.S,
)


def render(readme: str) -> str:
    """The README with every generated section rewritten; unknown or missing sections are errors."""
    found: set[str] = set()

    def rewrite(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in SECTIONS:
            raise KeyError(f"the README has a generated section {name!r} that docgen does not know")
        found.add(name)
        return match["begin"] + SECTIONS[name]() + match["end"]

    rendered = _SECTION.sub(rewrite, readme)
    missing = set(SECTIONS) - found
    if missing:
        raise KeyError(f"the README lacks the generated sections {sorted(missing)} (<!-- BEGIN generated: … -->)")
    return rendered


def stale(readme: str) -> list[str]:
    """The sections whose text differs from what the code renders."""
    current = {m["name"]: m["body"] for m in _SECTION.finditer(readme)}
    return [name for name, make in SECTIONS.items() if current.get(name) != make()]
