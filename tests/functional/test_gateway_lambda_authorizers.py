"""Lambda authorizers declared in a SAM template (apps/access/lambda-authorizers.yaml), over
HTTP against a real dev server: REST TOKEN and REQUEST authorizers, HTTP API authorizers
with payload 1.0 and 2.0, every way an authorizer can fail, and `Authorizer: AWS_IAM`.

AWS's answers: API Gateway developer guide, apigateway-use-lambda-authorizer.html,
api-gateway-lambda-authorizer-output.html, http-api-lambda-authorizer.html; the 401/403
bodies as LocalStack's AWS-recorded snapshots (test_apigateway_lambda_authorizer) hold them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.servers import answer, module_server
from workbench.pytest_plugin import ServerProcess, wait_for

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "access" / "lambda-authorizers.yaml"
UNAUTHORIZED = (401, {"message": "Unauthorized"})
# REST words an explicit Deny apart from a policy that allows nothing matching (AWS
# knowledge center, api-gateway-403-error-lambda-authorizer).
EXPLICIT_DENY = (403, {"message": "User is not authorized to access this resource with an "
                                  "explicit deny"})
IMPLICIT_DENY = (403, {"message": "User is not authorized to access this resource"})

server = module_server(TEMPLATE)



def authorizer_of(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["requestContext"]["authorizer"]


def test_a_token_authorizer_grants_and_its_answer_is_cached(http: httpx.Client) -> None:
    assert answer(http.get("/token")) == UNAUTHORIZED  # no identity: not even called
    # IdentityValidationExpression: a token that fails it is refused without a call.
    assert answer(http.get("/token", headers={"Authorization": "not valid!"})) == UNAUTHORIZED
    first = authorizer_of(http.get("/token", headers={"Authorization": "allow"}))
    # REST hands the context on as strings, with the principal and the latency.
    assert {k: first[k] for k in ("passed", "number", "bool", "principalId")} == {
        "passed": "from authorizer", "number": "1", "bool": "true",
        "principalId": "user|a1b2c3d4"}
    assert isinstance(first["integrationLatency"], int)
    # AuthorizerResultTtlInSeconds defaults to 300: the same token is not asked again.
    again = authorizer_of(http.get("/token", headers={"Authorization": "allow"}))
    assert again["calls"] == first["calls"]


@pytest.mark.parametrize("token, expected", [
    ("deny", EXPLICIT_DENY),
    ("unauthorized", UNAUTHORIZED),  # raise Exception("Unauthorized"), AWS's blueprint
])
def test_a_token_authorizer_refuses(http: httpx.Client, token: str,
                                    expected: tuple[int, Any]) -> None:
    assert answer(http.get("/token", headers={"Authorization": token})) == expected


@pytest.mark.parametrize("token", ["crash", "malformed", "object-context", "slow", "exit"])
def test_an_authorizer_that_fails_is_a_500_with_a_null_message(http: httpx.Client,
                                                               token: str) -> None:
    # Raised, answered something that is not a policy (or a context holding an object),
    # timed out (Timeout: 2), or its process died: AuthorizerConfigurationException.
    response = http.get("/token", headers={"Authorization": token})
    assert answer(response) == (500, {"message": None})
    assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"


def test_a_cached_policy_is_evaluated_again_for_each_method(http: httpx.Client) -> None:
    only_get = {"Authorization": "get-only"}  # Allow .../dev/GET/*
    assert http.get("/token/7", headers=only_get).status_code == 200
    assert answer(http.post("/token/7", headers=only_get)) == IMPLICIT_DENY
    everything = {"Authorization": "wildcard"}  # Allow .../dev/*
    assert http.delete("/token/7", headers=everything).status_code == 200
    assert authorizer_of(http.get("/token/8", headers=everything))["principalId"]


def test_a_request_authorizer_needs_every_identity_source(http: httpx.Client) -> None:
    assert answer(http.get("/request", headers={"X-User": "u1"})) == UNAUTHORIZED
    assert answer(http.get("/request", params={"tenant": "acme"})) == UNAUTHORIZED
    assert answer(http.get("/request", params={"tenant": ""},
                           headers={"X-User": "u1"})) == UNAUTHORIZED  # empty is missing
    both = {"headers": {"X-User": "u1"}, "params": {"tenant": "acme"}}
    first = authorizer_of(http.get("/request", **both))  # type: ignore[arg-type]
    assert (first["type"], first["version"]) == ("REQUEST", "none")  # REST: no version key
    # ReauthorizeEvery: 0 disables the cache: each request asks again.
    second = authorizer_of(http.get("/request", **both))  # type: ignore[arg-type]
    assert int(second["calls"]) > int(first["calls"])
    denied = http.get("/request", headers={"X-User": "u1", "X-Deny": "1"},
                      params={"tenant": "acme"})
    assert answer(denied) == EXPLICIT_DENY


def test_an_authorizer_runs_in_the_trace_of_its_request(http: httpx.Client) -> None:
    # API Gateway's trace of a request holds the authorizer's invocation too
    # (services-xray.html): the authorizer sees the request's trace id.
    root = "Root=1-5759e988-bd862e3fe1be46a994272793"
    seen = authorizer_of(http.get("/request", params={"tenant": "acme"}, headers={
        "X-User": "u1", "X-Amzn-Trace-Id": f"{root};Sampled=1"}))
    assert seen["trace"].startswith(f"{root};Parent=")


def test_authorizer_none_opens_a_route_of_a_secured_api(http: httpx.Client) -> None:
    event = http.get("/public").json()
    assert event["resource"] == "/public" and "principalId" not in (
        event["requestContext"].get("authorizer") or {})


def test_an_http_api_simple_authorizer(http: httpx.Client) -> None:
    assert answer(http.get("/simple")) == UNAUTHORIZED
    assert answer(http.get("/simple", headers={"x-key": "no"})) == (403, {"message": "Forbidden"})
    granted = authorizer_of(http.get("/simple", headers={"x-key": "yes"}))
    context = granted["lambda"]  # payload 2.0: the context under `lambda`, values as sent
    assert context["passed"] == "from simple" and context["identity"] == ["yes"]
    assert context["routeArn"].startswith("arn:aws:execute-api:us-east-1:123456789012:")
    assert context["routeArn"].endswith("/$default/GET/simple")
    again = authorizer_of(http.get("/simple", headers={"x-key": "yes"}))
    assert again["lambda"]["calls"] == context["calls"]  # cached per identity (300 s)


def test_an_http_api_authorizer_answering_with_a_policy(http: httpx.Client) -> None:
    granted = authorizer_of(http.get("/policy", headers={"x-key": "yes"}))
    assert granted["lambda"]["passed"] == "from authorizer"
    assert answer(http.get("/policy", headers={"x-key": "no"})) == (403, {"message": "Forbidden"})


def test_an_http_api_authorizer_on_payload_1_0(http: httpx.Client) -> None:
    assert answer(http.get("/v1", headers={"x-user": "u1"})) == UNAUTHORIZED
    granted = authorizer_of(http.get("/v1", headers={"x-user": "u1"}, params={"tenant": "acme"}))
    # Payload 1.0 to the authorizer: version "1.0" and the identity comma-joined.
    assert granted["lambda"]["version"] == "1.0"
    assert granted["lambda"]["identity"] == "u1,acme"
    assert http.get("/http-public").status_code == 200  # Authorizer: NONE


def test_authorizers_run_in_their_own_environments(server: ServerProcess,
                                                   http: httpx.Client) -> None:
    http.get("/token", headers={"Authorization": "allow"})
    # The authorizer is an ordinary function: cold start, its own log, a REPORT line.
    log = wait_for(lambda: "TokenAuthFunction | REPORT" in server.output() and server.output(),
                   what="the authorizer's REPORT line")
    assert "TokenAuthFunction | authorizing TOKEN allow" in log
    assert "[TokenAuthFunction] cold" in log


def signed(server: ServerProcess, path: str) -> dict[str, str]:
    request = AWSRequest("GET", f"{server.url}{path}", headers={})
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers)


def test_aws_iam_routes_need_a_signature(server: ServerProcess, http: httpx.Client) -> None:
    # Unsigned: REST answers as for no route; HTTP APIs say Forbidden.
    assert answer(http.get("/iam")) == (403, {"message": "Missing Authentication Token"})
    assert answer(http.get("/http-iam")) == (403, {"message": "Forbidden"})
    identity = http.get("/iam", headers=signed(server, "/iam")).json()["requestContext"][
        "identity"]
    assert (identity["accessKey"], identity["accountId"]) == ("AKIDEXAMPLE", "123456789012")
    iam = http.get("/http-iam", headers=signed(server, "/http-iam")).json()["requestContext"][
        "authorizer"]["iam"]
    assert iam["accessKey"] == "AKIDEXAMPLE" and iam["userArn"].endswith(":user/AKIDEXAMPLE")
    presigned = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDQUERY%2F20260101%2F" \
                "us-east-1%2Fexecute-api%2Faws4_request&X-Amz-Signature=" + "0" * 64
    assert http.get(f"/iam?{presigned}").json()["requestContext"]["identity"][
        "accessKey"] == "AKIDQUERY"
