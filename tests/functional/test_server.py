"""The dev server over real HTTP: a real `workbench serve` process, httpx and boto3."""

from __future__ import annotations

import base64
import json
import signal
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.servers import lambda_client, serve
from workbench.pytest_plugin import ServerProcess, start_server, wait_for

pytestmark = pytest.mark.functional
APPS = Path(__file__).parent / "apps"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from serve(tmp_path_factory, APPS / "template.yaml")


@pytest.fixture(scope="module")
def lam(server: ServerProcess) -> Any:
    return lambda_client(server)


def echoed(response: httpx.Response) -> dict[str, Any]:
    """The proxy event the behaviours handler received and echoed back."""
    assert response.status_code == 200, response.text
    event: dict[str, Any] = response.json()["event"]
    return event


def test_banner_lists_routes_and_provisioned(server: ServerProcess) -> None:
    output = server.output()
    assert "Mounted Echo at " in output and "/items/{id} [GET] (REST API, payload 1.0)" in output
    assert "Function Warm: app.handler, 256 MB, 3 s, provisioned 1" in output


def test_rest_event_keeps_repeats_case_and_route(http: httpx.Client) -> None:
    response = http.get("/items/42?tag=a&tag=b&one=1",
                        headers=[("X-Custom", "first"), ("X-Custom", "second")])
    event = echoed(response)
    assert event["resource"] == "/items/{id}" and event["path"] == "/items/42"
    assert event["pathParameters"] == {"id": "42"}
    assert event["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert event["queryStringParameters"]["tag"] == "b"
    assert event["multiValueHeaders"]["X-Custom"] == ["first", "second"]
    assert event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["path"] == "/dev/items/42"
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


def test_each_request_gets_a_fresh_request_id(http: httpx.Client) -> None:
    first = echoed(http.get("/items/1"))["requestContext"]["requestId"]
    second = echoed(http.get("/items/1"))["requestContext"]["requestId"]
    assert first != second


def test_http_api_event(http: httpx.Client) -> None:
    response = http.post("/v2/echo?a=1&a=2", content=b'{"x": 1}',
                         headers={"Content-Type": "application/json",
                                  "Cookie": "s=1; s=2; t=3"})
    event = echoed(response)
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /v2/echo"
    assert event["cookies"] == ["s=1", "s=2", "t=3"]
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert "cookie" not in event["headers"] and event["headers"]["content-type"]
    assert event["body"] == '{"x": 1}' and event["isBase64Encoded"] is False


def test_proxy_plus_and_binary_media_types(http: httpx.Client) -> None:
    event = echoed(http.put("/files/a/b/c.png", content=b"\x89PNG\x00\xff",
                            headers={"Content-Type": "image/png"}))
    assert event["pathParameters"] == {"proxy": "a/b/c.png"}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00\xff"


@pytest.mark.parametrize("path, body, status, message", [
    ("/echo", {"action": "raise"}, 502, "Internal server error"),
    ("/echo", {"action": "not-a-dict"}, 502, "Internal server error"),
    ("/nowhere", {}, 403, "Missing Authentication Token"),
])
def test_rest_api_errors(http: httpx.Client, path: str, body: dict[str, str], status: int,
                         message: str) -> None:
    response = http.post(path, json=body)
    assert response.status_code == status
    assert response.json()["message"] == message


def test_http_api_errors(http: httpx.Client) -> None:
    assert http.get("/broken").status_code == 500
    assert http.post("/v2/echo", json={"action": "raise"}).status_code == 500


def test_response_headers_go_out_as_utf8_and_unsafe_ones_are_malformed(
        http: httpx.Client) -> None:
    ok = http.post("/echo", json={"action": "headers", "headers": {"X-Name": "caf\u00e9 \u2615"}})
    assert ok.status_code == 200
    assert (b"x-name", "caf\u00e9 \u2615".encode()) in ok.headers.raw
    for unsafe in ({"X-Split": "a\r\nX-Injected: 1"}, {"Bad Name": "v"}, {"X-\u2615": "v"}):
        response = http.post("/echo", json={"action": "headers", "headers": unsafe})
        assert response.status_code == 502, unsafe
        assert response.json() == {"message": "Internal server error"}
        assert "x-injected" not in response.headers


def test_binary_response(http: httpx.Client) -> None:
    # A REST API decodes it for a client whose Accept is one of its binaryMediaTypes.
    response = http.post("/echo", json={"action": "binary"}, headers={"Accept": "image/png"})
    assert response.status_code == 200 and response.content == b"\x89PNG\r\n\x1a\n"


def test_throttle_behind_rest_is_500_and_the_invoke_api_429(http: httpx.Client, lam: Any) -> None:
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(http.post, "/limited", json={"action": "hang"})
        wait_for(lambda: any(e["function"] == "Limited" and e["state"] == "busy"
                             for e in http.get("/_workbench/environments").json()),
                 deadline_s=10.0, what="the Limited environment to be busy")
        throttled = http.post("/limited", json={})
        assert throttled.status_code == 500
        assert throttled.json() == {"message": "Internal server error"}
        with pytest.raises(lam.exceptions.TooManyRequestsException):
            lam.invoke(FunctionName="Limited", Payload=b"{}")
        assert slow.result().status_code == 502  # timed out after 3 s: a function error


@pytest.mark.parametrize("make_request", [
    lambda c: c.post("/echo", content=b"x" * (10 * 1024 * 1024 + 1)),
    lambda c: c.post("/echo", content=b"\xff\xfe invalid utf-8",
                     headers={"Content-Type": "text/plain"}),
    lambda c: c.get("/items/..%2F..%2Fetc"),
    lambda c: c.get("/files/%2e%2e/%2e%2e/secret"),
    lambda c: c.get("/items/1", headers={"X-Big": "a" * 11 * 1024}),
    lambda c: c.post("/echo", json={"action": "big-log"}),
])
def test_hostile_requests_get_an_answer_and_the_server_keeps_serving(
        http: httpx.Client, make_request: Any) -> None:
    response = make_request(http)
    assert 200 <= response.status_code < 600
    assert http.get("/items/1").status_code == 200


def test_a_client_leaving_mid_body_leaves_the_server_serving(server: ServerProcess,
                                                              http: httpx.Client) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as client:
        client.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 1000\r\n\r\n{\"action\": ")
    assert http.get("/items/1").status_code == 200
    assert "Exception in ASGI application" not in server.output()


def test_invoke_api_request_response_and_tail(lam: Any) -> None:
    result = lam.invoke(FunctionName="Echo", Payload=json.dumps({"action": "context"}),
                        LogType="Tail")
    assert result["StatusCode"] == 200 and "FunctionError" not in result
    assert json.loads(result["Payload"].read())["statusCode"] == 200
    log = base64.b64decode(result["LogResult"]).decode()
    assert result["ExecutedVersion"] == "$LATEST"
    # boto3 reads the invocation's request id from x-amzn-RequestId (API_Invoke)
    assert f"REPORT RequestId: {result['ResponseMetadata']['RequestId']}\t" in log


def test_invoke_api_continues_the_callers_trace(http: httpx.Client) -> None:
    # An X-Amzn-Trace-Id sent with Invoke is the invocation's trace (_X_AMZN_TRACE_ID).
    sent = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    response = http.post("/2015-03-31/functions/Echo/invocations", json={"action": "context"},
                         headers={"X-Amzn-Trace-Id": sent})
    trace = json.loads(response.json()["body"])["env"]["_X_AMZN_TRACE_ID"]
    assert trace.startswith("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=")
    assert trace.endswith(";Sampled=1")


def test_invoke_api_function_error(lam: Any) -> None:
    result = lam.invoke(FunctionName="Echo", Payload=b'{"action": "raise"}')
    assert result["FunctionError"] == "Unhandled"
    assert json.loads(result["Payload"].read())["errorType"] == "ValueError"


def test_invoke_api_event_and_dry_run(lam: Any) -> None:
    assert lam.invoke(FunctionName="Echo", InvocationType="Event", Payload=b"{}")[
        "StatusCode"] == 202
    assert lam.invoke(FunctionName="Echo", InvocationType="DryRun", Payload=b"{}")[
        "StatusCode"] == 204


def test_invoke_api_service_errors(lam: Any, http: httpx.Client) -> None:
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="Nope", Payload=b"{}")
    with pytest.raises(lam.exceptions.InvalidRequestContentException):
        lam.invoke(FunctionName="Echo", Payload=b"{not json")
    too_big = http.post("/2015-03-31/functions/Echo/invocations",
                        content=b"x" * (6 * 1024 * 1024 + 1))
    assert too_big.status_code == 413
    assert too_big.headers["x-amzn-ErrorType"] == "RequestEntityTooLargeException"


def test_environments_endpoint(http: httpx.Client) -> None:
    http.get("/items/1")
    environments = http.get("/_workbench/environments").json()
    warm = [e for e in environments if e["function"] == "Warm"]
    assert warm and warm[0]["provisioned"] and warm[0]["state"] == "idle"
    echo = [e for e in environments if e["function"] == "Echo"]
    assert echo and all(psutil.pid_exists(e["pid"]) for e in echo)
    assert {"pid", "state", "init_duration_ms", "invocations", "max_memory_used_mb"} <= set(
        echo[0])


def test_logs_endpoint_keeps_streams(http: httpx.Client) -> None:
    http.get("/items/7")
    logs = http.get("/_workbench/logs/Echo").json()
    assert logs["logGroupName"] == "/aws/lambda/Echo"
    assert any("REPORT RequestId:" in text for text in logs["streams"].values())


def test_sigterm_stops_every_environment(tmp_path: Path) -> None:
    running = start_server(APPS / "template.yaml", tmp_path / "serve.log", "--no-reload")
    httpx.get(f"{running.url}/items/1", timeout=30)
    pids = [e["pid"] for e in httpx.get(f"{running.url}/_workbench/environments").json()]
    assert running.stop(signal.SIGTERM) in (0, -signal.SIGTERM)  # uvicorn re-raises it
    assert not [p for p in pids if psutil.pid_exists(p)
                and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
