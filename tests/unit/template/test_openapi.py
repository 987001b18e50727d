"""OpenAPI bodies as API Gateway imports them."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.template import openapi

PROXY = {"type": "aws_proxy", "httpMethod": "POST", "payloadFormatVersion": "2.0",
         "uri": "arn:aws:lambda:us-east-1:123456789012:function:Fn"}


@pytest.mark.parametrize("path, operation, kind, expected", [
    # As API Gateway exports an HTTP API's $default route (http-api-open-api.html).
    ("/$default", {"isDefaultRoute": True}, "http", "$default"),
    ("/$default", {}, "http", "$default"),
    ("$default", {"isDefaultRoute": True}, "http", "$default"),
    ("/$default", {}, "rest", "/$default"),  # a REST API has no $default route
])
def test_the_default_route_of_an_http_api(path: str, operation: dict[str, Any], kind: str,
                                          expected: str) -> None:
    body = {"openapi": "3.0.1", "paths": {path: {"x-amazon-apigateway-any-method": {
        **operation, "x-amazon-apigateway-integration": PROXY}}}}
    [op] = openapi.read(body, kind, "Api").operations
    assert (op.method, op.path, op.function) == ("ANY", expected, "Fn")


def test_a_method_under_default_is_a_path_like_any_other() -> None:
    body = {"paths": {"/$default": {"get": {"x-amazon-apigateway-integration": PROXY}}}}
    [op] = openapi.read(body, "http", "Api").operations
    assert (op.method, op.path) == ("GET", "/$default")


def test_a_method_beside_the_default_route_keeps_its_path() -> None:
    body = {"paths": {"/$default": {"x-amazon-apigateway-any-method": {
        "x-amazon-apigateway-integration": PROXY}, "get": {
        "x-amazon-apigateway-integration": PROXY}}}}
    routes = {(op.method, op.path) for op in openapi.read(body, "http", "Api").operations}
    assert routes == {("ANY", "$default"), ("GET", "/$default")}


@pytest.mark.parametrize("body, why", [
    ({"paths": ["/a"]}, 'paths must be a map, not ["/a"]'),
    ({"x-amazon-apigateway-binary-media-types": "image/png"},
     "x-amazon-apigateway-binary-media-types must be a list, not 'image/png'"),
    ({"paths": {"/a": {"get": {"x-amazon-apigateway-integration": "aws_proxy"}}}},
     "x-amazon-apigateway-integration of GET /a must be a map, not 'aws_proxy'"),
    ({"securityDefinitions": {"A": {"x-amazon-apigateway-authorizer": {
        "type": "token", "authorizerResultTtlInSeconds": "soon"}}}},
     "authorizerResultTtlInSeconds of A must be seconds, not 'soon'"),
    ({"securityDefinitions": {"A": {"x-amazon-apigateway-authorizer": {
        "type": "jwt", "jwtConfiguration": ["issuer"]}}}},
     'jwtConfiguration of A must be a map, not ["issuer"]'),
])
def test_a_malformed_body_serves_nothing_and_says_why(body: dict[str, Any], why: str) -> None:
    definition = openapi.read(body, "rest", "Api")
    assert definition.operations == []
    assert definition.notes == [f"not emulated: the OpenAPI body of Api ({why})"]
