"""Lambda tenant isolation (TenancyConfig PER_TENANT) over real HTTP: the Invoke API's
TenantId rules and errors as boto3 sees them, context.tenant_id, one tenant's
environments never serving another, and API Gateway's part (a REST integration maps
X-Amz-Tenant-Id; an HTTP API cannot send one). Lambda dg, tenant-isolation-invoke.html."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli import workbench
from tests.servers import answer, lambda_client, module_server
from workbench.pytest_plugin import ServerProcess, wait_for

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parents[1] / "templates" / "tenancy" / "template.yaml"
ENABLED = ("The invoked function is enabled with tenancy configuration. Add a valid tenant "
           "ID in your request and try again.")
NOT_ENABLED = ("The invoked function is not enabled with tenancy configuration. Remove the "
               "tenant ID from your request and try again.")


server = module_server(TEMPLATE)


@pytest.fixture(scope="module")
def lam(server: ServerProcess) -> Any:
    return lambda_client(server)


def _refusal(lam: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(lam.exceptions.ClientError) as caught:
        lam.invoke(Payload=b"{}", **kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.mark.parametrize("kind", ["RequestResponse", "Event"])
def test_the_invoke_api_refuses_a_missing_or_unexpected_tenant_id(lam: Any, kind: str) -> None:
    assert _refusal(lam, FunctionName="Isolated", InvocationType=kind) == (
        "ValidationException", ENABLED)
    assert _refusal(lam, FunctionName="Shared", TenantId="blue", InvocationType=kind) == (
        "ValidationException", NOT_ENABLED)
    code, message = _refusal(lam, FunctionName="Isolated", TenantId="b!ue", InvocationType=kind)
    assert (code, message.split(": ")[0]) == ("ValidationException",
                                               "1 validation error detected")


def test_each_tenant_has_its_own_environments_and_sees_its_id(
        lam: Any, server: ServerProcess) -> None:
    def tenant_of(tenant: str) -> Any:
        response = lam.invoke(FunctionName="Isolated", TenantId=tenant, Payload=b"{}")
        return json.loads(json.loads(response["Payload"].read())["body"])["tenant"]

    assert [tenant_of(t) for t in ("blue", "blue", "green")] == ["blue", "blue", "green"]
    def calls() -> list[str]:
        return [line.split()[1] for line in server.output().splitlines()
                if line.startswith("[Isolated] ") and line.split()[1] in ("cold", "warm")]

    wait_for(lambda: len(calls()) >= 3, what="three invocations printed")
    assert calls() == ["cold", "warm", "cold"]  # green never reuses blue's environment
    events = lam.invoke(FunctionName="Isolated", TenantId="blue", InvocationType="Event",
                        Payload=b"{}")
    assert events["StatusCode"] == 202


def test_a_rest_api_sends_the_tenant_its_integration_maps(http: httpx.Client) -> None:
    blue = http.get("/isolated", headers={"x-tenant-id": "blue"})
    assert blue.status_code == 200 and blue.json()["tenant"] == "blue"
    # No tenant ID (or one for a function without TenancyConfig): Lambda refuses, and
    # API Gateway answers its own 500.
    assert answer(http.get("/isolated")) == (500, {"message": "Internal server error"})
    assert http.get("/shared").status_code == 200
    assert answer(http.get("/shared", headers={"x-tenant-id": "blue"})) == (
        500, {"message": "Internal server error"})


def test_an_http_api_cannot_reach_a_tenant_isolated_function(
        http: httpx.Client, server: ServerProcess) -> None:
    refused = http.get("/isolated-http", headers={"X-Amz-Tenant-Id": "blue"})
    assert answer(refused) == (500, {"message": "Internal Server Error"})
    assert ("fails as on AWS: GET /isolated-http of ServerlessHttpApi -> Isolated "
            "(TenancyConfig PER_TENANT): an HTTP API cannot send Lambda a tenant ID"
            in server.output())


def test_workbench_invoke_takes_a_tenant_id() -> None:
    done = workbench("invoke", "Isolated", "--template", str(TEMPLATE), "--tenant-id", "blue")
    assert done.returncode == 0, done.stderr
    assert json.loads(json.loads(done.stdout)["body"])["tenant"] == "blue"
    refused = workbench("invoke", "Isolated", "--template", str(TEMPLATE))
    assert refused.returncode == 2 and f"ValidationException: {ENABLED}" in refused.stderr
