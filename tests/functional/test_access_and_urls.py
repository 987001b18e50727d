"""Authorizers, CORS and Function URLs through the gateway with real environments: the
authorizer functions run in the runtime like any other (cold start, logs, REPORT).

The template is built as specs here (#14's loader fills the same specs from SAM `Auth`,
`Cors` and `FunctionUrlConfig`); the requests go through `proxy.handle`, the code the dev
server runs for every API request.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from workbench.gateway.access import Access
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import Router
from workbench.runtime.pool import Runtime
from workbench.server import proxy
from workbench.template import (
    Api,
    Authorizer,
    Cors,
    FunctionSpec,
    FunctionUrl,
    Route,
    Template,
)

pytestmark = pytest.mark.functional
CODE = Path(__file__).parent / "apps" / "authorizers"
T = TypeVar("T")
HANDLERS = ("allow", "deny", "unauthorized", "crash", "malformed", "simple", "echo")


def function(name: str, url: FunctionUrl | None = None) -> FunctionSpec:
    return FunctionSpec(name.title(), f"app.{name}", "python3.11", CODE, url=url)


def template() -> Template:
    header = ("method.request.header.Authorization",)
    rest_auth = {h: Authorizer(h, "token", h.title(), identity_sources=header, ttl_s=300)
                 for h in ("allow", "deny", "unauthorized", "crash", "malformed")}
    rest_auth["request"] = Authorizer("request", "request", "Allow", identity_sources=(
        "method.request.header.header", "method.request.querystring.query"), ttl_s=0)
    simple = Authorizer("simple", "request", "Simple", identity_sources=(
        "$request.header.header",), payload_version="2.0", simple_responses=True, ttl_s=0)
    apis = {
        "Rest": Api("Rest", "rest", "Prod", authorizers=rest_auth,
                    cors=Cors(allow_origins=("*",))),
        "Http": Api("Http", "http", "$default", authorizers={"simple": simple},
                    cors=Cors(allow_origins=("https://app.example",), allow_methods=("GET",),
                              allow_headers=("header",), max_age=60)),
    }
    routes = tuple(Route("Rest", "rest", "GET", f"/{name}", "Echo", "1.0", authorizer=name)
                   for name in rest_auth) + (
        Route("Http", "http", "GET", "/simple", "Echo", "2.0", authorizer="simple"),)
    functions = {spec.name: spec for spec in [function(h) for h in HANDLERS if h != "echo"] + [
        function("echo", FunctionUrl("AWS_IAM")),
        FunctionSpec("Public", "app.echo", "python3.11", CODE, url=FunctionUrl(
            cors=Cors(allow_origins=("*",), allow_methods=("POST",))))]}
    return Template(Path("template.yaml"), functions, apis, routes)


def run(body: Callable[[Callable[..., Awaitable[proxy.Exchange]]], Awaitable[T]]) -> T:
    async def main() -> T:
        tpl = template()
        runtime = Runtime(tpl)
        access = Access(tpl, runtime, region="us-east-1", account_id="123456789012")
        router = Router(tpl)

        async def send(method: str, path: str, headers: list[tuple[str, str]] | None = None,
                       query: str = "") -> proxy.Exchange:
            request = HttpRequest(method, path, query, headers or [], b"", server_port=3000)
            return await proxy.handle(request, router, runtime, access)

        try:
            return await body(send)
        finally:
            await runtime.close()

    return asyncio.run(main())


def body(exchange: proxy.Exchange) -> Any:
    return json.loads(exchange.response.body)


def headers(exchange: proxy.Exchange) -> dict[str, str]:
    return {k.lower(): v for k, v in exchange.response.headers}


def test_rest_lambda_authorizers_end_to_end() -> None:
    async def scenario(send: Callable[..., Awaitable[proxy.Exchange]]) -> None:
        token = [("Authorization", "t0k")]
        allowed = await send("GET", "/allow", token)
        assert allowed.response.status == 200
        event = body(allowed)
        assert event["requestContext"]["authorizer"]["passed"] == "from authorizer"
        assert event["requestContext"]["authorizer"]["principalId"] == "user|a1b2c3d4"
        [authorizer] = allowed.side  # the authorizer ran in its own environment, cold
        assert authorizer.function == "Allow" and authorizer.cold
        assert "authorizing TOKEN" in authorizer.logs and "REPORT RequestId:" in authorizer.logs
        again = await send("GET", "/allow", token)
        assert again.response.status == 200 and again.side == []  # cached for the TTL
        missing = await send("GET", "/allow")
        assert (missing.response.status, body(missing)) == (401, {"message": "Unauthorized"})
        denied = await send("GET", "/deny", token)
        assert (denied.response.status, body(denied)) == (
            403, {"message": "User is not authorized to access this resource"})
        refused = await send("GET", "/unauthorized", token)
        assert refused.response.status == 401
        for broken in ("/crash", "/malformed"):
            failed = await send("GET", broken, token)
            assert (failed.response.status, body(failed)) == (500, {"message": None})
            assert headers(failed)["x-amzn-errortype"] == "AuthorizerConfigurationException"
        request = await send("GET", "/request", [("header", "h")], query="query=q")
        assert request.response.status == 200
        assert (await send("GET", "/request", [("header", "h")])).response.status == 401

    run(scenario)


def test_http_simple_authorizer_and_cors() -> None:
    async def scenario(send: Callable[..., Awaitable[proxy.Exchange]]) -> None:
        origin = [("Origin", "https://app.example")]
        ok = await send("GET", "/simple", [("header", "letmein"), *origin])
        assert ok.response.status == 200
        assert body(ok)["requestContext"]["authorizer"] == {
            "lambda": {"passed": "from simple authorizer"}}
        assert headers(ok)["access-control-allow-origin"] == "https://app.example"
        no = await send("GET", "/simple", [("header", "nope")])
        assert (no.response.status, body(no)) == (403, {"message": "Forbidden"})
        pre = await send("OPTIONS", "/simple", [*origin, ("Access-Control-Request-Method",
                                                          "GET")])
        assert pre.response.status == 204 and pre.side == []  # no authorizer for preflights
        assert headers(pre)["access-control-allow-methods"] == "GET"
        assert headers(pre)["access-control-max-age"] == "60"
        bad = await send("OPTIONS", "/simple", [("Origin", "https://evil.example"),
                                                ("Access-Control-Request-Method", "GET")])
        assert bad.response.status == 204 and "access-control-allow-origin" not in headers(bad)
        rest = await send("OPTIONS", "/allow")  # SAM's mock OPTIONS on the REST API
        assert rest.response.status == 200
        assert headers(rest)["access-control-allow-methods"] == "GET,OPTIONS"

    run(scenario)


def test_function_urls() -> None:
    async def scenario(send: Callable[..., Awaitable[proxy.Exchange]]) -> None:
        public = await send("GET", "/_lambda_url/Public/some/path", query="a=1")
        event = body(public)
        assert public.response.status == 200
        assert (event["version"], event["routeKey"], event["rawPath"]) == (
            "2.0", "$default", "/some/path")
        context = event["requestContext"]
        assert context["accountId"] == "anonymous" and context["stage"] == "$default"
        assert context["domainName"].endswith(".lambda-url.us-east-1.on.aws")
        unsigned = await send("GET", "/_lambda_url/Echo/")
        assert unsigned.response.status == 403
        assert body(unsigned)["Message"].startswith("Forbidden")
        signature = ("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/lambda/"
                     "aws4_request, SignedHeaders=host, Signature=" + "0" * 64)
        signed = await send("GET", "/_lambda_url/Echo/", [("Authorization", signature)])
        assert body(signed)["requestContext"]["authorizer"]["iam"]["accessKey"] == "AKIDEXAMPLE"
        pre = await send("OPTIONS", "/_lambda_url/Public/x", [
            ("Origin", "https://a"), ("Access-Control-Request-Method", "POST")])
        assert pre.response.status == 204 and headers(pre)["access-control-allow-origin"] == "*"
        missing = await send("GET", "/_lambda_url/Allow/")  # a function without a URL
        assert missing.response.status == 404

    run(scenario)
