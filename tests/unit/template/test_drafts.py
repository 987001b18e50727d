"""What an OpenAPI operation's `security` asks for, and an operation whose `security`
cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template

SECURED = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: ., Handler: app.handler, Runtime: python3.11}}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        info: {{title: t}}
        securityDefinitions:
          key: {{type: apiKey, name: x-api-key, in: header}}
        paths:
          /x:
            get:
              security: {security}
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/\\
                  functions/${{Fn.Arn}}/invocations"
"""


def _load(tmp_path: Path, security: str) -> template.Template:
    (tmp_path / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(SECURED.format(security=security))
    return template.load(tmp_path / "template.yaml")


@pytest.mark.parametrize("security", ["{key: []}", "key", "5", "[key]", "[{key: x}]"])
def test_a_route_whose_security_is_not_a_list_of_requirements_is_not_served(
        tmp_path: Path, security: str) -> None:
    tpl = _load(tmp_path, security)
    assert not tpl.routes
    assert ("not emulated: GET /x on Api (its security is not a list of requirements, each a "
            "map of scheme -> its scopes)") in tpl.unsupported


def test_a_route_with_a_list_of_requirements_is_served(tmp_path: Path) -> None:
    tpl = _load(tmp_path, "[{key: []}]")
    assert [(r.method, r.path, r.api_key_required) for r in tpl.routes] == [
        ("GET", "/x", True)]
