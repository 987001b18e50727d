"""What stays out of reach is named at start, never ignored in silence: a template that
declares a resource policy, WAF, mutual TLS, usage-plan quotas and integrations that are
not Lambda proxies (apps/access/unsupported.yaml) gets one banner line for each, once, and
what can run still runs."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.servers import module_server
from workbench.pytest_plugin import ServerProcess

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "access" / "unsupported.yaml"

server = module_server(TEMPLATE)


@pytest.mark.parametrize("line", [
    "not emulated: the resource policy of Guarded (x-amazon-apigateway-policy)",
    "not emulated: AWS::WAFv2::WebACLAssociation AclAssociation (WAF rules are not applied)",
    "(custom domains and mutual TLS: APIs answer on the dev server's own address)",
    "not emulated: AWS::ApiGateway::UsagePlan GuardedUsagePlan (API keys are checked, "
    "throttles and quotas are not)",
    "not emulated: POST /mapped on Guarded (AWS integration with mapping templates)",
    "not emulated: GET /elsewhere on Http (HTTP_PROXY integration)",
])
def test_each_thing_out_of_reach_is_named_once(server: ServerProcess, line: str) -> None:
    assert server.output().count(line) == 1, server.output()


def test_what_can_run_still_runs(http: httpx.Client) -> None:
    assert http.get("/proxied").status_code == 200
