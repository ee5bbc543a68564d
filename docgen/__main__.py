"""``python -m docgen [--check] [README.md]``: rewrite the README's generated sections, or check them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .sections import render, stale

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docgen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a generated section differs from the code")
    parser.add_argument("readme", nargs="?", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    text = args.readme.read_text()
    if args.check:
        outdated = stale(text)
        if outdated:
            print(
                f"{args.readme}: generated sections differ from the code: {', '.join(outdated)}. "
                "Run `make docs` and commit the result.",
                file=sys.stderr,
            )
            return 1
        return 0
    rendered = render(text)
    if rendered != text:
        args.readme.write_text(rendered)
        print(f"rewrote the generated sections of {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
