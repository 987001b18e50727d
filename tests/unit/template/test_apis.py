"""What the loader says of an authorizer API Gateway could not use."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template

ROUTE = """
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: app.handler
      Runtime: python3.11
      Events:
        Get: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: /x, Method: get}}}}
"""
SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Pool
        Authorizers:
          Pool: {{UserPoolArn: {pools}}}
""" + ROUTE
CLOUDFORMATION = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {{StageName: prod}}
  Pool:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: Pool
      Type: COGNITO_USER_POOLS
      IdentitySource: method.request.header.Authorization
      ProviderARNs: {pools}
""" + ROUTE


def _load(tmp_path: Path, text: str, pools: str) -> template.Template:
    (tmp_path / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(text.format(pools=pools))
    return template.load(tmp_path / "template.yaml")


@pytest.mark.parametrize("text", [SAM, CLOUDFORMATION], ids=["sam", "cloudformation"])
@pytest.mark.parametrize("pools, why", [
    ("arn:aws:cognito-idp:us-east-1", "user pool 'arn:aws:cognito-idp:us-east-1' is not a "
                                      "user pool ARN, arn:aws:cognito-idp:REGION:ACCOUNT:"
                                      "userpool/ID"),
    ("[foo]", "user pool 'foo' is not a user pool ARN"),
    ("[5]", "user pool '5' is not a user pool ARN"),
])
def test_a_cognito_authorizer_without_a_user_pool_arn_is_said(
        tmp_path: Path, text: str, pools: str, why: str) -> None:
    tpl = _load(tmp_path, text, pools)
    notes = [line for line in tpl.unsupported if line.startswith("not emulated: authorizer")]
    assert len(notes) == 1 and notes[0].startswith("not emulated: authorizer Pool on Api (")
    assert why in notes[0] and notes[0].endswith("; its routes answer 500)")
    assert tpl.apis["Api"].authorizers["Pool"].refused is not None


def test_a_cognito_authorizer_with_pool_arns_is_not_mentioned(tmp_path: Path) -> None:
    tpl = _load(tmp_path, SAM, "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_P")
    assert not [line for line in tpl.unsupported if "authorizer" in line]
