"""API keys declared in a SAM template (apps/access/api-keys.yaml), over HTTP against a
real dev server: `ApiKeyRequired` answers 403 `{"message":"Forbidden"}` without a key of
one of the API's usage plans (developer guide, api-gateway-api-usage-plans.html), from the
`x-api-key` header or, with ApiKeySourceType AUTHORIZER, the authorizer's
usageIdentifierKey (api-gateway-api-key-source.html); keys in --api-keys FILE count on
every API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import answer, serve
from workbench.pytest_plugin import ServerProcess

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "access" / "api-keys.yaml"
SHOP_KEY, PARTNER_KEY = "shop-key-0123456789abcdef", "partner-key-0123456789abcdef"
FORBIDDEN = (403, {"message": "Forbidden"})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    keys = tmp_path_factory.mktemp("keys") / "api-keys.txt"
    keys.write_text("# keys for local testing\nfile-key-0123456789abcdef\n")
    yield from serve(tmp_path_factory, TEMPLATE, "--api-keys", str(keys))



@pytest.mark.parametrize("headers", [
    {}, {"x-api-key": "wrong"}, {"x-api-key": ""},
    {"x-api-key": "retired-key-0123456789abcdef"},  # Enabled: false
    {"x-api-key": PARTNER_KEY},  # a key of another API's usage plan
], ids=["none", "unknown", "empty", "disabled", "other-api"])
def test_a_required_key_that_is_missing_or_not_the_apis_is_refused(
        http: httpx.Client, headers: dict[str, str]) -> None:
    response = http.get("/catalog", headers=headers)
    assert answer(response) == FORBIDDEN
    assert response.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_a_key_of_the_apis_usage_plan_or_the_keys_file_passes(http: httpx.Client) -> None:
    event = http.get("/catalog", headers={"X-API-Key": SHOP_KEY}).json()
    identity = event["requestContext"]["identity"]
    assert identity["apiKey"] == SHOP_KEY and identity["apiKeyId"]
    assert http.get("/catalog", headers={"x-api-key": "file-key-0123456789abcdef"}
                    ).status_code == 200
    assert http.get("/open").status_code == 200  # no ApiKeyRequired on this route


@pytest.mark.parametrize("token, headers, status", [
    (f"key:{PARTNER_KEY}", {}, 200),
    (f"key:{SHOP_KEY}", {}, 403),  # a key, but of another API's plan
    ("allow", {"x-api-key": PARTNER_KEY}, 403),  # source AUTHORIZER: the header is not read
])
def test_a_key_from_the_authorizer(http: httpx.Client, token: str, headers: dict[str, str],
                                   status: int) -> None:
    response = http.get("/partner", headers={"Authorization": token, **headers})
    assert response.status_code == status
    if status == 200:
        assert response.json()["requestContext"]["identity"]["apiKey"] == PARTNER_KEY


def test_the_banner_names_what_is_not_checked(server: ServerProcess) -> None:
    banner = server.output()
    assert "not emulated: AWS::ApiGateway::UsagePlan ShopUsagePlan, PartnerUsagePlan " \
           "(API keys are checked, throttles and quotas are not)" in banner
    assert "not known offline: the value of API key ShopApiKey" in banner
