"""What is said about an `Api` event SAM does not add to a REST API of the template."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import template
from workbench.errors import TemplateError

HEAD = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {{CodeUri: code, Handler: app.handler, Runtime: python3.11}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: /items, Method: {method}}}}}
"""
OWN_BODY = """
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      DefinitionBody:
        swagger: "2.0"
        paths:
          /items:
            {key}:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: {uri}
"""
URI = ("!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}"
       "/invocations")
REST_METHOD = """
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: api}}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: items
  ItemsMethod:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: {key}
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: {uri}
"""


def _notes(tmp_path: Path, text: str) -> list[str]:
    """The notes on event Get of a template with a handler."""
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(text)
    return [n for n in template.load(tmp_path / "template.yaml").unsupported
            if n.startswith("not emulated: Events.Get")]


@pytest.mark.parametrize("api, method, key, said", [
    (OWN_BODY, "get", "get", False),
    (OWN_BODY, "GET", "x-amazon-apigateway-any-method", False),
    (OWN_BODY, "post", "get", True),
    (REST_METHOD, "get", "GET", False),
    (REST_METHOD, "get", "ANY", False),
    (REST_METHOD, "post", "GET", True),
])
def test_only_a_route_the_api_lacks_is_named(tmp_path: Path, api: str, method: str, key: str,
                                             said: bool) -> None:
    notes = _notes(tmp_path, HEAD.format(method=method) + api.format(key=key, uri=URI))
    assert bool(notes) is said, notes


@pytest.mark.parametrize("events", ["{Get: {Type: Api, Properties: oops}}", "{Get: oops}",
                                    "[oops]"])
def test_an_event_that_is_not_a_map_is_no_traceback(tmp_path: Path, events: str) -> None:
    text = HEAD.format(method="get").split("      Events:")[0] + f"      Events: {events}\n"
    try:
        _notes(tmp_path, text)
    except TemplateError as error:  # the transform's own refusal, on one line
        assert "\n" not in str(error)
