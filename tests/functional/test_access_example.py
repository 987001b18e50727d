"""The README's worked example (docs/access-example/) answers as the README shows: keep
the two in step."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.cli import workbench
from tests.servers import answer, module_server
from workbench.pytest_plugin import ServerProcess

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parents[2] / "docs" / "access-example" / "template.yaml"
LET_IN = {"Authorization": "Bearer letmein"}

server = module_server(TEMPLATE)


def test_the_banner(server: ServerProcess) -> None:
    banner = server.output()
    assert (f"Function URL of WebhookFunction: {server.url}/_lambda_url/WebhookFunction/ "
            "(AuthType NONE)") in banner
    assert ("not emulated: AWS::ApiGateway::UsagePlan ShopApiUsagePlan (API keys are checked, "
            "throttles and quotas are not)") in banner


def test_the_rest_api(http: httpx.Client) -> None:
    refused = http.get("/orders")
    assert answer(refused) == (401, {"message": "Unauthorized"})
    assert refused.headers["x-amzn-errortype"] == "UnauthorizedException"
    assert refused.headers["access-control-allow-origin"] == "https://shop.example"
    assert answer(http.get("/orders", headers={"Authorization": "Bearer guess"})) == (
        403, {"message": "User is not authorized to access this resource with an explicit deny"})
    assert http.get("/orders", headers=LET_IN).json() == {
        "path": "/orders", "user": "dana", "apiKey": None}
    assert answer(http.post("/orders", headers=LET_IN, json={"qty": 1})) == (
        400, {"message": "Invalid request body"})
    assert http.get("/catalog", headers={"x-api-key": "dev-key-0123456789abcdef"}).json() == {
        "path": "/catalog", "user": None, "apiKey": "dev-key-0123456789abcdef"}
    preflight = http.options("/orders", headers={"Origin": "https://shop.example",
                                                 "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200
    assert {k: v for k, v in preflight.headers.items() if k.startswith("access-control")} == {
        "access-control-allow-origin": "https://shop.example",
        "access-control-allow-methods": "GET,OPTIONS,POST",
        "access-control-allow-headers": "Authorization,Content-Type,X-Api-Key"}


def test_the_http_api_and_the_function_url(http: httpx.Client) -> None:
    minted = workbench("token", "--authorizer", "Jwt", "--template", str(TEMPLATE))
    assert minted.returncode == 0, minted.stderr
    assert http.get("/v2/orders", headers={"Authorization": f"Bearer {minted.stdout.strip()}"}
                    ).json() == {"path": "/v2/orders", "user": "test-user", "apiKey": None}
    assert http.post("/_lambda_url/WebhookFunction/hook", content=b'{"event": "paid"}'
                     ).json() == {"received": {"event": "paid"}}
