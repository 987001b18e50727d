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
