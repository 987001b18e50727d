"""Customised gateway responses declared in a template (apps/access/gateway-responses.yaml:
SAM's GatewayResponses and an AWS::ApiGateway::GatewayResponse), over HTTP against a real
dev server. AWS (developer guide, api-gateway-gatewayResponse-definition.html): the
response type's own customisation wins, else DEFAULT_4XX / DEFAULT_5XX; its status,
`gatewayresponse.header.*` mappings and body template replace the default ones.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.servers import answer, module_server

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "access" / "gateway-responses.yaml"

server = module_server(TEMPLATE)


def test_a_customised_type(http: httpx.Client) -> None:
    response = http.get("/orders", headers={"X-Trace": "t-1"})
    # Its own template, with the context and stage variables filled in; an unknown
    # reference stays as written, as VTL prints it.
    assert answer(response) == (401, {"error": "Unauthorized", "type": "UNAUTHORIZED",
                                      "stage": "test", "unknown": "$context.nothing"})
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="orders"'
    assert response.headers["X-Trace"] == "t-1"  # method.request.header.X-Trace
    # UNAUTHORIZED is customised, so DEFAULT_4XX's header does not apply.
    assert "access-control-allow-origin" not in response.headers


def test_a_status_override_keeps_the_default_body(http: httpx.Client) -> None:
    assert answer(http.get("/orders", headers={"Authorization": "deny"})) == (
        404, {"message": "User is not authorized to access this resource with an explicit deny"})


def test_default_4xx_and_5xx_cover_the_rest(http: httpx.Client) -> None:
    keyless = http.get("/keyed")  # INVALID_API_KEY, not customised: DEFAULT_4XX
    assert answer(keyless) == (403, {"message": "Forbidden"})
    assert keyless.headers["access-control-allow-origin"] == "*"
    crashed = http.get("/orders", headers={"Authorization": "crash"})
    assert answer(crashed) == (500, {"oops": None})  # the authorizer failed: DEFAULT_5XX
    assert answer(http.get("/broken")) == (502, {"oops": "Internal server error"})


def test_a_gateway_response_resource(http: httpx.Client) -> None:
    assert answer(http.get("/nowhere")) == (404, {"message": "Not here"})
