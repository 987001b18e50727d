"""Conditions and intrinsic functions, as CloudFormation evaluates them."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.errors import TemplateError
from workbench.template.intrinsics import Resolver


def _fail(resource: str | None, prop: str | None, message: str) -> TemplateError:
    return TemplateError("t.yaml", resource, prop, message)


def _resolver(conditions: Any = None, mappings: Any = None) -> Resolver:
    return Resolver(
        fail=_fail, parameters={}, pseudo={}, resource_ids=set(), region="us-east-1",
        attribute=lambda logical_id, attr: None, overrides={},
        conditions={} if conditions is None else conditions,
        mappings={"Listed": [1]} if mappings is None else mappings)


@pytest.mark.parametrize("raw, message", [
    ({"Fn::Sub": []}, r"Fn::Sub needs a string, got \[\]"),
    ({"Fn::FindInMap": ["Listed", "a", "b"]}, "Fn::FindInMap: no Listed/a/b in Mappings"),
    ({"Fn::Equals": None}, "Fn::Equals needs \\[value, value\\], got null"),
    ({"Fn::Not": ["a", "b"]}, "Fn::Not needs \\[condition\\]"),
    ({"Fn::And": "x"}, "Fn::And needs a list of conditions"),
])
def test_malformed_functions_are_one_line_errors(raw: Any, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        _resolver().resolve(raw, "R", "P")


@pytest.mark.parametrize("conditions, mappings", [(["C"], {}), ({}, "M")])
def test_conditions_and_mappings_must_be_maps(conditions: Any, mappings: Any) -> None:
    with pytest.raises(TemplateError, match="must be a map of names"):
        _resolver(conditions, mappings)


def test_a_condition_named_by_a_condition_object() -> None:
    # aws-sam-translator writes {"Condition": {"Condition": "X"}} when it combines a
    # resource's Condition with an Fn::If of its EventInvokeConfig destination.
    resolver = _resolver(conditions={
        "Off": {"Fn::Equals": ["a", "b"]}, "On": {"Fn::Not": [{"Condition": "Off"}]},
        "Both": {"Fn::And": [{"Condition": {"Condition": "On"}}, {"Condition": "On"}]}})
    assert resolver.condition("Both") is True
