"""Identity sources: where an authorizer's identity comes from in a request, and what
API Gateway puts into `requestContext.authorizer` once it is granted.

REST APIs spell sources `method.request.header.Authorization`,
`method.request.querystring.q`, `stageVariables.v`, `context.x`; HTTP APIs
`$request.header.Authorization`, `$request.querystring.q`, `$stageVariables.v`,
`$context.x`. Any source that is missing or empty is a 401 without calling the
authorizer (developer guide, apigateway-use-lambda-authorizer.html,
http-api-lambda-authorizer.html "Identity sources").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import RouteMatch

_PREFIXES = {"method.request.header.": "header", "$request.header.": "header",
             "method.request.querystring.": "query", "$request.querystring.": "query",
             "method.request.path.": "path", "$request.path.": "path",
             "stageVariables.": "stage", "$stageVariables.": "stage",
             "context.": "context", "$context.": "context"}


def identity_values(sources: tuple[str, ...], request: HttpRequest, match: RouteMatch,
                    context: dict[str, Any]) -> tuple[str, ...] | None:
    """Each source's value, or None when one is missing or empty."""
    values = []
    for source in sources:
        value = _value(source, request, match, context)
        if not value:
            return None
        values.append(value)
    return tuple(values)


def _value(source: str, request: HttpRequest, match: RouteMatch,
           context: dict[str, Any]) -> str | None:
    found = next(((p, w) for p, w in _PREFIXES.items() if source.startswith(p)), None)
    if found is None:
        return None
    prefix, where = found
    name = source[len(prefix):]
    if where == "header":
        return request.header(name)
    if where == "query":
        values = [v for k, v in parse_qsl(request.query_string, keep_blank_values=True)
                  if k == name]
        return values[-1] if values else None
    if where == "path":
        return (match.path_parameters or {}).get(name)
    if where == "stage":
        return match.api.stage_variables.get(name)
    value = context
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None  # type: ignore[assignment]
    return None if value is None else str(value)


@dataclass(frozen=True)
class Grant:
    """What an authorizer let through, for the integration's `requestContext.authorizer`."""

    kind: Literal["lambda", "jwt", "cognito"]
    principal_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)  # a Lambda authorizer's context
    claims: dict[str, str] = field(default_factory=dict)  # JWT / Cognito claims, as text
    scopes: tuple[str, ...] | None = None
    usage_key: str | None = None  # usageIdentifierKey: the API key, for source AUTHORIZER
    latency_ms: int = 0


def authorizer_context(grant: Grant, event: dict[str, Any]) -> Any:
    """`requestContext.authorizer` for an integration event of its payload version."""
    if event.get("version") == "2.0":
        if grant.kind == "lambda":
            return {"lambda": grant.context}
        return {"jwt": {"claims": grant.claims, "scopes": list(grant.scopes or ()) or None}}
    if grant.kind == "cognito":
        return {"claims": grant.claims}
    if grant.kind == "jwt":
        return {"claims": grant.claims, "scopes": list(grant.scopes or ()) or None}
    rest = "version" not in event
    # REST hands the context on as strings (numbers and booleans included), with the
    # principal and how long the authorizer took.
    values: dict[str, Any] = ({k: _text(v) for k, v in grant.context.items()} if rest
                              else dict(grant.context))
    if grant.principal_id is not None:
        values["principalId"] = grant.principal_id
    values["integrationLatency"] = grant.latency_ms
    return values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
