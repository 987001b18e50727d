"""AWS::LanguageExtensions' Fn::ForEach, as CloudFormation expands it."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.errors import TemplateError
from workbench.template import language


def _fail(resource: str | None, prop: str | None, message: str) -> TemplateError:
    return TemplateError("t.yaml", resource, prop, message)


def _expand(resources: dict[str, Any]) -> dict[str, Any]:
    out = language.expand({"Resources": resources}, lambda raw, key: raw, _fail)
    return out["Resources"]  # type: ignore[no-any-return]


def test_items_are_the_text_cloudformation_substitutes() -> None:
    # YAML's true is the item "true" (CloudFormation's compatibility templates).
    loop = ["Item", [1, True], {"Fn${Item}": {"Type": "T", "Properties": {"P": {"Ref": "Item"}}}}]
    assert _expand({"Fn::ForEach::Loop": loop}) == {
        "Fn1": {"Type": "T", "Properties": {"P": "1"}},
        "Fntrue": {"Type": "T", "Properties": {"P": "true"}}}


def test_a_loop_in_a_resources_properties_makes_properties() -> None:
    # intrinsic-function-reference-foreach.html: "Resources (including the resource
    # properties)".
    size = {"Fn::FindInMap": ["M", "k", {"Ref": "Name"}]}
    properties = {"Handler": "app.handler",
                  "Fn::ForEach::Sizes": ["Name", ["MemorySize", "Timeout"], {"${Name}": size}]}
    assert _expand({"Fn": {"Type": "T", "Properties": properties}})["Fn"]["Properties"] == {
        "Handler": "app.handler", "MemorySize": {"Fn::FindInMap": ["M", "k", "MemorySize"]},
        "Timeout": {"Fn::FindInMap": ["M", "k", "Timeout"]}}


@pytest.mark.parametrize("properties", [
    {"Fn::ForEach::L": ["N", ["Timeout"], {"${N}": 3}], "Timeout": 5},
    {"Timeout": 5, "Fn::ForEach::L": ["N", ["Timeout"], {"${N}": 3}]},
])
def test_a_loop_may_not_remake_a_key(properties: dict[str, Any]) -> None:
    with pytest.raises(TemplateError, match="makes 'Timeout' twice"):
        _expand({"Fn": {"Type": "T", "Properties": properties}})


@pytest.mark.parametrize("loop, message", [
    (["Name", ["a", "b-c"], {"Topic${Name}": {"Type": "T"}}],
     "makes 'Topicb-c': a logical ID or property name is alphanumeric"),
    (["Name", ["a"], {"Topic${Name}${Unknown}": {"Type": "T"}}],
     "makes 'Topica\\$\\{Unknown\\}'"),
    (["Name", ["a"], {"Fn::ForEach::Inner": ["Name", ["b"], {"T${Name}": {"Type": "T"}}]}],
     "reuses the identifier Name of a loop around it"),
])
def test_what_cloudformation_refuses_in_a_loop(loop: list[Any], message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        _expand({"Fn::ForEach::Loop": loop})


def test_a_number_as_a_key_is_no_traceback() -> None:
    assert _expand({"R": {"Type": "T", "Properties": {2: 3}}, 1: {"Type": "T"}}) == {
        "R": {"Type": "T", "Properties": {2: 3}}, 1: {"Type": "T"}}
