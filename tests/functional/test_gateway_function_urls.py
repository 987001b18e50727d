"""Function URLs declared in a template (apps/access/function-urls.yaml: SAM's
FunctionUrlConfig and a hand-written AWS::Lambda::Url), over HTTP against a real dev
server, under /_lambda_url/<Function>/.

AWS: the event is payload 2.0 with routeKey `$default` and account `anonymous` without
auth (Lambda developer guide, urls-invocation.html); AuthType AWS_IAM refuses an unsigned
request with 403 (urls-auth.html); the URL's Cors is applied by the service as an HTTP
API's is (urls-configuration.html "Cross-origin resource sharing").
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.servers import module_server
from workbench.pytest_plugin import ServerProcess

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "access" / "function-urls.yaml"
APP = "https://app.example"

server = module_server(TEMPLATE)


def test_the_banner_prints_each_url(server: ServerProcess) -> None:
    for name, auth in (("PublicFunction", "NONE"), ("PrivateFunction", "AWS_IAM"),
                       ("RawFunction", "NONE")):
        assert (f"Function URL of {name}: {server.url}/_lambda_url/{name}/ (AuthType {auth})"
                in server.output())


def test_a_url_sends_its_payload_2_0_event(http: httpx.Client) -> None:
    response = http.post("/_lambda_url/PublicFunction/orders/7", params={"a": "1"},
                         headers={"Cookie": "s=1; t=2"}, content=b"hi")
    event = response.json()
    assert (event["version"], event["routeKey"], event["rawPath"], event["rawQueryString"]) == (
        "2.0", "$default", "/orders/7", "a=1")
    assert event["cookies"] == ["s=1", "t=2"] and event["body"] == "hi"
    context = event["requestContext"]
    assert (context["accountId"], context["stage"], context["http"]["method"]) == (
        "anonymous", "$default", "POST")
    assert context["domainName"] == f"{context['apiId']}.lambda-url.us-east-1.on.aws"
    assert "x-amzn-RequestId" in response.headers and "apigw-requestid" not in response.headers
    assert http.get("/_lambda_url/RawFunction/").json() == {"hello": "url"}


def test_a_url_answers_cors_as_configured(http: httpx.Client) -> None:
    preflight = http.options("/_lambda_url/PublicFunction/x", headers={
        "Origin": APP, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == APP
    assert preflight.headers["access-control-allow-methods"] == "POST"
    assert preflight.headers["access-control-max-age"] == "60"
    refused = http.options("/_lambda_url/PublicFunction/x", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in refused.headers
    response = http.post("/_lambda_url/PublicFunction/x", headers={"Origin": APP})
    assert response.headers["access-control-allow-origin"] == APP  # not the function's own
    assert response.headers["access-control-expose-headers"] == "x-trace"


def test_aws_iam_refuses_an_unsigned_request(http: httpx.Client) -> None:
    refused = http.get("/_lambda_url/PrivateFunction/")
    assert refused.status_code == 403
    assert refused.json()["Message"].startswith("Forbidden. For troubleshooting Function URL")


def test_aws_iam_passes_a_signed_request_with_who_signed(server: ServerProcess,
                                                         http: httpx.Client) -> None:
    url = f"{server.url}/_lambda_url/PrivateFunction/report"
    request = AWSRequest("GET", url, headers={})
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret"), "lambda", "us-east-1").add_auth(request)
    event = http.get("/_lambda_url/PrivateFunction/report", headers=dict(request.headers)).json()
    iam = event["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "AKIDEXAMPLE" and iam["accountId"] == "123456789012"


def test_a_function_error_behind_a_url_is_a_502(http: httpx.Client) -> None:
    response = http.get("/_lambda_url/CrashFunction/")
    assert (response.status_code, response.json()) == (502, {"Message": "Internal Server Error"})
    # A function without a URL has none.
    assert http.get("/_lambda_url/NoSuchFunction/").status_code == 404
