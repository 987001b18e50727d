"""Lambda authorizers: REST TOKEN and REQUEST, HTTP API payload 1.0 and 2.0 (IAM policy
or simple `isAuthorized` answers), with results cached per identity for the TTL.

The authorizer is an ordinary function of the template, run by the same runtime (cold
starts, logs, REPORT lines). Its answers, as API Gateway treats them (developer guide,
apigateway-use-lambda-authorizer.html, api-gateway-lambda-authorizer-input.html and
-output.html, http-api-lambda-authorizer.html):
- an identity source missing or empty, or a TOKEN failing its validation expression: 401
  `Unauthorized`, the function is not called;
- a REST authorizer that raises `Unauthorized` (AWS's blueprint does): 401;
- a policy that denies the method ARN or allows nothing matching it, or
  `isAuthorized: false`: 403 (REST says "with an explicit deny" for the first);
- a function error, timeout or throttle, or an answer that is not a valid policy: 500,
  AuthorizerConfigurationException with a null message (REST), Internal Server Error (HTTP).
A cached policy is evaluated again against each request's method ARN, as on AWS.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from workbench.errors import AwsError
from workbench.gateway import errors as gw
from workbench.gateway.auth.identity import Grant, identity_values
from workbench.gateway.auth.policy import PolicyError, verdict
from workbench.gateway.events import build_event
from workbench.gateway.http import TRACE_HEADER, HttpRequest
from workbench.gateway.routing import RouteMatch
from workbench.runtime.types import InvocationResult
from workbench.template import Authorizer

_SCALARS = (str, int, float, bool)
CACHE_SIZE = 10_000  # cached authorizer answers kept, across every authorizer
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"


class Invoker(Protocol):
    async def invoke(self, function: str, payload: bytes, *,
                     trace: str | None = None) -> InvocationResult: ...


@dataclasses.dataclass(frozen=True)
class _Answer:
    """A validated authorizer answer: a policy (or a simple yes/no) and what it carries."""

    allowed: bool | None  # a simple response's verdict; None: evaluate `policy`
    policy: dict[str, Any] | None
    grant: Grant


class LambdaAuthorizers:
    def __init__(self, invoker: Invoker, clock: Callable[[], float] = time.monotonic,
                 cache_size: int = CACHE_SIZE) -> None:
        self.invoker = invoker
        self.clock = clock
        self.cache_size = cache_size
        self._cache: dict[tuple[str, str, tuple[str, ...]], tuple[float, _Answer]] = {}

    async def authorize(self, authorizer: Authorizer, request: HttpRequest, match: RouteMatch,
                        event: dict[str, Any], arn: str,
                        ran: list[InvocationResult]) -> Grant:
        """The grant for this request, or raise the gateway error AWS answers with. Each
        invocation of the authorizer function is appended to `ran`."""
        rest = match.route.kind == "rest"
        sources = authorizer.identity_sources or (
            ("method.request.header.Authorization",) if authorizer.kind == "token" else ())
        identity = identity_values(sources, request, match, event["requestContext"])
        if identity is None:
            raise gw.Unauthorized()
        if (authorizer.kind == "token" and authorizer.validation_regex
                and not _full_match(authorizer.validation_regex, identity[0])):
            raise gw.Unauthorized()
        key = (match.api.logical_id, authorizer.name, identity)  # each API has its own cache
        cached = self._cache.get(key)
        if cached is not None and cached[0] > self.clock():
            answer = cached[1]
        else:
            payload = _event(authorizer, request, match, event, arn, identity)
            answer = await self._call(authorizer, payload, rest, ran,
                                      request.header(TRACE_HEADER))
            if authorizer.ttl_s > 0 and sources:
                self._remember(key, answer, authorizer.ttl_s)
        if answer.allowed is None:
            try:
                found = verdict(answer.policy, arn)
            except PolicyError:
                raise gw.AuthorizerConfiguration() from None
            if found == "deny" and rest:
                # REST words an explicit Deny apart from a policy that allows nothing
                # matching (knowledge center, api-gateway-403-error-lambda-authorizer).
                raise gw.AccessDenied(EXPLICIT_DENY)
            if found != "allow":
                raise gw.AccessDenied()
        elif not answer.allowed:
            raise gw.AccessDenied()
        return answer.grant

    def _remember(self, key: tuple[str, str, tuple[str, ...]], answer: _Answer,
                  ttl_s: float) -> None:
        """Cache an answer; when the cache is full the expired go, then the oldest, so a
        client sending a new token each time cannot grow it without bound."""
        now = self.clock()
        if len(self._cache) >= self.cache_size:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            while len(self._cache) >= self.cache_size:
                del self._cache[next(iter(self._cache))]
        self._cache[key] = (now + ttl_s, answer)

    async def _call(self, authorizer: Authorizer, payload: dict[str, Any], rest: bool,
                    ran: list[InvocationResult], trace: str | None) -> _Answer:
        if authorizer.function is None or authorizer.refused is not None:
            raise gw.AuthorizerConfiguration()  # the banner says why
        started = self.clock()
        try:
            # One trace for the request: the authorizer's invocation is part of it.
            result = await self.invoker.invoke(authorizer.function, json.dumps(payload).encode(),
                                               trace=trace)
        except AwsError:  # throttled, or the function does not exist
            raise gw.AuthorizerConfiguration() from None
        ran.append(result)
        latency = round((self.clock() - started) * 1000)
        if result.function_error is not None:
            if rest and _error_message(result.payload) == "Unauthorized":
                raise gw.Unauthorized()
            raise gw.AuthorizerConfiguration()
        try:
            return _parse(json.loads(result.payload), authorizer, rest, latency)
        except (ValueError, PolicyError):
            raise gw.AuthorizerConfiguration() from None


def _event(authorizer: Authorizer, request: HttpRequest, match: RouteMatch,
           event: dict[str, Any], arn: str, identity: tuple[str, ...]) -> dict[str, Any]:
    """What the authorizer function receives."""
    if authorizer.kind == "token":
        return {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": arn}
    rest = match.route.kind == "rest"
    version = "1.0" if rest else authorizer.payload_version
    if version != match.route.payload_version:
        route = dataclasses.replace(match.route, payload_version=version)
        event = build_event(request, dataclasses.replace(match, route=route))
    keep = {k: v for k, v in event.items() if k not in ("body", "isBase64Encoded")}
    if version == "2.0":
        return {"version": "2.0", "type": "REQUEST", "routeArn": arn,
                "identitySource": list(identity), **keep}
    out = {"type": "REQUEST", "methodArn": arn, **keep}
    if not rest:  # HTTP API payload 1.0 adds the identity, comma-joined
        out.update(version="1.0", identitySource=",".join(identity),
                   authorizationToken=",".join(identity))
    return out


def _parse(answer: Any, authorizer: Authorizer, rest: bool, latency: int) -> _Answer:
    if not isinstance(answer, dict):
        raise PolicyError("the authorizer's answer is not an object")
    context = answer.get("context") or {}
    if not isinstance(context, dict):
        raise PolicyError("context must be an object")
    if rest and not all(isinstance(v, _SCALARS) for v in context.values()):
        # REST context values are strings, numbers or booleans; objects and lists are refused.
        raise PolicyError("context values must be strings, numbers or booleans")
    if not rest and authorizer.simple_responses:
        verdict = answer.get("isAuthorized")
        if not isinstance(verdict, bool):
            raise PolicyError("isAuthorized must be a boolean")
        return _Answer(verdict, None, Grant("lambda", context=context, latency_ms=latency))
    principal = answer.get("principalId")
    if rest and not isinstance(principal, str):
        raise PolicyError("principalId must be a string")
    usage = answer.get("usageIdentifierKey")
    grant = Grant("lambda", principal_id=principal if isinstance(principal, str) else None,
                  context=context, usage_key=usage if isinstance(usage, str) else None,
                  latency_ms=latency)
    return _Answer(None, answer.get("policyDocument"), grant)


def _error_message(payload: bytes) -> str | None:
    try:
        document = json.loads(payload)
    except ValueError:
        return None
    message = document.get("errorMessage") if isinstance(document, dict) else None
    return message if isinstance(message, str) else None


def _full_match(expression: str, value: str) -> bool:
    try:
        return re.fullmatch(expression, value) is not None
    except re.error:
        return False
