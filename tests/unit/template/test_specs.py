"""The checks specs make of what a template gives: a Cognito authorizer's user pools."""

from __future__ import annotations

import pytest

from workbench.template.specs import user_pool_problem, user_pools

ARN = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Pool"


@pytest.mark.parametrize("raw, pools", [
    ([ARN, "b"], (ARN, "b")), (ARN, (ARN,)), (5, ("5",)), (None, ()), ("", ()),
])
def test_user_pools_are_a_list_or_one_value(raw: object, pools: tuple[str, ...]) -> None:
    assert user_pools(raw) == pools


@pytest.mark.parametrize("pools, problem", [
    ((ARN,), None),
    ((ARN, "arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_P"), None),
    ((), "it names no user pool"),
    ((ARN, "foo"), "user pool 'foo' is not a user pool ARN, "
                   "arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID"),
    (("arn:aws:cognito-idp:us-east-1",), "user pool 'arn:aws:cognito-idp:us-east-1' is not"),
    (("arn:aws",), "user pool 'arn:aws' is not"),
    (("5",), "user pool '5' is not"),
    (("arn:aws:cognito-idp::123456789012:userpool/p",), "is not a user pool ARN"),
    (("arn:aws:s3:us-east-1:123456789012:userpool/p",), "is not a user pool ARN"),
])
def test_a_user_pool_that_is_not_a_pool_arn_is_a_problem(
        pools: tuple[str, ...], problem: str | None) -> None:
    found = user_pool_problem(pools)
    assert found == problem if problem is None else problem in (found or "")
