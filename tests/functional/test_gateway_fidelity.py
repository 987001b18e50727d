"""Proxy events and responses as AWS builds and reads them, over real HTTP: the regression
tests of the fidelity bugs 1-7 and 9 of issue #15 (bug 8 is test_event_invocations.py).

Sources: LocalStack v4.14.0's AWS-recorded snapshots (tests/aws/services/apigateway/
test_apigateway_lambda.snapshot.json) and the API Gateway developer guide
(set-up-lambda-proxy-integrations.html, http-api-develop-integrations-lambda.html).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import serve
from workbench.pytest_plugin import ServerProcess

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "gateway.yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from serve(tmp_path_factory, TEMPLATE)


def respond(http: httpx.Client, path: str, value: Any) -> httpx.Response:
    return http.post(path, json={"respond": value})


def event(http: httpx.Client, path: str, **kwargs: Any) -> dict[str, Any]:
    response = http.get(path, **kwargs)
    assert response.status_code == 200, response.text
    received: dict[str, Any] = response.json()  # the responder sends the event back
    return received


def test_bug1_headers_and_multi_value_headers_both_go_out(http: httpx.Client) -> None:
    # snapshot "invoke-api-multi-headers-overwrite": multi values first, then the single.
    response = respond(http, "/rest/x", {
        "statusCode": 200, "headers": {"Content-Type": "text/plain", "MyCustomHeader": "Custom"},
        "multiValueHeaders": {"MyCustomHeader": ["Value1", "Value2"]}, "body": "hello"})
    assert response.status_code == 200
    assert response.headers.get_list("MyCustomHeader") == ["Value1", "Value2", "Custom"]
    assert response.headers["Content-Type"] == "text/plain"


def test_bug2_no_status_code_is_200(http: httpx.Client) -> None:
    # snapshot "invoke-api-only-headers": {"headers": {...}} -> 200, empty body.
    response = respond(http, "/rest/x", {"headers": {"test-header": "value"}})
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["test-header"] == "value"
    assert respond(http, "/rest/x", {"body": '{"hello": "world"}'}).json() == {"hello": "world"}


def test_bug3_a_numeric_string_status_code_is_that_status(http: httpx.Client) -> None:
    # snapshot "invoke-api-status-code-str": {"statusCode": "201"} -> 201;
    # "invoke-api-invalid-status-code": {"statusCode": "test"} -> 502.
    assert respond(http, "/rest/x", {"statusCode": "201"}).status_code == 201
    bad = respond(http, "/rest/x", {"statusCode": "test"})
    assert (bad.status_code, bad.json()) == (502, {"message": "Internal server error"})


def test_bug4_rest_events_carry_x_forwarded_headers(http: httpx.Client,
                                                      server: ServerProcess) -> None:
    # test_lambda_aws_proxy_integration's events: X-Forwarded-For, -Port, -Proto in
    # headers and multiValueHeaders.
    received = event(http, "/rest/x")
    port = server.url.rsplit(":", 1)[1]
    assert received["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert received["headers"]["X-Forwarded-Port"] == port
    assert received["headers"]["X-Forwarded-Proto"] == "http"
    assert received["multiValueHeaders"]["X-Forwarded-Port"] == [port]


def test_bug5_http_api_payload_1_0_events_have_version(http: httpx.Client) -> None:
    # http-api-develop-integrations-lambda.html, the 1.0 example: "version": "1.0".
    received = event(http, "/v1/x", headers={"X-Custom": "1"})
    assert received["version"] == "1.0"
    assert received["multiValueHeaders"]["x-custom"] == ["1"]
    assert received["requestContext"]["resourceId"] is None


def test_bug6_payload_2_0_ignores_unknown_keys(http: httpx.Client) -> None:
    response = respond(http, "/v2/x", {"statusCode": 200, "body": '{"hello": "world"}',
                                       "key": "value"})
    assert (response.status_code, response.json()) == (200, {"hello": "world"})


def test_bug7_payload_2_0_errors(http: httpx.Client) -> None:
    # A function that raises is a function error (Lambda sets X-Amz-Function-Error): the
    # HTTP API answers 500 {"message":"Internal Server Error"}. A function that *returns*
    # an object shaped like an error did not fail; format 2.0 infers a 200 with it as the
    # JSON body (developer guide, "Lambda function response for format 2.0").
    raised = http.post("/v2/x", json={"raise": "boom"})
    assert (raised.status_code, raised.json()) == (500, {"message": "Internal Server Error"})
    returned = respond(http, "/v2/x", {"errorType": "Error", "errorMessage": ""})
    assert returned.status_code == 200
    assert returned.json() == {"errorType": "Error", "errorMessage": ""}


def test_bug9_non_ascii_header_values_and_cookies_arrive_as_text(http: httpx.Client) -> None:
    # API Gateway passes UTF-8 header values to Lambda as Unicode text: `café`, not the
    # Latin-1 reading `cafÃ©` (aws-lambda-rust-runtime#786, oven-sh/bun#22994).
    headers = {"X-Name": "café".encode(), "Cookie": "city=Zürich; a=1".encode()}
    rest = event(http, "/rest/x", headers=headers)
    assert rest["headers"]["X-Name"] == "café"
    assert rest["multiValueHeaders"]["Cookie"] == ["city=Zürich; a=1"]
    v2 = event(http, "/v2/x", headers=headers)
    assert v2["headers"]["x-name"] == "café" and v2["cookies"] == ["city=Zürich", "a=1"]


@pytest.mark.parametrize("path, name", [("/rest/x", "X-Amzn-Trace-Id"),
                                        ("/v2/x", "x-amzn-trace-id"),
                                        ("/v1/x", "x-amzn-trace-id")])
def test_every_event_has_an_xray_trace_header_the_function_continues(
        http: httpx.Client, path: str, name: str) -> None:
    # API Gateway adds X-Amzn-Trace-Id: Root=1-... to every event (the snapshot's events;
    # aws-lambda-go's captured apigw-v2-request-no-authorizer.json); the invocation's
    # _X_AMZN_TRACE_ID continues that Root (Lambda dg, services-xray.html).
    def seen(**headers: str) -> tuple[str, str]:
        answer = http.post(path, json={"environ": "_X_AMZN_TRACE_ID"}, headers=headers).json()
        return answer["event"]["headers"][name], answer["environ"]

    header, environ = seen()
    root = re.fullmatch(r"Root=(1-[0-9a-f]{8}-[0-9a-f]{24})", header)
    assert root is not None, header
    assert re.fullmatch(rf"Root={root.group(1)};Parent=[0-9a-f]{{16}};Sampled=0", environ)
    sent = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    header, environ = seen(**{"X-Amzn-Trace-Id": sent})
    assert header == sent
    assert environ.startswith("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=")
    assert environ.endswith(";Sampled=1") and "53995c3f42cd8ad8" not in environ


def test_answers_carry_the_request_ids_of_their_event(http: httpx.Client) -> None:
    # REST: x-amzn-RequestId and x-amz-apigw-id are the event's requestId and
    # extendedRequestId (set-up-logging.html); an HTTP API's apigw-requestid is its
    # requestId, in the short form AWS records ("LV7fzho-PHcEJPw=").
    rest = http.get("/rest/x")
    context = rest.json()["requestContext"]
    assert rest.headers["x-amzn-RequestId"] == context["requestId"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        context["requestId"])
    assert rest.headers["x-amz-apigw-id"] == context["extendedRequestId"]
    for path in ("/v2/x", "/v1/x"):
        answer = http.get(path)
        context = answer.json()["requestContext"]
        assert answer.headers["apigw-requestid"] == context["requestId"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{15}=", context["requestId"])
        assert context.get("extendedRequestId", context["requestId"]) == context["requestId"]
    missing = http.get("/nowhere")
    assert missing.status_code == 403 and "x-amz-apigw-id" in missing.headers


@pytest.mark.parametrize(("path", "function", "header"), [
    ("/rest/x", "Rest", "x-amzn-RequestId"), ("/v2/x", "HttpV2", "apigw-requestid")])
def test_a_failed_integration_answers_with_the_ids_of_its_event(
        http: httpx.Client, path: str, function: str, header: str) -> None:
    # API Gateway's own error answer is still the answer to that request: its id header
    # is the requestId the function saw (set-up-logging.html, $context.requestId).
    raised = http.post(path, json={"raise": "boom"})
    assert raised.status_code in (500, 502)
    logs = "".join(http.get(f"/_workbench/logs/{function}").json()["streams"].values())
    assert f"raising for {raised.headers[header]}" in logs
