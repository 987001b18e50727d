"""Conditions and intrinsic functions, as CloudFormation evaluates them."""

from __future__ import annotations

from workbench.errors import TemplateError
from workbench.template.intrinsics import Resolver


def _fail(resource: str | None, prop: str | None, message: str) -> TemplateError:
    return TemplateError("t.yaml", resource, prop, message)


def test_a_condition_named_by_a_condition_object() -> None:
    # aws-sam-translator writes {"Condition": {"Condition": "X"}} when it combines a
    # resource's Condition with an Fn::If of its EventInvokeConfig destination.
    resolver = Resolver(
        fail=_fail, parameters={}, pseudo={}, mappings={}, resource_ids=set(),
        attribute=lambda logical_id, attr: None, region="us-east-1", overrides={},
        conditions={"Off": {"Fn::Equals": ["a", "b"]}, "On": {"Fn::Not": [{"Condition": "Off"}]},
                    "Both": {"Fn::And": [{"Condition": {"Condition": "On"}},
                                         {"Condition": "On"}]}})
    assert resolver.condition("Both") is True
