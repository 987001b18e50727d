"""Intrinsic functions, and the values given from outside (SAM CLI's flags and files)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workbench.errors import TemplateError, WorkbenchError
from workbench.template.intrinsics import NO_VALUE, Resolver, Unknown
from workbench.template.values import gather, parameter_values, parse_overrides


def _fail(resource: str | None, prop: str | None, message: str) -> TemplateError:
    return TemplateError("t.yaml", resource, prop, message)


def resolver(**parameters: Any) -> Resolver:
    return Resolver(
        fail=_fail, parameters=parameters, region="eu-west-1",
        pseudo={"AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"},
        conditions={"Prod": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
                    "Either": {"Fn::Or": [{"Condition": "Prod"}, {"Fn::Equals": ["a", "a"]}]},
                    "Loop": {"Condition": "Loop"}},
        mappings={"Sizes": {"dev": {"Memory": 256}}}, resource_ids={"Fn"},
        attribute=lambda logical_id, attr: f"arn:{logical_id}:{attr}",
        overrides={"shared-vpc": "vpc-1", "/app/token": "t0k"})


@pytest.mark.parametrize("raw, expected", [
    ({"Fn::Sub": "${AWS::Region}-${Stage}-${!Literal}"}, "eu-west-1-dev-${Literal}"),
    ({"Fn::Sub": ["${A}/${Fn.Arn}", {"A": {"Ref": "Stage"}}]}, "dev/arn:Fn:Arn"),
    ({"Fn::Join": [",", ["a", {"Ref": "Stage"}]]}, "a,dev"),
    ({"Fn::Select": [1, {"Fn::Split": ["/", "x/y/z"]}]}, "y"),
    ({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, 256),
    ({"Fn::FindInMap": ["Sizes", "prod", "Memory", {"DefaultValue": 128}]}, 128),
    ({"Fn::If": ["Prod", "big", "small"]}, "small"),
    ({"Fn::If": ["Either", "yes", "no"]}, "yes"),
    ({"Fn::GetAZs": ""}, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]),
    ({"Fn::Base64": "hi"}, "aGk="),
    ({"Fn::Length": [1, 2]}, 2),
    ({"Fn::ToJsonString": {"a": 1}}, '{"a":1}'),
    ({"Fn::GetAtt": ["Fn", "Arn"]}, "arn:Fn:Arn"),
    ({"Fn::GetAtt": "Fn.Arn"}, "arn:Fn:Arn"),
    ({"Fn::ImportValue": "shared-vpc"}, "vpc-1"),
    ("{{resolve:ssm:/app/token}}", "t0k"),
    ({"Names": ["a", {"Ref": "AWS::NoValue"}], "Gone": {"Ref": "AWS::NoValue"}},
     {"Names": ["a"]}),
])
def test_intrinsics(raw: Any, expected: Any) -> None:
    assert resolver(Stage="dev").resolve(raw, "R", "P") == expected


@pytest.mark.parametrize("raw, why, flag", [
    ({"Fn::ImportValue": "other-export"}, "Fn::ImportValue 'other-export'",
     "--parameter-overrides 'other-export=VALUE'"),
    ("{{resolve:secretsmanager:db:SecretString:pw}}", "{{resolve:secretsmanager:",
     "--parameter-overrides 'db:SecretString:pw=VALUE'"),
    ({"Ref": "Nope"}, "Ref Nope: no such parameter or resource", None),
    ({"Fn::Join": ["-", ["a", {"Fn::ImportValue": "x"}]]}, "Fn::ImportValue 'x'",
     "--parameter-overrides 'x=VALUE'"),
])
def test_what_cannot_be_known_offline_says_which_flag_supplies_it(
        raw: Any, why: str, flag: str | None) -> None:
    value = resolver(Stage="dev").resolve(raw, "R", "P")
    assert isinstance(value, Unknown) and why in value.why and value.flag == flag


def test_condition_cycles_and_bad_functions_are_one_line_errors() -> None:
    with pytest.raises(TemplateError, match="conditions refer to each other: Loop -> Loop"):
        resolver(Stage="dev").condition("Loop")
    with pytest.raises(TemplateError, match=r"Fn::Select index 5 is past the end"):
        resolver().resolve({"Fn::Select": [5, ["a"]]}, "R", "P")
    assert resolver().resolve({"Ref": "AWS::NoValue"}, "R", "P") is NO_VALUE


def test_parameters_are_checked_as_cloudformation_checks_them() -> None:
    declared = {"Stage": {"Type": "String", "AllowedValues": ["dev", "prod"]},
                "Size": {"Type": "Number", "MinValue": 128, "Default": 256},
                "Names": {"Type": "CommaDelimitedList", "Default": "a, b"},
                "Secret": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/x"},
                "Id": {"Type": "String", "AllowedPattern": "[a-z]+",
                       "ConstraintDescription": "lower case only", "Default": "abc"}}
    values = parameter_values(Path("t.yaml"), declared, {"Stage": "prod"})
    assert values["Stage"] == "prod" and values["Size"] == "256"
    assert values["Names"] == ["a", "b"]
    assert isinstance(values["Secret"], Unknown) and "SSM parameter '/x'" in values["Secret"].why
    assert isinstance(parameter_values(Path("t.yaml"), declared, {})["Stage"], Unknown)
    for given, message in [({"Stage": "qa"}, "'qa' is not one of dev, prod"),
                           ({"Size": "64"}, "'64' breaks MinValue 128"),
                           ({"Size": "x"}, "'x' is not a number"),
                           ({"Id": "ABC"}, "lower case only")]:
        with pytest.raises(TemplateError, match=message):
            parameter_values(Path("t.yaml"), declared, given)


@pytest.mark.parametrize("items, expected", [
    (["A=1 B=2"], {"A": "1", "B": "2"}),
    (["A=1", "B='two words'"], {"A": "1", "B": "two words"}),
    (["ParameterKey=A,ParameterValue=x=y ParameterKey=B,ParameterValue="],
     {"A": "x=y", "B": ""}),
])
def test_parameter_overrides_in_sam_cli_formats(items: list[str],
                                                expected: dict[str, str]) -> None:
    assert parse_overrides(items, "--parameter-overrides") == expected


def test_a_bad_override_is_one_line() -> None:
    with pytest.raises(WorkbenchError, match="'Nope' is not Key=Value"):
        parse_overrides(["Nope"], "--parameter-overrides")


def test_samconfig_sections_and_flags_over_them(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    (tmp_path / "samconfig.yaml").write_text(
        "version: 0.1\n"
        "default:\n  global:\n    parameters:\n      parameter_overrides: A=global B=global\n"
        "  local_invoke:\n    parameters:\n      parameter_overrides: B=invoke\n"
        "      env_vars: env.json\n"
        "qa:\n  global:\n    parameters:\n      parameter_overrides: [A=qa]\n")
    (tmp_path / "env.json").write_text(json.dumps({"Fn": {"X": 1, "Y": True}}))
    values = gather(template, commands=("local_invoke",))
    assert values.parameter_overrides == {"A": "global", "B": "invoke"}
    assert values.env_vars == {"Fn": {"X": "1", "Y": "true"}}
    assert (tmp_path / "env.json").resolve() in values.sources
    flagged = gather(template, commands=("local_start_api",), overrides=["B=flag"],
                     config_env="qa")
    assert flagged.parameter_overrides == {"A": "qa", "B": "flag"}
    with pytest.raises(WorkbenchError, match="no environment 'prod' \\(--config-env\\)"):
        gather(template, commands=(), config_env="prod")


@pytest.mark.parametrize("text, message", [
    ("{", "not a JSON file of environment variables"),
    ('["a"]', "must map function names to variables"),
    ('{"Fn": 3}', "'Fn' must map variable names to values"),
])
def test_bad_env_vars_files(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "env.json").write_text(text)
    with pytest.raises(WorkbenchError, match=message):
        gather(tmp_path / "t.yaml", commands=(), env_vars=tmp_path / "env.json")
