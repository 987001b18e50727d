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


def values(response: Any, name: str) -> list[str]:
    return [v for k, v in response.headers if k.lower() == name.lower()]


def test_v1_response_sends_both_maps_multi_values_first() -> None:
    # Bug 1. A name in headers and multiValueHeaders: every value goes out, the multi ones
    # first, in the multi map's spelling (LocalStack v4.14.0 test_apigateway_lambda.
    # snapshot.json, test_aws_proxy_response_payload_format_validation:
    # "invoke-api-multi-headers-overwrite" -> "value-multi, value-solo";
    # "-overwrite-casing" -> "tesT-Multi").
    response = to_http(payload({
        "statusCode": 201, "headers": {"X-One": "1", "mycustomheader": "Custom"},
        "multiValueHeaders": {"MyCustomHeader": ["Value1", "Value2"], "Set-Cookie": ["a=1"]},
        "body": "hi"}), V1)
    assert response.status == 201 and response.body == b"hi"
    assert [(k, v) for k, v in response.headers if k.lower() == "mycustomheader"] == [
        ("MyCustomHeader", "Value1"), ("MyCustomHeader", "Value2"), ("MyCustomHeader", "Custom")]
    assert values(response, "Set-Cookie") == ["a=1"] and values(response, "X-One") == ["1"]
    assert ("Content-Type", "application/json") in response.headers


@pytest.mark.parametrize("value, status", [
    # Bugs 2 and 3: no statusCode is a 200, a numeric string is that status (same
    # snapshot: "invoke-api-only-headers" 200, "invoke-api-status-code-str" 201).
    ({"headers": {"test-header": "value"}}, 200), ({"body": "no status"}, 200),
    ({"statusCode": "201"}, 201), ({"statusCode": None}, 200), ({"statusCode": 204.0}, 204),
])
def test_v1_status_codes_as_aws_reads_them(value: Any, status: int) -> None:
    assert to_http(payload(value), V1).status == status


def test_v1_scalars_coerce_to_text() -> None:
    # "invoke-api-with-headers": a boolean header value goes out as "true"; a number body
    # as its digits (SAM CLI's start-api test_integer_body agrees).
    response = to_http(payload({"statusCode": 200, "headers": {"header-bool": True},
                                "body": 42}), V1)
    assert values(response, "header-bool") == ["true"] and response.body == b"42"


def test_base64_bodies_are_decoded_when_the_client_accepts_a_binary_type() -> None:
    body = base64.b64encode(b"\x00\x01").decode()
    response = payload({"statusCode": 200, "body": body, "isBase64Encoded": True})
    assert to_http(response, V1, accept="image/png",
                   binary_media_types=("image/png",)).body == b"\x00\x01"
    assert to_http(response, V1, accept="image/webp,*/*",
                   binary_media_types=("image/*",)).body == b"\x00\x01"
    assert to_http(response, V1, binary_media_types=("*/*",)).body == b"\x00\x01"
    # No binaryMediaTypes, or an Accept that is not one: the client gets the base64 text
    # (same snapshot, "invoke-api-b64-encoded-true" -> "dGVzdC1kYXRh").
    assert to_http(response, V1).body == body.encode()
    assert to_http(response, V1, accept="*/*", binary_media_types=("image/png",)).body == (
        body.encode())
    assert to_http(response, V2).body == b"\x00\x01"  # HTTP APIs always decode


@pytest.mark.parametrize("value", [
    "just a string", [1, 2], {"statusCode": "test"},
    {"statusCode": 200, "body": {"a": 1}}, {"statusCode": 200, "cookies": ["a=1"]},
    {"statusCode": 200, "statusDescription": "OK"}, {"statusCode": 200, "headers": ["x"]},
    {"statusCode": 200, "multiValueHeaders": {"test-multi-invalid": "value1"}},
    {"statusCode": 99}, {"statusCode": True},
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


def test_v2_ignores_keys_it_does_not_know() -> None:
    # Bug 6. Format 2.0 reads statusCode, headers, cookies, body and isBase64Encoded and
    # nothing else (SAM CLI's start-api test_v2_lambda_response_skip_unexpected_fields).
    response = to_http(payload({"statusCode": 200, "body": '{"hello": "world"}',
                                "key": "value", "multiValueHeaders": {"X": ["1"]}}), V2)
    assert (response.status, response.body) == (200, b'{"hello": "world"}')
    assert values(response, "X") == []


def test_v2_returned_error_shape_is_an_ordinary_200() -> None:
    # Bug 7. A function that *returns* {"errorType", "errorMessage"} succeeded: Lambda
    # flags a function error only when the function raises (X-Amz-Function-Error), which
    # the proxy answers with 500. A returned JSON object without statusCode is, by the
    # developer guide's format 2.0 inference, a 200 with that object as its JSON body.
    # SAM CLI guesses an error from the keys (its base_local_service.py says so) and
    # answers 500; AWS does not.
    document = {"errorType": "Error", "errorMessage": ""}
    response = to_http(payload(document), V2)
    assert (response.status, json.loads(response.body)) == (200, document)


def test_v2_with_status_and_no_content_type_is_text() -> None:
    response = to_http(payload({"statusCode": 201, "body": "made"}), V2)
    assert values(response, "Content-Type") == ["text/plain; charset=utf-8"]


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


def test_a_root_route_matches_only_the_root(tmp_path: Path) -> None:
    router = Router(write_template(tmp_path, route_event("Root", "Api", "get", "/") +
                                   route_event("Deep", "Api", "get", "/x/y")))
    assert router.match("GET", "/").route.path == "/"  # type: ignore[union-attr]
    assert router.match("GET", "/zzz") is None
    assert router.match("GET", "/x/y").route.path == "/x/y"  # type: ignore[union-attr]


def test_resource_is_the_most_specific_path_whatever_the_method(router: Router) -> None:
    found = router.resource("/items/7")
    assert found is not None
    assert found.route.path == "/items/{id}" and found.path_parameters == {"id": "7"}
    assert router.resource("/") is None
