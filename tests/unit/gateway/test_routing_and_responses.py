"""Routing, proxy responses and API Gateway's error answers."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from workbench import template
from workbench.gateway import errors
from workbench.gateway.http import HttpRequest
from workbench.gateway.limits import check_limits
from workbench.gateway.responses import MalformedResponse, to_http
from workbench.gateway.routing import Router
from workbench.template import Route

APPS = Path(__file__).parents[2] / "functional" / "apps"
V1 = Route("Api", "rest", "GET", "/x", "Fn", "1.0")
V2 = Route("Api", "http", "GET", "/x", "Fn", "2.0")


def write_template(tmp_path: Path, events: str) -> template.Template:
    (tmp_path / "code").mkdir(exist_ok=True)
    (tmp_path / "code" / "app.py").write_text("def handler(e, c): return e\n")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: code\n      Handler: app.handler\n      Runtime: python3.11\n"
        "      Events:\n" + events)
    return template.load(tmp_path / "template.yaml")


def route_event(name: str, kind: str, method: str, path: str) -> str:
    return (f"        {name}:\n          Type: {kind}\n          Properties:\n"
            f"            Path: '{path}'\n            Method: {method}\n")


@pytest.fixture
def router(tmp_path: Path) -> Router:
    return Router(write_template(tmp_path, "".join([
        route_event("Proxy", "Api", "any", "/{proxy+}"),
        route_event("Param", "Api", "get", "/items/{id}"),
        route_event("Literal", "Api", "get", "/items/special"),
        route_event("AnyItem", "Api", "any", "/items/{id}"),
        route_event("Nested", "Api", "get", "/items/{id}/parts/{part}"),
    ])))


@pytest.mark.parametrize("method, path, resource, params", [
    ("GET", "/items/special", "/items/special", None),
    ("GET", "/items/7", "/items/{id}", {"id": "7"}),
    ("POST", "/items/7", "/items/{id}", {"id": "7"}),  # ANY beats the greedy route
    ("GET", "/items/7/parts/x", "/items/{id}/parts/{part}", {"id": "7", "part": "x"}),
    ("GET", "/other/deep/path", "/{proxy+}", {"proxy": "other/deep/path"}),
    ("GET", "/items/a%2Fb", "/items/{id}", {"id": "a/b"}),  # encoded slash stays inside
    ("GET", "/items/caf%C3%A9", "/items/{id}", {"id": "café"}),
])
def test_most_specific_route_wins(router: Router, method: str, path: str, resource: str,
                                  params: dict[str, str] | None) -> None:
    found = router.match(method, path)
    assert found is not None
    assert (found.route.path, found.path_parameters) == (resource, params)
    if resource == "/items/{id}" and method == "GET":
        assert found.route.method == "GET"  # exact method before ANY


def test_paths_are_case_sensitive_and_unknown_is_none(tmp_path: Path) -> None:
    router = Router(write_template(tmp_path, route_event("R", "Api", "get", "/Items")))
    assert router.match("GET", "/Items") is not None
    assert router.match("GET", "/items") is None
    assert router.match("POST", "/Items") is None


@pytest.mark.parametrize("path", ["/items/../secret", "/items/%2e%2e/x", "/./items"])
def test_dot_segments_are_refused(router: Router, path: str) -> None:
    with pytest.raises(errors.BadPath):
        router.match("GET", path)


def test_http_default_route_catches_the_rest(tmp_path: Path) -> None:
    tpl = write_template(tmp_path, route_event("A", "HttpApi", "get", "/a") +
                         "        D:\n          Type: HttpApi\n")
    router = Router(tpl)
    assert router.match("GET", "/a").route.path == "/a"  # type: ignore[union-attr]
    assert router.match("DELETE", "/zzz").route.path == "$default"  # type: ignore[union-attr]


def payload(value: Any) -> bytes:
    return json.dumps(value).encode()


def test_v1_response_merges_headers_and_keeps_repeats() -> None:
    response = to_http(payload({
        "statusCode": 201, "headers": {"X-One": "1", "Set-Cookie": "ignored"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "hi"}), V1)
    assert response.status == 201 and response.body == b"hi"
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("X-One", "1") in response.headers
    assert ("Content-Type", "application/json") in response.headers


def test_base64_bodies_are_decoded() -> None:
    body = base64.b64encode(b"\x00\x01").decode()
    response = to_http(payload({"statusCode": 200, "body": body, "isBase64Encoded": True}), V1)
    assert response.body == b"\x00\x01"


@pytest.mark.parametrize("value", [
    "just a string", [1, 2], {"body": "no status"}, {"statusCode": "200", "body": ""},
    {"statusCode": 200, "body": {"a": 1}}, {"statusCode": 200, "cookies": ["a=1"]},
    {"statusCode": 200, "statusDescription": "OK"}, {"statusCode": 200, "headers": ["x"]},
    {"statusCode": 200, "body": "!!", "isBase64Encoded": True}, {"statusCode": 99},
])
def test_malformed_v1_responses(value: Any) -> None:
    with pytest.raises(MalformedResponse):
        to_http(payload(value), V1)


@pytest.mark.parametrize("value, body", [
    ("hello", b"hello"), ({"a": 1}, b'{"a": 1}'), ([1, 2], b"[1, 2]"), (3, b"3"),
])
def test_v2_infers_a_response_from_bare_values(value: Any, body: bytes) -> None:
    response = to_http(payload(value), V2)
    assert (response.status, response.body) == (200, body)
    assert ("Content-Type", "application/json") in response.headers


def test_v2_cookies_become_set_cookie() -> None:
    response = to_http(payload({"statusCode": 200, "cookies": ["a=1", "b=2"], "body": ""}), V2)
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]


@pytest.mark.parametrize("error, rest, http", [
    (errors.MissingRoute(), (403, "Missing Authentication Token"), (404, "Not Found")),
    (errors.IntegrationFailure(), (502, "Internal server error"),
     (500, "Internal Server Error")),
    (errors.LambdaThrottled(), (500, "Internal server error"), (500, "Internal Server Error")),
    (errors.IntegrationTimeout(), (504, "Endpoint request timed out"),
     (503, "Service Unavailable")),
    (errors.RequestTooLarge(), (413, "Request Too Long"), (413, "Request Entity Too Large")),
])
def test_error_renderings(error: errors.GatewayError, rest: tuple[int, str],
                          http: tuple[int, str]) -> None:
    for kind, (status, message) in (("rest", rest), ("http", http)):
        response = error.render(kind)  # type: ignore[arg-type]
        assert response.status == status
        assert json.loads(response.body) == {"message": message}
    assert ("x-amzn-ErrorType", "MissingAuthenticationTokenException") in (
        errors.MissingRoute().render("rest").headers)


def test_limits() -> None:
    small = HttpRequest("GET", "/", "", [("A", "b")], b"")
    check_limits(small)
    with pytest.raises(errors.RequestTooLarge):
        check_limits(HttpRequest("POST", "/", "", [], b"x" * (10 * 1024 * 1024 + 1)))
    with pytest.raises(errors.HeaderTooLarge):
        check_limits(HttpRequest("GET", "/", "", [("X", "y" * 10240)], b""))


@pytest.mark.parametrize("headers", [
    {"X-Split": "a\r\nX-Injected: 1"}, {"Bad Name": "v"}, {"X-\u2615": "v"}, {"": "v"},
    {"X-Nul": "a\x00b"},
])
def test_header_names_must_be_tokens_and_values_free_of_control_characters(
        headers: dict[str, str]) -> None:
    with pytest.raises(MalformedResponse):
        to_http(payload({"statusCode": 200, "headers": headers}), V1)


def test_header_values_may_hold_any_text() -> None:
    response = to_http(payload({"statusCode": 200, "headers": {"X-Name": "caf\u00e9\t\u2615"}}),
                       V1)
    assert ("X-Name", "caf\u00e9\t\u2615") in response.headers
