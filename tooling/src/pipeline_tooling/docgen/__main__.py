"""``python -m pipeline_tooling.docgen [--check] [README.md ...]``: rewrite the READMEs' generated sections, or
check them.

Without paths: the module's README, the tooling's (``tooling/README.md``), every ``examples/*/README.md`` and
the measurements page (``docs/measurements.md``, its figures rendered from the data the measuring commands
wrote beside it). The Terraform tables of a README describe the module in its own folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline_tooling.module_config import ModuleConfigError
from pipeline_tooling.paths import module_root, module_root_for

from .sections import MEASUREMENTS_SECTIONS, MODULE_SECTIONS, TOOLING_SECTIONS, render, stale


def tooling_readme() -> Path:
    return module_root() / "tooling" / "README.md"


def measurements_page() -> Path:
    return module_root() / "docs" / "measurements.md"


def readmes() -> list[Path]:
    root = module_root()
    return [root / "README.md", tooling_readme(), *sorted(root.glob("examples/*/README.md")), measurements_page()]


def required(readme: Path) -> frozenset[str]:
    """The sections a README must have: the module's tables in the root's, the engines' in the tooling's."""
    module_readme = module_root() / "README.md"
    return {
        module_readme.resolve(): MODULE_SECTIONS,
        tooling_readme().resolve(): TOOLING_SECTIONS,
        measurements_page().resolve(): MEASUREMENTS_SECTIONS,
    }.get(readme.resolve(), frozenset())


def check(readme: Path) -> list[str]:
    """What differs from the code: stale sections, and sections the README should have but lacks."""
    text = readme.read_text()
    missing = sorted(name for name in required(readme) if f"<!-- BEGIN generated: {name}" not in text)
    return stale(text, readme.parent) + [f"{name} (missing)" for name in missing]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline_tooling.docgen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a generated section differs from the code")
    parser.add_argument(
        "readme", nargs="*", type=Path, help="default: README.md, tooling/README.md and examples/*/README.md"
    )
    args = parser.parse_args(argv)
    module_root_for(parser.prog)  # outside a checkout: the reason, not a traceback
    failed = False
    for readme in args.readme or readmes():
        try:
            if args.check:
                outdated = check(readme)
                if outdated:
                    print(
                        f"{readme}: generated sections differ from the code: {', '.join(outdated)}. "
                        "Run `make docs` and commit the result.",
                        file=sys.stderr,
                    )
                    failed = True
                continue
            text = readme.read_text()
            rendered = render(text, readme.parent, required(readme))
        except (KeyError, ModuleConfigError, OSError) as error:
            print(f"{readme}: {error}", file=sys.stderr)
            failed = True
            continue
        if rendered != text:
            readme.write_text(rendered)
            print(f"rewrote the generated sections of {readme}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
