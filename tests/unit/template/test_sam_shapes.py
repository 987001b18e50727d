"""A SAM template whose sections or properties have the wrong shape: the transform's own
one-line refusal, never a traceback before it."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template
from workbench.errors import TemplateError

FUNCTION = """
Transform: AWS::Serverless-2016-10-31
{head}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: code, Handler: app.handler, Runtime: python3.11}}
{more}
"""


def _write(tmp_path: Path, head: str = "", more: str = "") -> Path:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(FUNCTION.format(head=head, more=more))
    return tmp_path / "template.yaml"


@pytest.mark.parametrize("section, message", [
    ("Globals: [a]", "the SAM transform refused it: 'Globals' section is invalid. It must be"),
    ("Globals: {Function: x}", "the SAM transform refused it: 'Globals' section is invalid"),
])
def test_a_globals_section_of_the_wrong_shape_is_one_line(
        tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(TemplateError) as error:
        template.load(_write(tmp_path, head=section))
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_resource_whose_properties_are_not_a_map_is_left_out(tmp_path: Path) -> None:
    tpl = template.load(_write(tmp_path, more="  Other:\n    Type: AWS::Serverless::Function\n"
                                              "    Properties: x\n"))
    assert "Fn" in tpl.functions
    assert ("not emulated: Other (the SAM transform refuses it: Resource with id [Other] is "
            "invalid. Attribute 'Properties' should be a map.)") in tpl.unsupported


def test_an_api_whose_properties_are_not_a_map_is_left_out(tmp_path: Path) -> None:
    events = "{E: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /x, Method: get}}}"
    tpl = template.load(_write(tmp_path, more=f"""  Other:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: code, Handler: app.handler, Runtime: python3.11, Events: {events}}}
  Api:
    Type: AWS::Serverless::Api
    Properties: 5
"""))
    assert "Fn" in tpl.functions
    assert any(line.startswith("not emulated: Api (the SAM transform refuses it: Resource with "
                               "id [Api] is invalid. Attribute 'Properties' should be a map")
               for line in tpl.unsupported), tpl.unsupported
