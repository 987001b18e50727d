"""Access controls written as OpenAPI (apps/access/openapi.yaml: DefinitionBody with
x-amazon-apigateway-authorizer, securitySchemes, x-amazon-apigateway-cors, request
validators, a hand-written mock OPTIONS) and as plain CloudFormation
(apps/access/cloudformation.yaml: AWS::ApiGateway::Authorizer, Methods with
AuthorizationType / ApiKeyRequired, ApiKey + UsagePlan, AWS::ApiGatewayV2::*), over HTTP
against real dev servers: the same answers as the SAM shapes get.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import answer, serve

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps" / "access"
UNAUTHORIZED = (401, {"message": "Unauthorized"})


def client(tmp_path_factory: pytest.TempPathFactory, template: str) -> Iterator[httpx.Client]:
    for server in serve(tmp_path_factory, APPS / template):
        with httpx.Client(base_url=server.url, timeout=60) as http:
            yield http


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    yield from client(tmp_path_factory, "openapi.yaml")


@pytest.fixture(scope="module")
def cfn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    yield from client(tmp_path_factory, "cloudformation.yaml")



def test_openapi_rest_security(openapi: httpx.Client) -> None:
    # API-wide `security` is each operation's default; `security: []` opens one.
    assert answer(openapi.get("/items")) == UNAUTHORIZED
    assert openapi.get("/items", headers={"X-Token": "allow"}).status_code == 200
    assert openapi.get("/open").status_code == 200
    assert answer(openapi.get("/me")) == UNAUTHORIZED  # the Cognito scheme


def test_openapi_rest_api_key_and_validation(openapi: httpx.Client) -> None:
    allowed = {"X-Token": "allow", "X-Client": "c"}
    assert answer(openapi.post("/items", headers=allowed, json={"name": "n"})) == (
        403, {"message": "Forbidden"})  # the api_key scheme: ApiKeyRequired
    keyed = {**allowed, "x-api-key": "openapi-key-0123456789abcdef"}  # tied by StageKeys
    assert openapi.post("/items", headers=keyed, json={"name": "n"}).status_code == 200
    assert answer(openapi.post("/items", headers=keyed, json={})) == (
        400, {"message": "Invalid request body"})
    del keyed["X-Client"]
    assert answer(openapi.post("/items", headers=keyed, json={"name": "n"})) == (
        400, {"message": "Missing required request parameters: [X-Client]"})


def test_openapi_rest_mock_options_echoes_the_origin(openapi: httpx.Client) -> None:
    answered = openapi.options("/items", headers={"Origin": "https://app.example"})
    assert answered.status_code == 204  # the mock's own status, and no authorizer
    assert answered.headers["access-control-allow-origin"] == "https://app.example"
    assert answered.headers["access-control-allow-methods"] == "GET,POST"


def test_openapi_http_authorizers_and_cors(openapi: httpx.Client,
                                           workbench_token: Callable[..., str]) -> None:
    token = workbench_token(issuer="https://id.example.com", audience="http-api",
                            scopes=("reports/read",))
    granted = openapi.get("/reports", headers={"Authorization": f"Bearer {token}",
                                               "Origin": "https://any.example"})
    assert granted.status_code == 200 and granted.headers["access-control-allow-origin"] == "*"
    assert granted.json()["requestContext"]["authorizer"]["jwt"]["scopes"] == ["reports/read"]
    assert answer(openapi.get("/simple", headers={"x-key": "no"})) == (
        403, {"message": "Forbidden"})
    assert openapi.get("/simple", headers={"x-key": "yes"}).status_code == 200
    preflight = openapi.options("/reports", headers={"Origin": "https://any.example",
                                                     "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-methods"] \
        == "GET"


def test_cloudformation_rest_methods(cfn: httpx.Client,
                                     workbench_token: Callable[..., str]) -> None:
    assert answer(cfn.get("/items")) == UNAUTHORIZED
    assert answer(cfn.get("/items", headers={"Authorization": "deny"})) == (
        403, {"message": "User is not authorized to access this resource with an explicit deny"})
    assert cfn.get("/items", headers={"Authorization": "allow"}).status_code == 200
    assert answer(cfn.get("/items/1")) == (403, {"message": "Forbidden"})  # ApiKeyRequired
    assert cfn.get("/items/1", headers={"x-api-key": "cfn-key-0123456789abcdef"}
                   ).status_code == 200
    # AWS_IAM: unsigned is REST's "Missing Authentication Token".
    assert answer(cfn.delete("/items/1")) == (403, {"message": "Missing Authentication Token"})
    pool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Cfn"
    writer = workbench_token(issuer=pool, scopes=("items/write",), claims={"token_use": "access"})
    created = cfn.post("/items", headers={"Authorization": writer, "X-Client": "c"},
                       json={"name": "n"})
    assert created.status_code == 200
    assert answer(cfn.post("/items", headers={"Authorization": writer, "X-Client": "c"},
                           json={"name": 1})) == (400, {"message": "Invalid request body"})
    preflight = cfn.options("/items")
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-methods"] == "GET,POST,OPTIONS"


def test_cloudformation_http_api(cfn: httpx.Client, workbench_token: Callable[..., str]) -> None:
    reader = workbench_token(issuer="https://id.example.com", audience="cfn-http",
                             scopes=("reports/read",))
    assert cfn.get("/reports", headers={"Authorization": f"Bearer {reader}"}).status_code == 200
    other = workbench_token(issuer="https://id.example.com", audience="cfn-http")
    assert answer(cfn.get("/reports", headers={"Authorization": f"Bearer {other}"})) == (
        403, {"message": "Forbidden"})

