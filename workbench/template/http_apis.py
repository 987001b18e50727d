"""An HTTP API from `AWS::ApiGatewayV2::*`: its Body, a quick-create Target, or its
Routes and Integrations; Authorizers (JWT, Lambda), CorsConfiguration, Stage."""

from __future__ import annotations

from typing import Any

from workbench.template import openapi
from workbench.template.documents import shown
from workbench.template.drafts import Draft, belongs, read_body, report_ignored
from workbench.template.specs import Authorizer, payload_problem
from workbench.template.stack import Stack, function_name_in, route_target_in


def read(stack: Stack, api: str) -> Draft:
    draft = Draft(stack.name(api), "http")
    read_body(stack, api, draft)
    cors = stack.known(api, "CorsConfiguration")
    if isinstance(cors, dict):
        draft.cors = openapi.cors_of(cors)
    target = stack.value(api, "Target")
    if target is not None:
        route_key = str(stack.value(api, "RouteKey", "$default"))
        method, _, path = route_key.partition(" ") if route_key != "$default" else (
            "ANY", "", "$default")
        draft.routes.append((method.upper(), path, route_target_in(target), "2.0",
                             {"authorizer": None, "iam": False, "scopes": (),
                              "api_key_required": False, "validation": None}))
    stages = [s for s, _ in stack.of_type("AWS::ApiGatewayV2::Stage")
              if belongs(stack, s, "ApiId", api)]
    if stages:
        draft.stage = str(stack.known(stages[0], "StageName"))
        variables = _shaped(stack, stages[0], "StageVariables", dict)
        draft.variables = {str(k): str(v) for k, v in variables.items()}
    _http_routes(stack, api, draft)
    report_ignored(stack, api)
    return draft


def _http_routes(stack: Stack, api: str, draft: Draft) -> None:
    integrations = {stack.name(i): i for i, _ in stack.of_type("AWS::ApiGatewayV2::Integration")
                    if belongs(stack, i, "ApiId", api)}
    authorizers = {}
    for auth_id, _ in stack.of_type("AWS::ApiGatewayV2::Authorizer"):
        if belongs(stack, auth_id, "ApiId", api):
            authorizers[stack.name(auth_id)] = _http_authorizer(stack, auth_id)
    draft.authorizers.update(authorizers)
    for route_id, _ in stack.of_type("AWS::ApiGatewayV2::Route"):
        if not belongs(stack, route_id, "ApiId", api):
            continue
        route_key = str(stack.known(route_id, "RouteKey"))
        method, _, path = route_key.partition(" ") if route_key != "$default" else (
            "ANY", "", "$default")
        target = str(stack.value(route_id, "Target", "") or "").removeprefix("integrations/")
        integration = integrations.get(target)
        if integration is None or str(stack.value(
                integration, "IntegrationType", "")).upper() != "AWS_PROXY":
            stack.note(f"not emulated: {route_key} on {draft.logical_id} (not a Lambda proxy "
                       "integration)")
            continue
        uri = stack.value(integration, "IntegrationUri")
        auth_type = str(stack.value(route_id, "AuthorizationType", "NONE")).upper()
        authorizer = stack.value(route_id, "AuthorizerId")
        draft.routes.append((
            method.upper(), path, route_target_in(uri),
            str(stack.known(integration, "PayloadFormatVersion", "2.0")),
            {"authorizer": authorizer if auth_type in ("JWT", "CUSTOM") and authorizer in
             authorizers else None,
             "iam": auth_type == "AWS_IAM",
             "scopes": tuple(_shaped(stack, route_id, "AuthorizationScopes", list)),
             "api_key_required": False, "validation": None}))


def _http_authorizer(stack: Stack, auth_id: str) -> Authorizer:
    kind = str(stack.known(auth_id, "AuthorizerType", "REQUEST")).upper()
    jwt = _shaped(stack, auth_id, "JwtConfiguration", dict)
    ttl = stack.known(auth_id, "AuthorizerResultTtlInSeconds", 300)
    if isinstance(ttl, bool) or not str(ttl).isdigit():
        raise stack.fail(auth_id, "AuthorizerResultTtlInSeconds",
                         f"must be a number of seconds, not {shown(ttl)}")
    sources = stack.known(auth_id, "IdentitySource", []) or []
    name = stack.name(auth_id)
    version = stack.known(auth_id, "AuthorizerPayloadFormatVersion", None)
    simple = stack.known(auth_id, "EnableSimpleResponses", False) in (True, "true")
    return Authorizer(
        name=name, kind="jwt" if kind == "JWT" else "request",
        function=function_name_in(stack.value(auth_id, "AuthorizerUri")),
        identity_sources=tuple(str(s) for s in (sources if isinstance(sources, list)
                                                else [sources])),
        ttl_s=int(ttl),
        payload_version="2.0" if str(version) == "2.0" else "1.0", simple_responses=simple,
        refused=payload_problem(version, simple) if kind != "JWT" else None,
        issuer=jwt.get("Issuer"), audiences=tuple(str(a) for a in jwt.get("Audience") or ()))


def _shaped(stack: Stack, logical_id: str, prop: str, kind: type) -> Any:
    """A property that must be a map or a list (`kind`); absent, an empty one."""
    value = stack.known(logical_id, prop)
    problem = openapi.wrong_shape(value, kind)
    if problem is not None:
        raise stack.fail(logical_id, prop, problem)
    return kind() if value is None else value
