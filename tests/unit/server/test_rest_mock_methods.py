"""REST methods API Gateway answers without a function: a MOCK integration with static
templates is answered as API Gateway does; any other is said at load and answers 500."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from workbench import template
from workbench.gateway.access import Access
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import Router
from workbench.server import proxy

TEMPLATE = """
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {{Handler: app.handler, Runtime: python3.11, Code: code, Role: r}}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: api}}
  Status:
    Type: AWS::ApiGateway::Resource
    Properties: {{RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: status}}
  StatusGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Status
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: {kind}
        RequestTemplates: {{application/json: '{request}'}}
        IntegrationResponses:
          - StatusCode: "200"
            ResponseParameters: {{method.response.header.X-Mock: "'yes'"}}
            ResponseTemplates: {{application/json: '{response}'}}
          - StatusCode: "404"
            SelectionPattern: "404"
            ResponseTemplates: {{application/json: '{{"message": "gone"}}'}}
"""
STATIC = {"kind": "MOCK", "request": '{"statusCode": 200}', "response": '{"up": true}'}


def _load(tmp_path: Path, **change: str) -> template.Template:
    (tmp_path / "code").mkdir(exist_ok=True)
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(**{**STATIC, **change}))
    return template.load(tmp_path / "template.yaml")


def _get(tpl: template.Template, path: str = "/status") -> Any:
    runtime: Any = SimpleNamespace(account_id="123456789012", template=tpl)
    access = Access(tpl, runtime, region="us-east-1", account_id="123456789012")
    request = HttpRequest(method="GET", raw_path=path, query_string="", headers=[], body=b"")
    return asyncio.run(proxy.handle(request, Router(tpl), runtime, access))


@pytest.mark.parametrize("request_template, status, body", [
    ('{"statusCode": 200}', 200, {"up": True}),
    ('{"statusCode": 404}', 404, {"message": "gone"}),
])
def test_a_static_mock_answers_its_integration_response(
        tmp_path: Path, request_template: str, status: int, body: dict[str, Any]) -> None:
    tpl = _load(tmp_path, request=request_template)
    assert not [n for n in tpl.unsupported if "GET /status" in n]
    response = _get(tpl).response
    assert (response.status, json.loads(response.body)) == (status, body)
    assert (status != 200) or ("X-Mock", "yes") in response.headers


def test_a_selection_pattern_python_cannot_read_selects_nothing(tmp_path: Path) -> None:
    text = TEMPLATE.format(**STATIC).replace('SelectionPattern: "404"', 'SelectionPattern: "("')
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(text)
    assert _get(template.load(tmp_path / "template.yaml")).response.status == 200


@pytest.mark.parametrize("change, why", [
    ({"response": '#set($x = 1){"up": $x}'}, "MOCK integration with mapping templates"),
    ({"request": '{"statusCode": $input.params(\\"s\\")}'},
     "MOCK integration with mapping templates"),
    ({"kind": "AWS"}, "AWS integration with mapping templates"),
    ({"kind": "HTTP"}, "HTTP integration with mapping templates"),
])
def test_any_other_is_said_at_load_and_answers_500(tmp_path: Path, change: dict[str, str],
                                                   why: str) -> None:
    tpl = _load(tmp_path, **change)
    assert f"not emulated: GET /status on Api ({why}; it answers 500)" in tpl.unsupported
    exchange = _get(tpl)
    assert (exchange.response.status, json.loads(exchange.response.body)) == (
        500, {"message": "Internal server error"})
    assert exchange.note == (f"GET /status on Api: {why} is not emulated: answered 500")
