"""Lambda authorizers, IAM policy evaluation and identity sources, with a fake invoker
(the real runtime runs them in tests/functional/test_authorizers.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest

from workbench.gateway import errors as gw
from workbench.gateway.auth.identity import Grant, authorizer_context
from workbench.gateway.auth.lambda_authorizer import LambdaAuthorizers
from workbench.gateway.auth.policy import PolicyError, method_arn, verdict
from workbench.gateway.events import build_event
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import RouteMatch
from workbench.runtime.types import InvocationResult
from workbench.template import Api, Authorizer, Route

ARN = method_arn("us-east-1", "123456789012", "abc", "Prod", "GET", "/pets/7")


def policy(effect: str, resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Version": "2012-10-17",
            "Statement": [{"Action": action, "Effect": effect, "Resource": resource}]}


def test_method_arn_has_the_requested_path() -> None:
    assert ARN == "arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/pets/7"


@pytest.mark.parametrize("resource, allowed", [
    ("*", True), ("arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/pets/7", True),
    ("arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/*", True),
    ("arn:aws:execute-api:us-east-1:123456789012:abc/Prod/*", True),  # * crosses slashes
    ("arn:aws:execute-api:us-east-1:123456789012:abc/Prod/GET/pets/?", True),
    ("arn:aws:execute-api:us-east-1:123456789012:abc/Prod/POST/*", False),
    (["arn:aws:execute-api:*:*:other/*", "arn:aws:execute-api:*:*:abc/*"], True),
])
def test_allow_with_wildcards(resource: Any, allowed: bool) -> None:
    assert verdict(policy("Allow", resource), ARN) == ("allow" if allowed else "none")


def test_an_explicit_deny_wins_and_other_actions_do_not_count() -> None:
    both = policy("Allow", "*")
    both["Statement"].append({"Action": "execute-api:Invoke", "Effect": "Deny",
                              "Resource": ARN})
    assert verdict(both, ARN) == "deny"
    assert verdict(policy("Allow", "*", action="s3:GetObject"), ARN) == "none"
    assert verdict(policy("Allow", "*", action=["execute-api:*"]), ARN) == "allow"


@pytest.mark.parametrize("document", [
    None, "Allow", {}, {"Statement": []}, {"Statement": [{"Effect": "Maybe", "Action": "*",
                                                         "Resource": "*"}]},
    {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": 7}]},
])
def test_malformed_policies(document: Any) -> None:
    with pytest.raises(PolicyError):
        verdict(document, ARN)


class FakeInvoker:
    def __init__(self, *answers: Any, error: str | None = None) -> None:
        self.answers = list(answers)
        self.error = error
        self.payloads: list[dict[str, Any]] = []

    async def invoke(self, function: str, payload: bytes, *,
                     trace: str | None = None) -> InvocationResult:
        self.payloads.append(json.loads(payload))
        body = {"errorMessage": self.error, "errorType": "Exception"} if self.error else (
            self.answers.pop(0))
        return InvocationResult("rid", json.dumps(body).encode(),
                                "Unhandled" if self.error else None, None, 1.0, None, 64, 128,
                                False, "", "env", function)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def rest_match(authorizer: Authorizer) -> RouteMatch:
    api = Api("Api", "rest", "Prod", authorizers={authorizer.name: authorizer})
    return RouteMatch(Route("Api", "rest", "GET", "/pets/{id}", "Fn", "1.0",
                            authorizer=authorizer.name), api, {"id": "7"})


def authorize(authorizers: LambdaAuthorizers, authorizer: Authorizer,
              headers: list[tuple[str, str]], match: RouteMatch | None = None,
              query: str = "", arn: str = ARN) -> Grant:
    match = match or rest_match(authorizer)
    request = HttpRequest("GET", "/pets/7", query, headers, b"")
    event = build_event(request, match)
    return asyncio.run(authorizers.authorize(authorizer, request, match, event, arn, []))


TOKEN = Authorizer("Token", "token", "AuthFn",
                   identity_sources=("method.request.header.Authorization",), ttl_s=300)
ALLOW = {"principalId": "user|1", "policyDocument": policy("Allow", "*"),
         "context": {"number": 1, "bool": True, "passed": "from authorizer"}}


def test_token_authorizer_event_grant_and_context() -> None:
    invoker = FakeInvoker(ALLOW)
    grant = authorize(LambdaAuthorizers(invoker), TOKEN, [("Authorization", "t0k")])
    assert invoker.payloads == [{"type": "TOKEN", "authorizationToken": "t0k",
                                 "methodArn": ARN}]
    assert grant.principal_id == "user|1"
    context = authorizer_context(grant, {"requestContext": {}})
    # REST passes the context on as strings, with the principal and the latency.
    assert context == {"number": "1", "bool": "true", "passed": "from authorizer",
                       "principalId": "user|1", "integrationLatency": grant.latency_ms}


def test_a_missing_identity_is_401_without_calling() -> None:
    invoker = FakeInvoker(ALLOW)
    with pytest.raises(gw.Unauthorized):
        authorize(LambdaAuthorizers(invoker), TOKEN, [])
    with pytest.raises(gw.Unauthorized):
        authorize(LambdaAuthorizers(invoker), TOKEN, [("Authorization", "")])
    regex = Authorizer("Token", "token", "AuthFn", validation_regex=r"Bearer \w+")
    with pytest.raises(gw.Unauthorized):
        authorize(LambdaAuthorizers(invoker), regex, [("Authorization", "nope")])
    assert invoker.payloads == []


def test_results_are_cached_per_identity_for_the_ttl_and_reevaluated() -> None:
    clock = Clock()
    only_get = {"principalId": "u", "policyDocument": policy("Allow", "*/GET/*")}
    invoker = FakeInvoker(only_get, only_get, only_get)
    authorizers = LambdaAuthorizers(invoker, clock)
    authorize(authorizers, TOKEN, [("Authorization", "a")])
    authorize(authorizers, TOKEN, [("Authorization", "a")])
    assert len(invoker.payloads) == 1  # cached
    post_arn = ARN.replace("/GET/", "/POST/")
    with pytest.raises(gw.AccessDenied):  # the cached policy, evaluated for another method
        authorize(authorizers, TOKEN, [("Authorization", "a")], arn=post_arn)
    authorize(authorizers, TOKEN, [("Authorization", "b")])
    assert len(invoker.payloads) == 2  # another identity
    clock.now += 301
    authorize(authorizers, TOKEN, [("Authorization", "a")])
    assert len(invoker.payloads) == 3  # expired


def test_the_cache_is_bounded() -> None:
    clock = Clock()
    invoker = FakeInvoker(*[ALLOW] * 7)
    authorizers = LambdaAuthorizers(invoker, clock, cache_size=3)
    for token in "abc":
        authorize(authorizers, TOKEN, [("Authorization", token)])
    clock.now += 301  # a, b and c expire: they go first
    for token in "defg":  # then, full of live answers, the oldest (d) goes
        authorize(authorizers, TOKEN, [("Authorization", token)])
    assert len(invoker.payloads) == 7
    for token in "efg":
        authorize(authorizers, TOKEN, [("Authorization", token)])
    assert len(invoker.payloads) == 7  # still cached
    with pytest.raises(IndexError):  # d was dropped: asked again (no answer left)
        authorize(authorizers, TOKEN, [("Authorization", "d")])


def test_ttl_zero_disables_the_cache() -> None:
    invoker = FakeInvoker(ALLOW, ALLOW)
    authorizers = LambdaAuthorizers(invoker)
    uncached = Authorizer("Token", "token", "AuthFn", ttl_s=0)
    for _ in range(2):
        authorize(authorizers, uncached, [("Authorization", "a")])
    assert len(invoker.payloads) == 2


@pytest.mark.parametrize("answer, error", [
    ({"principalId": "u", "policyDocument": policy("Deny", "*")}, gw.AccessDenied),
    ({"principalId": "u", "policyDocument": policy("Allow", "arn:other")}, gw.AccessDenied),
    ({"policyDocument": policy("Allow", "*")}, gw.AuthorizerConfiguration),  # no principal
    ({"principalId": "u"}, gw.AuthorizerConfiguration),
    ({"principalId": "u", "policyDocument": policy("Allow", "*"), "context": {"o": {}}},
     gw.AuthorizerConfiguration),
    ("Allow", gw.AuthorizerConfiguration),
])
def test_denials_and_malformed_answers(answer: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        authorize(LambdaAuthorizers(FakeInvoker(answer)), TOKEN, [("Authorization", "a")])


def test_function_errors() -> None:
    # AWS's blueprint raises Exception("Unauthorized") for a 401; anything else is a 500.
    with pytest.raises(gw.Unauthorized):
        authorize(LambdaAuthorizers(FakeInvoker(error="Unauthorized")), TOKEN,
                  [("Authorization", "a")])
    with pytest.raises(gw.AuthorizerConfiguration):
        authorize(LambdaAuthorizers(FakeInvoker(error="boom")), TOKEN, [("Authorization", "a")])
    rendered = gw.AuthorizerConfiguration().render("rest")
    assert rendered.status == 500 and json.loads(rendered.body) == {"message": None}
    assert ("x-amzn-ErrorType", "AuthorizerConfigurationException") in rendered.headers


def test_an_authorizer_api_gateway_would_refuse_is_a_500_and_never_called() -> None:
    refused = dataclasses.replace(TOKEN, refused="EnableSimpleResponses needs 2.0")
    invoker = FakeInvoker({"principalId": "u", "policyDocument": policy("Allow", "*")})
    with pytest.raises(gw.AuthorizerConfiguration):
        authorize(LambdaAuthorizers(invoker), refused, [("Authorization", "a")])
    assert invoker.payloads == []


def test_rest_request_authorizer_gets_the_request_and_needs_every_source() -> None:
    request_auth = Authorizer("Req", "request", "AuthFn", identity_sources=(
        "method.request.header.header", "method.request.querystring.query"))
    invoker = FakeInvoker(ALLOW)
    authorize(LambdaAuthorizers(invoker), request_auth, [("header", "h")], query="query=q")
    [event] = invoker.payloads
    assert event["type"] == "REQUEST" and event["methodArn"] == ARN
    assert event["headers"]["header"] == "h" and event["queryStringParameters"] == {"query": "q"}
    assert event["pathParameters"] == {"id": "7"} and "body" not in event
    with pytest.raises(gw.Unauthorized):
        authorize(LambdaAuthorizers(invoker), request_auth, [("header", "h")])


def http_match(authorizer: Authorizer, payload: str = "2.0") -> RouteMatch:
    api = Api("Http", "http", "$default", authorizers={authorizer.name: authorizer})
    return RouteMatch(Route("Http", "http", "GET", "/pets/{id}", "Fn", payload,  # type: ignore[arg-type]
                            authorizer=authorizer.name), api, {"id": "7"})


def test_http_api_simple_responses_and_payload_2_0_event() -> None:
    simple = Authorizer("V2", "request", "AuthFn", identity_sources=("$request.header.header",),
                        payload_version="2.0", simple_responses=True)
    invoker = FakeInvoker({"isAuthorized": True, "context": {"passed": "yes", "n": 1}},
                          {"isAuthorized": False})
    authorizers = LambdaAuthorizers(invoker)
    match = http_match(simple)
    grant = authorize(authorizers, simple, [("header", "h")], match=match)
    [event] = invoker.payloads
    assert event["version"] == "2.0" and event["type"] == "REQUEST"
    assert event["identitySource"] == ["h"] and event["routeArn"] == ARN
    # Payload 2.0 integrations read the context under "lambda", values as returned.
    assert authorizer_context(grant, {"version": "2.0"}) == {"lambda": {"passed": "yes", "n": 1}}
    with pytest.raises(gw.AccessDenied):
        authorize(authorizers, simple, [("header", "other")], match=match)
    assert json.loads(gw.AccessDenied().render("http").body) == {"message": "Forbidden"}


def test_http_api_payload_1_0_authorizer_event() -> None:
    v1 = Authorizer("V1", "request", "AuthFn", identity_sources=("$request.header.header",),
                    payload_version="1.0")
    invoker = FakeInvoker(ALLOW)
    authorize(LambdaAuthorizers(invoker), v1, [("header", "h")], match=http_match(v1))
    [event] = invoker.payloads
    assert event["version"] == "1.0" and event["identitySource"] == "h"
    assert event["methodArn"] == ARN and "multiValueHeaders" in event
