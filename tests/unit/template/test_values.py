"""CloudFormation parameters: their values and constraints, as CloudFormation reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workbench.errors import TemplateError, WorkbenchError
from workbench.template.values import gather, parameter_values


@pytest.mark.parametrize("given, expected", [({}, "true"), ({"On": "false"}, "false")])
def test_yaml_booleans_are_the_text_cloudformation_compares(given: dict[str, str],
                                                            expected: str) -> None:
    # YAML reads `true` as a boolean; CloudFormation's values are the strings "true"/"false".
    declared = {"On": {"Type": "String", "AllowedValues": [True, False], "Default": True}}
    assert parameter_values(Path("t.yaml"), declared, given) == {"On": expected}


@pytest.mark.parametrize("spec, message", [
    ({"Type": "Number", "MinValue": "ten"}, "MinValue must be a number, not 'ten'"),
    ({"Type": "String", "MaxLength": [1]}, "MaxLength must be a number, not \\[1\\]"),
    ({"Type": "String", "AllowedPattern": "["}, "AllowedPattern '\\[' is not a pattern"),
    ({"Type": "String", "Default": []}, "a String parameter's value is text, not the list"),
])
def test_a_bad_constraint_is_one_line(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parameter_values(Path("t.yaml"), {"P": {"Default": "5", **spec}}, {})


SAMCONFIG = "version = 0.1\n[default.global.parameters]\n"


def test_samconfig_parameter_overrides_may_be_a_table(tmp_path: Path) -> None:
    # As SAM CLI reads it: a list value is a CommaDelimitedList's text.
    (tmp_path / "samconfig.toml").write_text(
        SAMCONFIG + 'parameter_overrides = {Stage = "prod", Size = 512, On = true, '
        'Names = ["a", "b"]}\n')
    assert gather(tmp_path / "template.yaml", commands=()).parameter_overrides == {
        "Stage": "prod", "Size": "512", "On": "true", "Names": "a,b"}


@pytest.mark.parametrize("text, message", [
    ("version = 0.1\n[default]\nglobal = 5\n", r"\[default.global\] must be a table"),
    ("version = 0.1\n[default.global]\nparameters = 5\n", r"\[default.global\] must be a table"),
    (SAMCONFIG + "parameter_overrides = [[\"A=1\"]]\n",
     "parameter_overrides must be 'K=V ...' text, a list of it or a map"),
])
def test_a_malformed_samconfig_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "samconfig.toml").write_text(text)
    with pytest.raises(WorkbenchError, match=message):
        gather(tmp_path / "template.yaml", commands=())
