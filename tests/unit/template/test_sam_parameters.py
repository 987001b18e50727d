"""Parameters and intrinsics before the SAM transform, as SAM CLI hands them to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template

HEAD = """
Transform: AWS::Serverless-2016-10-31
Conditions:
  IsOn: !Equals [a, a]
  IsOff: !Equals [a, b]
"""


def _load(tmp_path: Path, text: str) -> template.Template:
    (tmp_path / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(HEAD + text)
    return template.load(tmp_path / "template.yaml")


@pytest.mark.parametrize("condition, routes", [("IsOn", {("POST", "/post")}),
                                               ("IsOff", set())])
def test_fn_if_may_choose_no_value(tmp_path: Path, condition: str,
                                   routes: set[tuple[str, str]]) -> None:
    tpl = _load(tmp_path, f"""
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.11
      Policies:
        - !If [{condition}, AWSLambdaBasicExecutionRole, !Ref AWS::NoValue]
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: "3.0"
        info: {{title: t}}
        paths:
          /post:
            !If
              - {condition}
              - post:
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    httpMethod: POST
                    uri: !GetAtt Fn.Arn
                    payloadFormatVersion: "2.0"
              - !Ref AWS::NoValue
""")
    assert {(r.method, r.path) for r in tpl.routes} == routes
    assert "Fn" in tpl.functions


NUMBERS = """
Parameters:
  Batch: {Type: Number, Default: 50}
  Timeout: {Type: Number, Default: "29000"}
  Window: {Type: Number}
  Cors: {Type: String, Default: true}
  Stage: {Type: String, Default: 2}
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties: {CorsConfiguration: !Ref Cors, StageName: !Ref Stage}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.11
      Events:
        Stream:
          Type: Kinesis
          Properties:
            Stream: arn:aws:kinesis:us-east-1:123456789012:stream/s
            StartingPosition: LATEST
            BatchSize: !Ref Batch
            MaximumBatchingWindowInSeconds: !Ref Window
        Get:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /get, Method: GET,
                       TimeoutInMillis: !Ref Timeout}
"""


def test_parameters_reach_the_transform_typed_as_sam_cli_types_them(tmp_path: Path) -> None:
    # The transform checks BatchSize, TimeoutInMillis and CorsConfiguration by type: "50"
    # and "true" are refused; StageName must be text, 2 is refused.
    (tmp_path / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(NUMBERS)
    values = template.TemplateValues(parameter_overrides={"Window": "5"})
    tpl = template.load(tmp_path / "template.yaml", values=values)
    assert [(r.method, r.path) for r in tpl.routes] == [("GET", "/get")]
    assert tpl.apis["Api"].stage == "2"
    assert not [note for note in tpl.unsupported if "SAM transform" in note]
