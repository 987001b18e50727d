"""Hostile names over real HTTP: the Invoke API answers as Lambda, boto3 reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import lambda_client, module_server
from workbench.pytest_plugin import ServerProcess

pytestmark = pytest.mark.functional
TEMPLATE = Path(__file__).parent / "apps" / "pressure.yaml"


server = module_server(TEMPLATE)


@pytest.fixture(scope="module")
def lam(server: ServerProcess) -> Any:
    return lambda_client(server)


def test_a_10_kb_name_is_a_short_400(server: ServerProcess) -> None:
    response = httpx.post(f"{server.url}/2015-03-31/functions/{'a' * 10_000}/invocations",
                          content=b"{}", timeout=60)
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"
    assert len(response.content) < 500


def test_an_encoded_slash_reaches_validation(server: ServerProcess) -> None:
    response = httpx.post(f"{server.url}/2015-03-31/functions/Echo%2F..%2Fx/invocations",
                          content=b"{}", timeout=60)
    assert (response.status_code, response.headers["x-amzn-ErrorType"]) == (
        400, "ValidationException")


@pytest.mark.parametrize("name,qualifier,error", [
    ("arn:aws:lambda:eu-west-1:123456789012:function:Echo", None, "ResourceNotFoundException"),
    ("arn:aws:lambda:us-east-1:210987654321:function:Echo", None, "ResourceNotFoundException"),
    ("Echo", "v9", "ResourceNotFoundException"),
    ("Echo", "2", "ResourceNotFoundException"),  # only version 1 is published
    ("Echo:live", "$LATEST", "InvalidParameterValueException"),
    ("not a name", None, "ValidationException"),
])
def test_boto3_sees_lambdas_errors(lam: Any, name: str, qualifier: str | None,
                                   error: str) -> None:
    with pytest.raises(lam.exceptions.ClientError) as caught:
        lam.invoke(FunctionName=name, Payload=b"{}",
                   **({"Qualifier": qualifier} if qualifier else {}))
    assert caught.value.response["Error"]["Code"] == error


def test_boto3_invokes_by_arn_and_alias(lam: Any) -> None:
    # The handler's invoked_function_arn ends with the qualifier the caller named
    # (python-context.html: it "indicates if the invoker specified a version number or alias").
    arn = "arn:aws:lambda:us-east-1:123456789012:function:Echo"
    for call, invoked in (({"FunctionName": arn}, arn),
                          ({"FunctionName": "Echo", "Qualifier": "live"}, f"{arn}:live"),
                          ({"FunctionName": f"{arn}:live"}, f"{arn}:live"),
                          ({"FunctionName": "Echo:$LATEST"}, f"{arn}:$LATEST"),
                          ({"FunctionName": "Echo", "Qualifier": "1"}, f"{arn}:1")):
        response = lam.invoke(Payload=b'{"action": "context"}', **call)
        assert response["StatusCode"] == 200 and "FunctionError" not in response
        seen = json.loads(json.loads(response["Payload"].read())["body"])
        assert seen["invoked_arn"] == invoked


def test_an_api_route_to_an_alias_invokes_the_alias(server: ServerProcess, lam: Any) -> None:
    # AutoPublishAlias makes SAM integrate the API with the alias ARN (`...:Echo:live`):
    # API Gateway invokes that, and the handler's invoked ARN says so. The alias points to
    # version 1, which runs in environments of its own (python-context.html:
    # function_version; configuration-envvars.html: AWS_LAMBDA_FUNCTION_VERSION).
    response = httpx.post(f"{server.url}/echo", json={"action": "context"}, timeout=30)
    assert response.status_code == 200
    seen = response.json()
    assert seen["invoked_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:Echo:live"
    assert seen["version"] == seen["env"]["AWS_LAMBDA_FUNCTION_VERSION"] == "1"
    assert "/[1]" in seen["log_stream"]
    latest = json.loads(json.loads(lam.invoke(
        FunctionName="Echo", Payload=b'{"action": "context"}')["Payload"].read())["body"])
    assert latest["version"] == "$LATEST" and "/[$LATEST]" in latest["log_stream"]
    assert latest["pid"] != seen["pid"]
