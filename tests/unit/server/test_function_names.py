"""The Invoke API's FunctionName and Qualifier, case by case, as Lambda answers them."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template
from workbench.errors import AwsError, WorkbenchError
from workbench.server.function_names import resolve

TEMPLATE = template.load(Path(__file__).parents[2] / "functional" / "apps" / "pressure.yaml")
ARN = "arn:aws:lambda:us-east-1:123456789012:function"


def target(name: str, qualifier: str | None = None) -> tuple[str, str | None]:
    found = resolve(name, qualifier, TEMPLATE, region="us-east-1", account_id="123456789012")
    return found.spec.name, found.qualifier


def refused(name: str, qualifier: str | None = None) -> AwsError:
    with pytest.raises(AwsError) as caught:
        target(name, qualifier)
    return caught.value


@pytest.mark.parametrize("name,qualifier,expected", [
    ("Echo", None, ("Echo", None)),
    ("Echo:$LATEST", None, ("Echo", "$LATEST")),
    ("Echo:live", None, ("Echo", "live")),  # AutoPublishAlias
    ("Echo", "live", ("Echo", "live")),
    ("Echo", "$LATEST", ("Echo", "$LATEST")),
    ("Echo:live", "live", ("Echo", "live")),
    (f"{ARN}:Echo", None, ("Echo", None)),
    (f"{ARN}:Echo:live", None, ("Echo", "live")),
    ("123456789012:function:Echo", None, ("Echo", None)),  # a partial ARN
    ("function:SlowInit", None, ("SlowInit", None)),
    ("Echo", "", ("Echo", None)),  # ?Qualifier= is no qualifier
])
def test_names_partial_and_full_arns_and_qualifiers(name: str, qualifier: str | None,
                                                    expected: tuple[str, str | None]) -> None:
    assert target(name, qualifier) == expected


@pytest.mark.parametrize("name,qualifier,message", [
    ("Nope", None, f"Function not found: {ARN}:Nope"),
    ("Echo:v2", None, f"Function not found: {ARN}:Echo:v2"),  # no such alias
    ("Echo", "7", f"Function not found: {ARN}:Echo:7"),  # no published versions
    ("SlowInit:live", None, f"Function not found: {ARN}:SlowInit:live"),  # Echo's alias
    ("arn:aws:lambda:us-east-1:999999999999:function:Echo", None,
     "Function not found: arn:aws:lambda:us-east-1:999999999999:function:Echo"),
    ("arn:aws:lambda:eu-west-1:123456789012:function:Echo", None,
     "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"),
])
def test_unknown_functions_aliases_accounts_and_regions_are_404(
        name: str, qualifier: str | None, message: str) -> None:
    error = refused(name, qualifier)
    assert (error.status, error.error_type, error.message) == (
        404, "ResourceNotFoundException", message)


PATTERN = ("(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
           "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?")


@pytest.mark.parametrize("name", [
    "bad name", "a/b", "Echo\n", "Échо", "Echo:live:extra", "arn:aws:s3:::bucket",
    "Echo:", ":Echo", "Echo;rm -rf", "arn:aws:lambda:us-east-1:12345:function:Echo",
])
def test_names_outside_lambdas_pattern_are_validation_exceptions(name: str) -> None:
    error = refused(name)
    assert (error.status, error.error_type) == (400, "ValidationException")
    assert error.message == ("1 validation error detected: Value '" + name + "' at "
                             "'functionName' failed to satisfy constraint: Member must satisfy "
                             "regular expression pattern: " + PATTERN)


def test_a_name_over_170_characters_is_refused_with_a_short_message() -> None:
    assert refused("a" * 170).status == 404  # at the limit: a valid name, just unknown
    error = refused("a" * 171)
    assert error.status == 400 and error.message.endswith(
        "failed to satisfy constraint: Member must have length less than or equal to 170")
    huge = refused("a" * 10_000)
    assert huge.message.startswith("1 validation error detected: Value 'aaaa")
    assert len(huge.message) < 400  # the 10 KB value is not echoed whole


def test_several_problems_are_counted_in_one_message() -> None:
    error = refused("x" * 200 + "!")
    assert error.message.startswith("2 validation errors detected: ")
    assert "length less than or equal to 170" in error.message
    assert "regular expression pattern" in error.message
    empty = refused("")
    assert empty.message.startswith("2 validation errors detected: Value '' at 'functionName' "
                                    "failed to satisfy constraint: Member must have length "
                                    "greater than or equal to 1")


@pytest.mark.parametrize("qualifier,constraint", [
    ("bad qualifier", "Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)"),
    ("q" * 129, "Member must have length less than or equal to 128"),
])
def test_bad_qualifiers_are_validation_exceptions(qualifier: str, constraint: str) -> None:
    error = refused("Echo", qualifier)
    assert (error.status, error.error_type) == (400, "ValidationException")
    assert error.message.endswith(f"at 'qualifier' failed to satisfy constraint: {constraint}")


def test_a_qualifier_in_the_name_must_match_the_parameter() -> None:
    error = refused("Echo:live", "$LATEST")
    assert (error.status, error.error_type, error.message) == (
        400, "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.")


CDK = template.load(Path(__file__).parents[2] / "templates" / "cdk" / "NestingStack.template.json")


@pytest.mark.parametrize("name,expected", [
    ("Front", "Front0087DB4F"),  # its construct id, as SAM CLI takes a CDK function's
    ("NestingStack/Front/Resource", "Front0087DB4F"),  # its aws:cdk:path
    ("NestingStack/Front", "Front0087DB4F"),  # its construct path
    ("NestingStack/Orders/Handler/Resource", "Orders/Handler886CB40B"),
    ("Handler886CB40B", "Handler886CB40B"),  # the logical id first
])
def test_a_cdk_function_is_found_by_its_construct_id_and_path(name: str, expected: str) -> None:
    spec = CDK.function(name)
    assert spec is not None and spec.name == expected
    found = resolve(name, None, CDK, region="us-east-1", account_id="123456789012")
    assert found.spec.name == expected


def test_a_construct_id_two_functions_have_is_an_error_naming_them() -> None:
    with pytest.raises(WorkbenchError) as caught:
        CDK.function("Handler")
    assert str(caught.value) == (
        "function 'Handler' is ambiguous: Handler886CB40B (NestingStack/Handler), "
        "Orders/Handler886CB40B (NestingStack/Orders/Handler); name one of them")
    with pytest.raises(AwsError) as answered:  # the Invoke API's 404, saying the same
        resolve("Handler", None, CDK, region="us-east-1", account_id="123456789012")
    assert answered.value.status == 404 and "is ambiguous" in answered.value.message
