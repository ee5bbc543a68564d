"""The README's generated sections: rewritten from the code, and a drift is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.__main__ import main
from docgen.sections import SECTIONS, render, stale
from harness import capabilities

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_readme_is_up_to_date():
    assert stale((ROOT / "README.md").read_text()) == []


def test_a_changed_capability_row_is_caught_and_rewritten(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text())
    monkeypatch.setitem(capabilities.SUPPORT, capabilities.Capability.IAM_ENFORCEMENT, {"ministack": "yes"})

    assert main(["--check", str(readme)]) == 1
    assert stale(readme.read_text()) == ["capabilities"]
    assert main([str(readme)]) == 0
    assert stale(readme.read_text()) == []
    assert "| IAM enforcement of the function's execution role | no | yes |" in readme.read_text()


def test_a_readme_without_a_section_is_an_error():
    with pytest.raises(KeyError, match="lacks the generated sections"):
        render("no markers at all\n")


def test_every_section_renders_a_markdown_table():
    for name, make in SECTIONS.items():
        assert make().startswith("| "), name
