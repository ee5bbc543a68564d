"""The READMEs' generated sections: rewritten from the code, and a drift is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pipeline_tooling.docgen.__main__ import check, main, readmes
from pipeline_tooling.docgen.sections import MODULE_SECTIONS, SECTIONS, render, stale
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
        assert make(ROOT).startswith("| "), name
