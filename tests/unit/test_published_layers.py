"""Powertools' published layers, by ARN or SSM parameter, stood in for by PyPI builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template
from workbench.errors import WorkbenchError
from workbench.template import published_layers
from workbench.template.intrinsics import Unknown

ACCOUNT = "arn:aws:lambda:eu-west-1:017000801446:layer"


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("value, runtime, arch, expected", [
    # V3 names carry their Python and architecture: the layer is built for those.
    (f"{ACCOUNT}:AWSLambdaPowertoolsPythonV3-python312-arm64:18", "python3.11", "x86_64",
     ("AWSLambdaPowertoolsPythonV3-python312-arm64", "aws-lambda-powertools[all]<4,>=3",
      "python3.12", "arm64")),
    (f"{ACCOUNT}:AWSLambdaPowertoolsPythonV2:79", "python3.11", "arm64",
     ("AWSLambdaPowertoolsPythonV2-python311", "aws-lambda-powertools[all]<3,>=2",
      "python3.11", "x86_64")),
    (f"{ACCOUNT}:AWSLambdaPowertoolsPythonV2-Arm64:79", "python3.10", "x86_64",
     ("AWSLambdaPowertoolsPythonV2-Arm64-python310", "aws-lambda-powertools[all]<3,>=2",
      "python3.10", "arm64")),
    ("arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsPython:3",
     "python3.9", "x86_64",
     ("AWSLambdaPowertoolsPython-python39", "aws-lambda-powertools<2", "python3.9", "x86_64")),
    (Unknown("the dynamic reference", ssm="/aws/service/powertools/python/x86_64/python3.13/"
             "3.1.0"), "python3.13", "x86_64",
     ("AWSLambdaPowertoolsPythonV3-python313-x86_64-3_1_0",
      "aws-lambda-powertools[all]==3.1.0", "python3.13", "x86_64")),
    (Unknown("parameter P", ssm="/aws/service/powertools/python/arm64/python3.12/latest"),
     "python3.12", "arm64",
     ("AWSLambdaPowertoolsPythonV3-python312-arm64-latest",
      "aws-lambda-powertools[all]<4,>=3", "python3.12", "arm64")),
])
def test_powertools_layers_become_requirements_for_their_python_and_architecture(
        value: object, runtime: str, arch: str, expected: tuple[str, str, str, str]) -> None:
    spec = published_layers.stand_in(value, runtime, arch)
    assert spec is not None
    logical_id, requirement, build_method, architecture = expected
    assert (spec.logical_id, spec.build_method, spec.compatible_architectures) == (
        logical_id, build_method, (architecture,))
    assert (spec.content_uri / "requirements.txt").read_text() == requirement + "\n"
    assert spec.published is not None and "/" not in spec.logical_id
    assert "." not in spec.logical_id  # a LayerName: [a-zA-Z0-9-_]+


@pytest.mark.parametrize("value", [
    "arn:aws:lambda:us-east-1:123456789012:layer:MyOwnLayer:3",
    "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsTypeScriptV2:20",
    f"{ACCOUNT}:AWSLambdaPowertoolsPythonV3-python312-x86_64",  # no version: not an ARN
    f"{ACCOUNT}:AWSLambdaPowertoolsPythonV2:79 ",
    Unknown("Fn::ImportValue 'Shared'"),
    Unknown("the dynamic reference", ssm="/aws/service/powertools/python/x86_64/python3.12/2.0"),
    Unknown("the dynamic reference", ssm="/my/own/layer-arn"),
    # Built for a Python the workbench does not run: left out, not built for another.
    f"{ACCOUNT}:AWSLambdaPowertoolsPythonV3-python38-x86_64:3",
    Unknown("the dynamic reference", ssm="/aws/service/powertools/python/x86_64/python3.8/"
            "latest"),
    {"Fn::GetAtt": ["X", "Arn"]}, None, 7,
])
def test_anything_else_is_not_stood_in_for(value: object) -> None:
    assert published_layers.stand_in(value, "python3.11", "x86_64") is None


def test_a_cache_that_cannot_be_written_is_one_line(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "file"))
    with pytest.raises(WorkbenchError) as error:
        published_layers.stand_in(f"{ACCOUNT}:AWSLambdaPowertoolsPythonV2:79", "python3.11",
                                  "x86_64")
    assert str(error.value).startswith("cannot write the stand-in for the layer arn:")
    assert "\n" not in str(error.value)


def test_the_requirements_file_is_written_once_and_rewritten_only_when_it_changes(
        cache: Path) -> None:
    arn = f"{ACCOUNT}:AWSLambdaPowertoolsPythonV3-python311-x86_64:7"
    first = published_layers.stand_in(arn, "python3.11", "x86_64")
    assert first is not None
    requirements = first.content_uri / "requirements.txt"
    before = requirements.stat().st_mtime_ns
    assert published_layers.stand_in(arn, "python3.11", "x86_64") == first
    assert requirements.stat().st_mtime_ns == before
    assert first.content_uri.is_relative_to(cache)


TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  PowertoolsArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /aws/service/powertools/python/x86_64/python3.12/3.2.0
Resources:
  ByArn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - !Sub "arn:aws:lambda:${AWS::Region}:017000801446:layer:\\
            AWSLambdaPowertoolsPythonV3-python312-x86_64:18"
        - arn:aws:lambda:us-east-1:123456789012:layer:Private:1
  BySsm:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code
      Handler: app.handler
      Runtime: python3.12
      Layers: ["{{resolve:ssm:/aws/service/powertools/python/x86_64/python3.12/latest}}"]
  ByParameter:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code
      Handler: app.handler
      Runtime: python3.12
      Layers: [!Ref PowertoolsArn]
"""


def test_a_template_naming_powertools_gets_the_stand_in_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    tpl = template.load(tmp_path / "template.yaml")
    assert tpl.functions["ByArn"].layer_ids == ("AWSLambdaPowertoolsPythonV3-python312-x86_64",)
    assert tpl.functions["BySsm"].layer_ids == (
        "AWSLambdaPowertoolsPythonV3-python312-x86_64-latest",)
    assert tpl.functions["ByParameter"].layer_ids == (
        "AWSLambdaPowertoolsPythonV3-python312-x86_64-3_2_0",)
    layer = tpl.layers["AWSLambdaPowertoolsPythonV3-python312-x86_64"]
    assert tpl.functions["ByArn"].layers == (layer.content_uri,)
    notes = "\n".join(tpl.unsupported)
    assert ("stood in for: layer arn:aws:lambda:us-east-1:017000801446:layer:"
            "AWSLambdaPowertoolsPythonV3-python312-x86_64:18 on ByArn, by "
            "aws-lambda-powertools[all]<4,>=3 from PyPI") in notes
    assert "not emulated: layer 'arn:aws:lambda:us-east-1:123456789012:layer:Private:1'" in notes
    assert ("stood in for: layer the SSM parameter /aws/service/powertools/python/x86_64/"
            "python3.12/latest on BySsm, by aws-lambda-powertools[all]<4,>=3 from PyPI") in notes
    assert ("layer the SSM parameter /aws/service/powertools/python/x86_64/python3.12/3.2.0 on "
            "ByParameter, by aws-lambda-powertools[all]==3.2.0 from PyPI") in notes
