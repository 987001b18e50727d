"""The event builder: every key and quirk of REST v1 and HTTP API v2 proxy events."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from workbench.gateway.events import build_event, post_event, synthetic_match
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import RouteMatch
from workbench.template import Api, Route

NOW = datetime(2024, 3, 9, 12, 34, 56, tzinfo=UTC)
REST_KEYS = {"resource", "path", "httpMethod", "headers", "multiValueHeaders",
             "queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
             "stageVariables", "requestContext", "body", "isBase64Encoded"}


def match(kind: str, path: str = "/items/{id}", params: dict[str, str] | None = None,
          stage: str | None = None, binary: tuple[str, ...] = (),
          variables: dict[str, str] | None = None) -> RouteMatch:
    rest = kind == "rest"
    api = Api("Api", "rest" if rest else "http", stage or ("dev" if rest else "$default"),
              binary, variables or {})
    route = Route("Api", api.kind, "GET", path, "Fn", "1.0" if rest else "2.0")
    return RouteMatch(route, api, params)


def request(**overrides: Any) -> HttpRequest:
    values: dict[str, Any] = {
        "method": "GET", "raw_path": "/items/42", "query_string": "", "body": b"",
        "headers": [("Host", "localhost:3000"), ("User-Agent", "test/1.0")]}
    values.update(overrides)
    return HttpRequest(**values)


def rest(req: HttpRequest, m: RouteMatch | None = None) -> dict[str, Any]:
    return build_event(req, m or match("rest", params={"id": "42"}), request_id="rid", now=NOW)


def http(req: HttpRequest, m: RouteMatch | None = None) -> dict[str, Any]:
    return build_event(req, m or match("http", params={"id": "42"}), request_id="rid", now=NOW)


def test_rest_event_has_every_key_and_context() -> None:
    event = rest(request())
    assert set(event) == REST_KEYS
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/items/{id}", "/items/42", "GET")
    context = event["requestContext"]
    assert context["path"] == "/dev/items/42" and context["stage"] == "dev"
    assert context["requestTime"] == "09/Mar/2024:12:34:56 +0000"
    assert context["requestTimeEpoch"] == 1709987696000
    assert context["requestId"] == "rid" and context["accountId"] == "123456789012"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "test/1.0"
    assert context["domainName"] == "localhost" and len(context["apiId"]) == 10


def test_rest_operation_name_is_in_the_context_only_when_the_method_has_one() -> None:
    named = match("rest")
    named = RouteMatch(dataclasses.replace(named.route, operation_name="ListItems"), named.api,
                       None)
    assert rest(request(), named)["requestContext"]["operationName"] == "ListItems"
    assert "operationName" not in rest(request())["requestContext"]
    http_named = match("http")
    http_named = RouteMatch(dataclasses.replace(http_named.route, operation_name="ListItems",
                                                payload_version="1.0"), http_named.api, None)
    assert "operationName" not in http(request(), http_named)["requestContext"]


def test_rest_empty_maps_are_null() -> None:
    event = rest(request(headers=[]), match("rest"))
    for key in ("queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
                "stageVariables", "body"):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False


def test_forwarded_headers_are_added_to_both_maps() -> None:
    # Bug 4. AWS adds X-Forwarded-For/-Port/-Proto to every proxy event, in headers and
    # multiValueHeaders (LocalStack v4.14.0, tests/aws/services/apigateway/
    # test_apigateway_lambda.snapshot.json, test_lambda_aws_proxy_integration).
    req = request(headers=[("X-Forwarded-For", "10.0.0.9"), ("X-Forwarded-Port", "1")],
                  server_port=3000, source_ip="192.0.2.1")
    event = rest(req)
    assert event["headers"]["X-Forwarded-For"] == "10.0.0.9, 192.0.2.1"
    assert event["headers"]["X-Forwarded-Port"] == "3000"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    assert event["multiValueHeaders"]["X-Forwarded-Port"] == ["3000"]
    assert http(req)["headers"]["x-forwarded-proto"] == "http"


def test_http_api_payload_1_0_events_say_so() -> None:
    # Bug 5. An HTTP API route on payload 1.0 sends "version": "1.0", header names lower
    # case and no resource id (developer guide, http-api-develop-integrations-lambda.html).
    m = RouteMatch(Route("Api", "http", "GET", "/items/{id}", "Fn", "1.0"),
                   Api("Api", "http", "$default"), {"id": "42"})
    event = build_event(request(headers=[("X-Id", "1")]), m, request_id="rid", now=NOW)
    assert event["version"] == "1.0" and set(event) == REST_KEYS | {"version"}
    assert event["headers"]["x-id"] == "1" and event["multiValueHeaders"]["x-id"] == ["1"]
    assert event["requestContext"]["resourceId"] is None
    assert event["requestContext"]["path"] == "/items/42"
    assert "version" not in rest(request())


def test_rest_repeats_keep_every_value_and_the_last_wins_in_single_maps() -> None:
    event = rest(request(query_string="a=1&a=2&b=x%20y&empty=",
                         headers=[("X-Id", "1"), ("X-Id", "2"), ("Content-Type", "text/plain")]))
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"],
                                                        "empty": [""]}
    assert event["queryStringParameters"] == {"a": "2", "b": "x y", "empty": ""}
    assert event["multiValueHeaders"]["X-Id"] == ["1", "2"] and event["headers"]["X-Id"] == "2"
    assert "Content-Type" in event["headers"]  # the client's case is kept


def test_every_request_gets_a_fresh_id_and_time() -> None:
    m = match("rest")
    first, second = build_event(request(), m), build_event(request(), m)
    assert first["requestContext"]["requestId"] != second["requestContext"]["requestId"]


def test_http_event_keys_and_context() -> None:
    event = http(request(query_string="a=1&a=2", headers=[
        ("Host", "h"), ("X-Id", "1"), ("x-id", "2"), ("Cookie", "s=1; s=2"), ("Cookie", "t=3")]))
    assert event["version"] == "2.0" and event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/42" and event["rawQueryString"] == "a=1&a=2"
    assert event["cookies"] == ["s=1", "s=2", "t=3"]
    assert event["headers"] == {"host": "h", "x-id": "1,2", "x-forwarded-for": "127.0.0.1",
                                "x-forwarded-proto": "http"}
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert event["pathParameters"] == {"id": "42"}
    assert "body" not in event and "stageVariables" not in event
    context = event["requestContext"]
    assert context["http"] == {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": ""}
    assert (context["stage"], context["time"], context["timeEpoch"]) == (
        "$default", "09/Mar/2024:12:34:56 +0000", 1709987696000)


def test_http_named_stage_is_part_of_raw_path_and_variables_are_passed() -> None:
    event = http(request(), match("http", stage="beta", variables={"v": "1"}))
    assert event["rawPath"] == "/beta/items/42" and event["stageVariables"] == {"v": "1"}


def test_http_without_cookies_or_query_leaves_the_keys_out() -> None:
    event = http(request(), match("http"))
    assert "cookies" not in event and "queryStringParameters" not in event
    assert "pathParameters" not in event


@pytest.mark.parametrize("content_type, binary", [
    ("image/png", True), ("image/jpeg", True), ("application/octet-stream", True),
    ("text/plain", False), ("application/json", False), ("", False),
])
def test_rest_binary_media_types_with_wildcards(content_type: str, binary: bool) -> None:
    m = match("rest", binary=("image/*", "application/octet-stream"))
    headers = [("Content-Type", content_type)] if content_type else []
    event = rest(request(method="POST", body=b"PNG data", headers=headers), m)
    assert event["isBase64Encoded"] is binary
    assert (base64.b64decode(event["body"]) if binary else event["body"].encode()) == b"PNG data"


@pytest.mark.parametrize("content_type, binary", [
    ("application/json", False), ("text/html; charset=utf-8", False),
    ("application/vnd.api+json", False), ("image/png", True), ("application/zip", True),
])
def test_http_api_encodes_whatever_is_not_text(content_type: str, binary: bool) -> None:
    event = http(request(method="POST", body=b"{}", headers=[("Content-Type", content_type)]))
    assert event["isBase64Encoded"] is binary


@pytest.mark.parametrize("content_type", ["text/plain", "image/gif"])
def test_a_rest_api_passes_a_non_binary_type_as_text_invalid_bytes_replaced(
        content_type: str) -> None:
    # No BinaryMediaTypes match: the payload is UTF-8 text (api-gateway-payload-encodings
    # .html), so bytes that are not UTF-8 are corrupted, as a deployed upload would be.
    event = rest(request(method="POST", body=b"GIF\xff\xfe", headers=[
        ("Content-Type", content_type)]))
    assert (event["body"], event["isBase64Encoded"]) == ("GIF\ufffd\ufffd", False)


def test_an_http_api_sends_invalid_utf8_text_base64_not_corrupted() -> None:
    event = http(request(method="POST", body=b"\xff\xfe", headers=[
        ("Content-Type", "text/plain")]))
    assert event["isBase64Encoded"] and base64.b64decode(event["body"]) == b"\xff\xfe"


def test_synthetic_routes_for_generated_events() -> None:
    event = build_event(request(raw_path="/x"), synthetic_match("http", "post", "/x"))
    assert event["routeKey"] == "POST /x"
    v1 = build_event(request(raw_path="/x"), synthetic_match("rest", "get", "/x"))
    assert v1["requestContext"]["stage"] == "Prod"


def test_post_event_encodes_a_json_body_and_passes_bytes_through() -> None:
    rest = post_event("/ner", {"batch": ["a"]})
    assert (rest["httpMethod"], rest["path"], rest["resource"]) == ("POST", "/ner", "/ner")
    assert json.loads(rest["body"]) == {"batch": ["a"]}
    raw = post_event("/qa", b'{"question": 1}', "http")
    assert raw["version"] == "2.0" and raw["body"] == '{"question": 1}'
    assert raw["headers"]["content-type"] == "application/json"
