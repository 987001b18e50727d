"""CloudFormation parameters: their values and constraints, as CloudFormation reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workbench.errors import TemplateError
from workbench.template.values import parameter_values


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
