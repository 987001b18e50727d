"""HTTP APIs from AWS::ApiGatewayV2 resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template
from workbench.errors import TemplateError

TEMPLATE = """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.11
      Code: {{ZipFile: "def handler(e, c): return e"}}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {{Name: a, ProtocolType: HTTP}}
  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      AuthorizerType: JWT
      IdentitySource: [$request.header.Authorization]
      JwtConfiguration: {jwt}
      AuthorizerResultTtlInSeconds: {ttl}
  Int:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {{ApiId: !Ref Api, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn}}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /x
      Target: !Sub integrations/${{Int}}
      AuthorizationType: JWT
      AuthorizerId: !Ref Auth
      AuthorizationScopes: {scopes}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {{ApiId: !Ref Api, StageName: $default, StageVariables: {variables}}}
"""
GOOD = {"jwt": "{Issuer: i}", "ttl": "300", "scopes": "[read]", "variables": "{a: b}"}


@pytest.mark.parametrize("change, message", [
    ({"ttl": "soon"}, "AuthorizerResultTtlInSeconds: must be a number of seconds, not 'soon'"),
    ({"jwt": "issuer"}, "JwtConfiguration: must be a map, not 'issuer'"),
    ({"scopes": "5"}, "AuthorizationScopes: must be a list, not 5"),
    ({"variables": "[a]"}, r'StageVariables: must be a map, not \["a"\]'),
])
def test_a_property_of_the_wrong_shape_is_one_line(tmp_path: Path, change: dict[str, str],
                                                   message: str) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(**{**GOOD, **change}))
    with pytest.raises(TemplateError, match=message):
        template.load(tmp_path / "template.yaml")


def test_the_good_shapes_load(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(**GOOD))
    tpl = template.load(tmp_path / "template.yaml")
    [route] = tpl.routes
    assert (route.method, route.path, route.scopes) == ("GET", "/x", ("read",))
    assert tpl.apis["Api"].stage_variables == {"a": "b"}
