"""A REST API from `AWS::ApiGateway::*`: its Body, or its Resource tree and Methods;
Authorizers, RequestValidators and Models, Stage, ApiKeys and UsagePlans."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from workbench.template import openapi
from workbench.template.drafts import Draft, belongs, read_body, report_ignored
from workbench.template.specs import (
    Authorizer,
    AuthorizerKind,
    MockPreflight,
    RequestValidation,
    user_pool_problem,
    user_pools,
)
from workbench.template.stack import Stack, function_name_in, route_target_in

_REST_AUTH: dict[str, AuthorizerKind] = {"TOKEN": "token", "REQUEST": "request",
                                         "COGNITO_USER_POOLS": "cognito"}

def read(stack: Stack, api: str) -> Draft:
    draft = Draft(stack.name(api), "rest")
    binary = stack.known(api, "BinaryMediaTypes", []) or []
    draft.binary = tuple(str(b).replace("~1", "/") for b in binary)
    draft.api_key_source = str(stack.known(api, "ApiKeySourceType", "HEADER"))
    read_body(stack, api, draft)
    _rest_stage(stack, api, draft)
    _rest_methods(stack, api, draft)
    draft.api_keys = _api_keys(stack, api)
    for response_id, _ in stack.of_type("AWS::ApiGateway::GatewayResponse"):
        if belongs(stack, response_id, "RestApiId", api):
            draft.gateway_responses[str(stack.known(response_id, "ResponseType"))] = (
                openapi.gateway_response(stack.known(response_id, "StatusCode"),
                                         stack.known(response_id, "ResponseParameters"),
                                         stack.known(response_id, "ResponseTemplates")))
    report_ignored(stack, api)
    return draft


def _rest_stage(stack: Stack, api: str, draft: Draft) -> None:
    stages = [s for s, _ in stack.of_type("AWS::ApiGateway::Stage")
              if belongs(stack, s, "RestApiId", api)]
    deployments = [d for d, _ in stack.of_type("AWS::ApiGateway::Deployment")
                   if belongs(stack, d, "RestApiId", api) and "StageName" in stack.props(d)]
    if stages:
        draft.stage = str(stack.known(stages[0], "StageName"))
        variables = stack.known(stages[0], "Variables", {}) or {}
        draft.variables = {str(k): str(v) for k, v in variables.items()}
        for prop in ("MethodSettings", "TracingEnabled", "AccessLogSetting",
                     "CacheClusterEnabled", "CanarySetting", "ClientCertificateId"):
            if prop in stack.props(stages[0]):
                stack.note(f"not emulated: {prop} on {stack.name(stages[0])}")
    elif deployments:
        draft.stage = str(stack.known(deployments[0], "StageName"))
    for extra in stages[1:]:
        stack.note(f"not emulated: stage {stack.value(extra, 'StageName')} of {draft.logical_id} "
                   f"(only stage {draft.stage} is served)")


def _rest_paths(stack: Stack, api: str) -> dict[str, str]:
    """Resource id (a Ref's value, or the root's) -> path."""
    parents = {stack.name(r): (stack.value(r, "ParentId"), str(stack.value(r, "PathPart")))
               for r, _ in stack.of_type("AWS::ApiGateway::Resource")
               if belongs(stack, r, "RestApiId", api)}
    root = f"{stack.name(api)}/"
    paths = {root: "/"}

    def path(resource: str, seen: tuple[str, ...] = ()) -> str | None:
        if resource in paths:
            return paths[resource]
        if resource not in parents or resource in seen:
            return None
        parent, part = parents[resource]
        above = path(parent, (*seen, resource)) if isinstance(parent, str) else None
        if above is None:
            return None
        paths[resource] = above.rstrip("/") + "/" + part
        return paths[resource]

    for resource in parents:
        path(resource)
    return paths


def _rest_methods(stack: Stack, api: str, draft: Draft) -> None:
    paths = _rest_paths(stack, api)
    authorizers = _rest_authorizers(stack, api)
    draft.authorizers.update(authorizers)
    for method_id, _ in stack.of_type("AWS::ApiGateway::Method"):
        if not belongs(stack, method_id, "RestApiId", api):
            continue
        name = stack.name(method_id)
        path = paths.get(stack.value(method_id, "ResourceId"))
        method = str(stack.known(method_id, "HttpMethod")).upper()
        integration = stack.value(method_id, "Integration") or {}
        kind = str(integration.get("Type", "")).upper()
        if path is None:
            stack.note(f"not emulated: {name} (its ResourceId is not a resource of "
                       f"{draft.logical_id})")
            continue
        auth_type = str(stack.value(method_id, "AuthorizationType", "NONE")).upper()
        authorizer_id = stack.value(method_id, "AuthorizerId")
        authorizer = (authorizer_id if auth_type in ("CUSTOM", "COGNITO_USER_POOLS")
                      and authorizer_id in authorizers else None)
        api_key = stack.known(method_id, "ApiKeyRequired", False) in (True, "true")
        if kind == "MOCK" and method == "OPTIONS":
            responses = integration.get("IntegrationResponses") or [{}]
            chosen = next((r for r in responses if isinstance(r, dict)
                           and not r.get("SelectionPattern")), responses[0]) or {}
            params = chosen.get("ResponseParameters") or {}
            draft.cors = draft.cors or openapi.cors_of_mock(params)
            draft.preflights[path] = dataclasses.replace(
                openapi.mock_preflight(chosen.get("StatusCode"), params,
                                       chosen.get("ResponseTemplates")),
                authorizer=authorizer, api_key_required=api_key)
            continue
        if str(integration.get("ResponseTransferMode", "")).upper() == "STREAM":
            stack.note(f"not emulated: response streaming of {method} {path} on "
                       f"{draft.logical_id} (ResponseTransferMode STREAM: the response is sent "
                       "whole)")
        if kind != "AWS_PROXY":
            mock = _static_mock(integration) if kind == "MOCK" else None
            draft.mocks[method, path] = _not_emulated(stack, draft, method, path, integration) \
                if mock is None else dataclasses.replace(mock, authorizer=authorizer,
                                                         api_key_required=api_key)
            continue
        draft.routes.append((
            "ANY" if method == "ANY" else method, path, route_target_in(integration.get("Uri")),
            "1.0",
            {"authorizer": authorizer, "api_key_required": api_key, "iam": auth_type == "AWS_IAM",
             "scopes": tuple(stack.known(method_id, "AuthorizationScopes", []) or ()),
             "validation": _validation(stack, method_id),
             "operation_name": _operation_name(stack, method_id),
             "tenant_id_mapping": openapi.tenant_id_mapping(integration.get(
                 "RequestParameters"))}))


def _not_emulated(stack: Stack, draft: Draft, method: str, path: str,
                  integration: dict[str, Any]) -> str:
    """Say at load why a method without a Lambda proxy integration is not emulated."""
    kind = str(integration.get("Type", "")).upper()
    templates = integration.get("RequestTemplates") or integration.get("IntegrationResponses")
    why = f"{kind or 'no'} integration{' with mapping templates' if templates else ''}"
    stack.note(f"not emulated: {method} {path} on {draft.logical_id} ({why}; it answers 500)")
    return why


# A Velocity reference ($input, ${x}, $!x) or directive (#set, #if ...): not a static text.
_VTL = re.compile(r"\$!?\{?[A-Za-z]|#[a-z]")


def _static_mock(integration: dict[str, Any]) -> MockPreflight | None:
    """A MOCK integration's answer when its templates are static texts: the request
    template's statusCode picks the integration response whose SelectionPattern matches
    it, else the default one (how-to-mock-integration.html). None when a template is
    VTL, or no integration response is picked (API Gateway then answers 500)."""
    request = (integration.get("RequestTemplates") or {}).get("application/json")
    if isinstance(request, str) and _VTL.search(request):
        return None
    try:
        status = str(json.loads(request).get("statusCode", 200)) if request else "200"
    except (ValueError, AttributeError):
        return None
    responses = [r for r in integration.get("IntegrationResponses") or []
                 if isinstance(r, dict)]
    chosen = next((r for r in responses if r.get("SelectionPattern")
                   and _selects(str(r["SelectionPattern"]), status)), None) or next(
        (r for r in responses if not r.get("SelectionPattern")), None)
    templates = (chosen or {}).get("ResponseTemplates") or {}
    if chosen is None or any(_VTL.search(str(t)) for t in templates.values()):
        return None
    return openapi.mock_preflight(chosen.get("StatusCode"),
                                  chosen.get("ResponseParameters") or {}, templates)


def _selects(pattern: str, status: str) -> bool:
    """Does a SelectionPattern (a Java regular expression) match the whole status? One
    Python cannot read selects nothing."""
    try:
        return re.fullmatch(pattern, status) is not None
    except re.error:
        return False


def _operation_name(stack: Stack, method_id: str) -> str | None:
    name = stack.value(method_id, "OperationName")
    return name if isinstance(name, str) and name else None


def _rest_authorizers(stack: Stack, api: str) -> dict[str, Authorizer]:
    out = {}
    for auth_id, _ in stack.of_type("AWS::ApiGateway::Authorizer"):
        if not belongs(stack, auth_id, "RestApiId", api):
            continue
        kind = _REST_AUTH.get(str(stack.value(auth_id, "Type", "")).upper())
        if kind is None:
            stack.note(f"not emulated: authorizer {stack.name(auth_id)} of type "
                       f"{stack.value(auth_id, 'Type')}")
            continue
        sources = str(stack.known(auth_id, "IdentitySource", "") or "")
        name = stack.name(auth_id)
        pools = user_pools(stack.known(auth_id, "ProviderARNs"))
        out[name] = Authorizer(
            name=name, kind=kind, function=function_name_in(stack.value(auth_id,
                                                                         "AuthorizerUri")),
            identity_sources=tuple(s.strip() for s in sources.split(",") if s.strip()),
            ttl_s=int(stack.known(auth_id, "AuthorizerResultTtlInSeconds", 300)),
            validation_regex=stack.known(auth_id, "IdentityValidationExpression"),
            user_pool_arns=pools,
            refused=user_pool_problem(pools) if kind == "cognito" else None)
    return out


def _validation(stack: Stack, method_id: str) -> RequestValidation | None:
    validator_id = stack.value(method_id, "RequestValidatorId")
    validators = {stack.name(v): v for v, _ in stack.of_type("AWS::ApiGateway::RequestValidator")}
    if validator_id not in validators:
        return None
    validator = validators[validator_id]
    check_body = stack.known(validator, "ValidateRequestBody", False) in (True, "true")
    check_params = stack.known(validator, "ValidateRequestParameters", False) in (True, "true")
    models = stack.known(method_id, "RequestModels", {}) or {}
    schemas = {stack.attribute(m, None): stack.known(m, "Schema")
               for m, _ in stack.of_type("AWS::ApiGateway::Model")}
    schema = schemas.get(models.get("application/json")) if check_body else None
    params = stack.known(method_id, "RequestParameters", {}) or {}
    parameters = tuple((str(k), v in (True, "true")) for k, v in params.items()
                       if str(k).startswith("method.request.")) if check_params else ()
    if schema is None and not parameters:
        return None
    return RequestValidation(body_schema=schema if isinstance(schema, dict) else None,
                             body_required=schema is not None, parameters=parameters)


def _api_keys(stack: Stack, api: str) -> list[str]:
    """Values of the ApiKeys tied to this API, through StageKeys or a UsagePlan."""
    plans = {stack.name(p) for p, _ in stack.of_type("AWS::ApiGateway::UsagePlan")
             if any(isinstance(s, dict) and s.get("ApiId") == stack.name(api)
                    for s in stack.value(p, "ApiStages", []) or [])}
    planned = {stack.value(k, "KeyId") for k, _ in stack.of_type("AWS::ApiGateway::UsagePlanKey")
               if stack.value(k, "UsagePlanId") in plans}
    keys = []
    for key_id, _ in stack.of_type("AWS::ApiGateway::ApiKey"):
        stage_keys = stack.value(key_id, "StageKeys", []) or []
        tied = stack.name(key_id) in planned or any(
            isinstance(s, dict) and s.get("RestApiId") == stack.name(api) for s in stage_keys)
        if not tied or stack.value(key_id, "Enabled", True) in (False, "false"):
            continue
        value = stack.value(key_id, "Value")
        if isinstance(value, str):
            keys.append(value)
        else:
            stack.note(f"not known offline: the value of API key {stack.name(key_id)} (AWS "
                       "generates it; set Value to use it locally)")
    return keys
