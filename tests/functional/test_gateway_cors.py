"""CORS declared in a SAM template (apps/access/cors.yaml), over HTTP against a real dev
server.

REST APIs: SAM's `Cors` becomes a MOCK OPTIONS method on every path, answering 200 with
the headers as literals (aws-sam-translator swagger.py `add_cors`), after that method's
authorizer (AddDefaultAuthorizerToCorsPreflight, default true); the function's responses
are passed through untouched. HTTP APIs (developer guide, http-api-cors.html): API
Gateway answers a preflight itself (204), adds the configured headers to every response
to an allowed origin, and ignores the function's own CORS headers.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.servers import module_server

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "access" / "cors.yaml"
APP = "https://app.example"

server = module_server(TEMPLATE)


def preflight(http: httpx.Client, path: str, origin: str = APP, method: str = "GET",
              **headers: str) -> httpx.Response:
    return http.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                       **headers})


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def test_rest_cors_string_preflight_carries_the_default_authorizer(http: httpx.Client) -> None:
    # AddDefaultAuthorizerToCorsPreflight defaults to true: a browser's preflight, which
    # never sends the token, is refused as AWS refuses it.
    refused = preflight(http, "/strings")
    assert (refused.status_code, refused.json()) == (401, {"message": "Unauthorized"})
    granted = preflight(http, "/strings", Authorization="allow")
    assert (granted.status_code, granted.content) == (200, b"{}\n")
    assert cors_headers(granted) == {"access-control-allow-origin": "*",
                                     "access-control-allow-methods": "GET,OPTIONS"}


def test_rest_cors_object_preflight_without_the_authorizer(http: httpx.Client) -> None:
    expected = {"access-control-allow-origin": APP,
                "access-control-allow-methods": "GET,POST,OPTIONS",
                "access-control-allow-headers": "Content-Type,Authorization",
                "access-control-max-age": "600", "access-control-allow-credentials": "true"}
    for path in ("/objects", "/objects/7"):  # a POST path and an ANY path
        answered = preflight(http, path)
        assert answered.status_code == 200 and cors_headers(answered) == expected
    # The mock answers its literals to any OPTIONS request, whatever the origin: the
    # browser, not API Gateway, refuses an origin that does not match.
    other = http.options("/objects", headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and cors_headers(other) == expected


def test_rest_responses_are_the_functions_own(http: httpx.Client) -> None:
    response = http.post("/objects", headers={"Origin": APP, "Authorization": "allow"})
    assert response.status_code == 200
    # SAM cannot add headers to a proxy response; the function's own pass through.
    assert cors_headers(response) == {"access-control-allow-origin": "https://own.example"}


def test_an_http_api_preflight(http: httpx.Client) -> None:
    answered = preflight(http, "/http", method="POST",
                         **{"Access-Control-Request-Headers": "content-type"})
    assert (answered.status_code, answered.content) == (204, b"")
    assert cors_headers(answered) == {
        "access-control-allow-origin": APP, "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "content-type,authorization",
        "access-control-max-age": "300"}
    second = preflight(http, "/http", origin="http://localhost:8080")
    assert second.headers["access-control-allow-origin"] == "http://localhost:8080"


@pytest.mark.parametrize("origin, method", [("https://evil.example", "GET"), (APP, "DELETE")],
                         ids=["origin-not-allowed", "method-not-allowed"])
def test_an_http_api_preflight_not_allowed_gets_no_cors_headers(
        http: httpx.Client, origin: str, method: str) -> None:
    refused = preflight(http, "/http", origin=origin, method=method)
    assert refused.status_code == 204 and cors_headers(refused) == {}


def test_http_api_responses_get_the_apis_cors_headers(http: httpx.Client) -> None:
    allowed = http.get("/http", headers={"Origin": APP})
    assert allowed.status_code == 200
    # The function's own Access-Control-Allow-Origin is replaced by the API's.
    assert cors_headers(allowed) == {"access-control-allow-origin": APP,
                                     "access-control-allow-credentials": "true",
                                     "access-control-expose-headers": "x-request-id"}
    for headers in ({"Origin": "https://evil.example"}, {}):
        assert cors_headers(http.get("/http", headers=headers)) == {}
