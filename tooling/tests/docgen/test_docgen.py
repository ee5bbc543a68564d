"""The READMEs' generated sections: rewritten from the code, and a drift is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline_tooling.docgen.__main__ import check, main, readmes
from pipeline_tooling.docgen.runtimes import runtimes_table
from pipeline_tooling.docgen.sections import MEASUREMENTS_SECTIONS, MODULE_SECTIONS, SECTIONS, render, stale
from pipeline_tooling.docgen.terraform import ModuleError, inputs_table, variables
from pipeline_tooling.harness import capabilities
from pipeline_tooling.paths import module_root

ROOT = module_root()


@pytest.fixture
def module_copy(tmp_path: Path) -> Path:
    """The root module's .tf files and README, somewhere they can be changed."""
    for path in ROOT.glob("*.tf"):
        shutil.copy(path, tmp_path)
    shutil.copy(ROOT / "README.md", tmp_path)
    return tmp_path


def test_every_committed_readme_is_up_to_date():
    assert [(readme.relative_to(ROOT).as_posix(), check(readme)) for readme in readmes()] == [
        (readme.relative_to(ROOT).as_posix(), []) for readme in readmes()
    ]


def test_a_changed_variable_description_makes_the_check_fail_and_docs_rewrites_it(module_copy, capsys):
    variables_tf = module_copy / "variables.tf"
    old = '"Timeout of the function in seconds (1 to 900)."'
    assert old in variables_tf.read_text()
    variables_tf.write_text(variables_tf.read_text().replace(old, '"Seconds | before the function is stopped."'))
    readme = module_copy / "README.md"

    assert main(["--check", str(readme)]) == 1
    assert "generated sections differ from the code: inputs." in capsys.readouterr().err
    assert main([str(readme)]) == 0
    assert main(["--check", str(readme)]) == 0
    assert "| `timeout` | Seconds \\| before the function is stopped. | `number` | `30` | no |" in readme.read_text()


def test_a_new_output_and_a_changed_default_are_caught(module_copy):
    (module_copy / "extra_outputs.tf").write_text('output "extra" {\n  description = "One more."\n  value = 1\n}\n')
    variables_tf = module_copy / "variables.tf"
    variables_tf.write_text(variables_tf.read_text().replace("default     = 128", "default     = 256", 1))

    assert stale((module_copy / "README.md").read_text(), module_copy) == ["inputs", "outputs"]


def test_a_changed_capability_row_is_caught_and_rewritten(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    shutil.copy(ROOT / "tooling" / "README.md", readme)  # the engines' tables are the tooling's README's
    monkeypatch.setitem(capabilities.SUPPORT, capabilities.Capability.IAM_ENFORCEMENT, {"ministack": "yes"})

    assert main(["--check", str(readme)]) == 1
    assert stale(readme.read_text(), tmp_path) == ["capabilities"]
    assert main([str(readme)]) == 0
    assert stale(readme.read_text(), tmp_path) == []
    assert "| IAM enforcement of the function's execution role | no | yes |" in readme.read_text()


def test_the_inputs_table_reads_types_defaults_and_requiredness_from_the_code():
    table = inputs_table(ROOT)

    assert "| `suffix` | Distinguishes this stack's resources" in table
    assert table.splitlines()[0] == "| Name | Description | Type | Default | Required |"
    by_name = {v.name: v for v in variables(ROOT)}
    assert (by_name["suffix"].default, by_name["suffix"].required) == (None, True)
    assert (by_name["runtime"].type, by_name["runtime"].default) == ("string", '"python3.13"')
    assert by_name["kms_key_arn"].default == "null"
    assert by_name["notification_filter"].type == "object({ prefix = optional(string), suffix = optional(string) })"
    assert [v.name for v in variables(ROOT)] == sorted(by_name)


def test_a_variable_without_a_description_cannot_be_documented(tmp_path):
    (tmp_path / "variables.tf").write_text('variable "x" {\n  type = string\n}\n')

    with pytest.raises(ModuleError, match=r"variable 'x' .* needs a description and a type"):
        inputs_table(tmp_path)


def test_a_readme_without_a_section_is_an_error():
    with pytest.raises(KeyError, match="lacks the generated sections"):
        render("no markers at all\n", ROOT, MODULE_SECTIONS)


def test_the_root_readme_missing_a_section_fails_the_check(module_copy, monkeypatch):
    stripped = module_copy / "README.md"
    text = stripped.read_text()
    start, end = text.index("<!-- BEGIN generated: outputs"), text.index("<!-- END generated: outputs -->")
    stripped.write_text(text[:start] + text[end + len("<!-- END generated: outputs -->") :])
    monkeypatch.setattr("pipeline_tooling.docgen.__main__.required", lambda _: MODULE_SECTIONS)

    assert check(stripped) == ["outputs (missing)"]


def test_every_section_renders_a_markdown_table():
    for name, make in SECTIONS.items():
        folder = ROOT / "docs" if name in MEASUREMENTS_SECTIONS else ROOT  # the page's data is beside it
        assert ("\n" + make(folder)).count("\n| ") >= 2, name


def test_a_changed_runtime_date_makes_the_check_fail_and_docs_rewrites_it(module_copy, capsys):
    runtimes_tf = module_copy / "runtimes.tf"
    old = '"python3.12" = { deprecation = "2028-10-31", block_create = "2028-11-30"'
    assert old in runtimes_tf.read_text()
    runtimes_tf.write_text(runtimes_tf.read_text().replace(old, old.replace("2028-11-30", "2028-12-15")))
    readme = module_copy / "README.md"

    assert main(["--check", str(readme)]) == 1
    assert "generated sections differ from the code: runtimes." in capsys.readouterr().err
    assert main([str(readme)]) == 0
    assert main(["--check", str(readme)]) == 0
    assert "| python3.12 | 2028-10-31 | 2028-12-15 | 2029-01-10 | accepted |" in readme.read_text()


def test_the_runtime_table_reads_the_default_the_warnings_and_the_rejected_runtimes_from_the_code(module_copy):
    variables_tf = module_copy / "variables.tf"
    variables_tf.write_text(
        variables_tf.read_text().replace('default     = "python3.13"', 'default     = "python3.12"')
    )
    runtimes_tf = module_copy / "runtimes.tf"
    runtimes_tf.write_text(
        runtimes_tf.read_text()
        .replace('python_runtimes_read = "2026-12-01"', 'python_runtimes_read = "2027-07-01"')  # 3.11 deprecated
        .replace('"python3.7" = "2024-01-09"', '"python3.7" = "2024-01-09"\n      "python3.5" = "2021-01-01"')
    )

    table = runtimes_table(module_copy)

    assert "| python3.13 | 2029-06-30 | 2029-07-31 | 2029-08-31 | accepted |" in table
    assert "| python3.12 | 2028-10-31 | 2028-11-30 | 2029-01-10 | **default** |" in table
    assert "| python3.11 | 2027-06-30 | 2027-07-31 | 2027-08-31 | accepted, with a warning at plan time |" in table
    assert table.splitlines()[-1] == (
        "| python3.8 and older | 2024-10-14 and before | | | rejected: the handler needs Python 3.9; "
        "Lambda no longer creates python3.7 and older |"
    )
    assert [line.split(" | ")[0] for line in table.splitlines()[2:]] == [
        "| python3.14",
        "| python3.13",
        "| python3.12",
        "| python3.11",
        "| python3.10",
        "| python3.9",
        "| python3.8 and older",
    ]


def test_a_runtime_note_on_the_provider_follows_versions_tf(module_copy):
    versions_tf = module_copy / "versions.tf"
    versions_tf.write_text(versions_tf.read_text().replace(">= 5.100.0, < 7.0.0", ">= 6.21.0, < 7.0.0"))

    assert "| python3.14 | 2029-06-30 | 2029-07-31 | 2029-08-31 | accepted |" in runtimes_table(module_copy)


def test_a_default_runtime_outside_the_table_cannot_be_documented(module_copy):
    variables_tf = module_copy / "variables.tf"
    variables_tf.write_text(variables_tf.read_text().replace('default     = "python3.13"', 'default     = "python3.8"'))

    with pytest.raises(ModuleError, match=r"the runtime variable's default 'python3.8' is not in runtimes.tf"):
        runtimes_table(module_copy)
