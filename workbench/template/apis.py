"""`AWS::ApiGateway::*` (REST) and `AWS::ApiGatewayV2::*` (HTTP) resources into APIs and routes.

An API's routes come from its OpenAPI `Body` (SAM's APIs always have one after the
transform) or from its resources: a REST API's `Resource` tree and `Method`s, an HTTP
API's `Route`s and `Integration`s, or a quick-create `Target`. Only Lambda proxy
integrations (AWS_PROXY) run; any other integration is reported, never dropped silently.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from workbench.template import openapi
from workbench.template.intrinsics import Unknown
from workbench.template.specs import (
    HTTP_METHODS,
    Api,
    ApiKind,
    Authorizer,
    AuthorizerKind,
    Cors,
    GatewayResponse,
    MockPreflight,
    RequestValidation,
    Route,
)
from workbench.template.stack import Stack, function_name_in

REST = "AWS::ApiGateway::RestApi"
HTTP = "AWS::ApiGatewayV2::Api"
_REST_AUTH: dict[str, AuthorizerKind] = {"TOKEN": "token", "REQUEST": "request",
                                         "COGNITO_USER_POOLS": "cognito"}
# Properties with no effect on a local run, besides the ones read below.
_INERT = {"Name", "Description", "Tags", "EndpointConfiguration", "FailOnWarnings", "Mode",
          "Parameters", "CloneFrom", "Version", "DisableSchemaValidation", "BasePath",
          "ProtocolType", "RouteSelectionExpression", "StageName", "DeploymentId",
          "RestApiId", "ApiId", "AutoDeploy", "Variables", "StageVariables", "Body",
          "BinaryMediaTypes", "ApiKeySourceType", "CorsConfiguration", "Target", "RouteKey",
          "CredentialsArn", "Credentials"}


class Draft:
    """One API while it is read: its settings and routes (functions by name for now)."""

    def __init__(self, logical_id: str, kind: ApiKind) -> None:
        self.logical_id = logical_id
        self.kind = kind
        self.stage = "$default" if kind == "http" else "prod"
        self.variables: dict[str, str] = {}
        self.binary: tuple[str, ...] = ()
        self.authorizers: dict[str, Authorizer] = {}
        self.cors: Cors | None = None
        self.api_key_source = "HEADER"
        self.api_keys: list[str] = []
        self.preflights: dict[str, MockPreflight] = {}
        self.gateway_responses: dict[str, GatewayResponse] = {}
        self.routes: list[tuple[str, str, str | None, str, dict[str, Any]]] = []

    def api(self) -> Api:
        return Api(self.logical_id, self.kind, self.stage, self.binary, self.variables,
                   self.authorizers, self.cors, tuple(self.api_keys),
                   "AUTHORIZER" if self.api_key_source == "AUTHORIZER" else "HEADER",
                   self.preflights, self.gateway_responses)


def read(stack: Stack) -> list[Draft]:
    drafts = []
    for logical_id, _ in stack.of_type(REST):
        drafts.append(_rest(stack, logical_id))
    for logical_id, _ in stack.of_type(HTTP):
        protocol = stack.value(logical_id, "ProtocolType", "HTTP")
        if protocol != "HTTP":
            stack.note(f"not emulated: {protocol} API {stack.name(logical_id)}")
            continue
        drafts.append(_http(stack, logical_id))
    return drafts


def _is(stack: Stack, logical_id: str, prop: str, api: str) -> bool:
    """Does the resource's RestApiId/ApiId name this API?"""
    return bool(stack.value(logical_id, prop) == stack.name(api))


def _body(stack: Stack, logical_id: str, draft: Draft) -> None:
    body = stack.value(logical_id, "Body")
    if isinstance(body, dict):
        _definition(stack, draft, openapi.read(body, draft.kind, stack.name(logical_id)))
    for prop in ("BodyS3Location", "DefinitionUri"):
        if prop in stack.props(logical_id):
            stack.note(f"not emulated: {prop} on {stack.name(logical_id)} (an S3 location; "
                       "use a local DefinitionUri or DefinitionBody)")


def _definition(stack: Stack, draft: Draft, definition: openapi.Definition) -> None:
    for line in definition.notes:
        stack.note(line)
    draft.authorizers.update(definition.authorizers)
    draft.cors = definition.cors or draft.cors
    draft.binary = tuple(dict.fromkeys(draft.binary + definition.binary_media_types))
    draft.api_key_source = definition.api_key_source or draft.api_key_source
    draft.gateway_responses.update(definition.gateway_responses)
    for op in definition.operations:
        auth = _security(op.security, definition)
        auth["validation"] = op.validation
        draft.routes.append((op.method, op.path, op.function, op.payload_version, auth))
    for path, (mock, security) in definition.preflights.items():
        checks = _security(security, definition)
        draft.preflights[path] = dataclasses.replace(
            mock, authorizer=checks["authorizer"], api_key_required=checks["api_key_required"])


def _security(requirements: list[dict[str, list[str]]],
              definition: openapi.Definition) -> dict[str, Any]:
    out: dict[str, Any] = {"authorizer": None, "iam": False, "scopes": (),
                           "api_key_required": False}
    for requirement in requirements:
        for scheme, scopes in (requirement or {}).items():
            if scheme in definition.authorizers and out["authorizer"] is None:
                out["authorizer"], out["scopes"] = scheme, tuple(scopes or ())
            out["iam"] = out["iam"] or scheme in definition.iam_schemes
            out["api_key_required"] = (out["api_key_required"]
                                       or scheme in definition.api_key_schemes)
    return out


# -- REST APIs -------------------------------------------------------------------------

def _rest(stack: Stack, api: str) -> Draft:
    draft = Draft(stack.name(api), "rest")
    binary = stack.known(api, "BinaryMediaTypes", []) or []
    draft.binary = tuple(str(b).replace("~1", "/") for b in binary)
    draft.api_key_source = str(stack.known(api, "ApiKeySourceType", "HEADER"))
    _body(stack, api, draft)
    _rest_stage(stack, api, draft)
    _rest_methods(stack, api, draft)
    draft.api_keys = _api_keys(stack, api)
    for response_id, _ in stack.of_type("AWS::ApiGateway::GatewayResponse"):
        if _is(stack, response_id, "RestApiId", api):
            draft.gateway_responses[str(stack.known(response_id, "ResponseType"))] = (
                openapi.gateway_response(stack.known(response_id, "StatusCode"),
                                         stack.known(response_id, "ResponseParameters"),
                                         stack.known(response_id, "ResponseTemplates")))
    _ignored(stack, api)
    return draft


def _rest_stage(stack: Stack, api: str, draft: Draft) -> None:
    stages = [s for s, _ in stack.of_type("AWS::ApiGateway::Stage")
              if _is(stack, s, "RestApiId", api)]
    deployments = [d for d, _ in stack.of_type("AWS::ApiGateway::Deployment")
                   if _is(stack, d, "RestApiId", api) and "StageName" in stack.props(d)]
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
               if _is(stack, r, "RestApiId", api)}
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
        if not _is(stack, method_id, "RestApiId", api):
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
        if kind != "AWS_PROXY":
            templates = integration.get("RequestTemplates") or integration.get(
                "IntegrationResponses")
            stack.note(f"not emulated: {method} {path} on {draft.logical_id} ({kind or 'no'} "
                       f"integration{' with mapping templates' if templates else ''})")
            continue
        draft.routes.append((
            "ANY" if method == "ANY" else method, path, function_name_in(integration.get("Uri")),
            "1.0",
            {"authorizer": authorizer, "api_key_required": api_key, "iam": auth_type == "AWS_IAM",
             "scopes": tuple(stack.known(method_id, "AuthorizationScopes", []) or ()),
             "validation": _validation(stack, method_id)}))


def _rest_authorizers(stack: Stack, api: str) -> dict[str, Authorizer]:
    out = {}
    for auth_id, _ in stack.of_type("AWS::ApiGateway::Authorizer"):
        if not _is(stack, auth_id, "RestApiId", api):
            continue
        kind = _REST_AUTH.get(str(stack.value(auth_id, "Type", "")).upper())
        if kind is None:
            stack.note(f"not emulated: authorizer {stack.name(auth_id)} of type "
                       f"{stack.value(auth_id, 'Type')}")
            continue
        sources = str(stack.known(auth_id, "IdentitySource", "") or "")
        name = stack.name(auth_id)
        out[name] = Authorizer(
            name=name, kind=kind, function=function_name_in(stack.value(auth_id,
                                                                         "AuthorizerUri")),
            identity_sources=tuple(s.strip() for s in sources.split(",") if s.strip()),
            ttl_s=int(stack.known(auth_id, "AuthorizerResultTtlInSeconds", 300)),
            validation_regex=stack.known(auth_id, "IdentityValidationExpression"),
            user_pool_arns=tuple(str(a) for a in stack.known(auth_id, "ProviderARNs", [])
                                 or ()))
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


# -- HTTP APIs -------------------------------------------------------------------------

def _http(stack: Stack, api: str) -> Draft:
    draft = Draft(stack.name(api), "http")
    _body(stack, api, draft)
    cors = stack.known(api, "CorsConfiguration")
    if isinstance(cors, dict):
        draft.cors = openapi.cors_of(cors)
    target = stack.value(api, "Target")
    if target is not None:
        route_key = str(stack.value(api, "RouteKey", "$default"))
        method, _, path = route_key.partition(" ") if route_key != "$default" else (
            "ANY", "", "$default")
        draft.routes.append((method.upper(), path, function_name_in(target), "2.0",
                             {"authorizer": None, "iam": False, "scopes": (),
                              "api_key_required": False, "validation": None}))
    stages = [s for s, _ in stack.of_type("AWS::ApiGatewayV2::Stage")
              if _is(stack, s, "ApiId", api)]
    if stages:
        draft.stage = str(stack.known(stages[0], "StageName"))
        variables = stack.known(stages[0], "StageVariables", {}) or {}
        draft.variables = {str(k): str(v) for k, v in variables.items()}
    _http_routes(stack, api, draft)
    _ignored(stack, api)
    return draft


def _http_routes(stack: Stack, api: str, draft: Draft) -> None:
    integrations = {stack.name(i): i for i, _ in stack.of_type("AWS::ApiGatewayV2::Integration")
                    if _is(stack, i, "ApiId", api)}
    authorizers = {}
    for auth_id, _ in stack.of_type("AWS::ApiGatewayV2::Authorizer"):
        if _is(stack, auth_id, "ApiId", api):
            authorizers[stack.name(auth_id)] = _http_authorizer(stack, auth_id)
    draft.authorizers.update(authorizers)
    for route_id, _ in stack.of_type("AWS::ApiGatewayV2::Route"):
        if not _is(stack, route_id, "ApiId", api):
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
            method.upper(), path, function_name_in(uri),
            str(stack.known(integration, "PayloadFormatVersion", "2.0")),
            {"authorizer": authorizer if auth_type in ("JWT", "CUSTOM") and authorizer in
             authorizers else None,
             "iam": auth_type == "AWS_IAM",
             "scopes": tuple(stack.known(route_id, "AuthorizationScopes", []) or ()),
             "api_key_required": False, "validation": None}))


def _http_authorizer(stack: Stack, auth_id: str) -> Authorizer:
    kind = str(stack.known(auth_id, "AuthorizerType", "REQUEST")).upper()
    jwt = stack.known(auth_id, "JwtConfiguration", {}) or {}
    sources = stack.known(auth_id, "IdentitySource", []) or []
    name = stack.name(auth_id)
    return Authorizer(
        name=name, kind="jwt" if kind == "JWT" else "request",
        function=function_name_in(stack.value(auth_id, "AuthorizerUri")),
        identity_sources=tuple(str(s) for s in (sources if isinstance(sources, list)
                                                else [sources])),
        ttl_s=int(stack.known(auth_id, "AuthorizerResultTtlInSeconds", 300)),
        payload_version="2.0" if str(stack.known(auth_id, "AuthorizerPayloadFormatVersion",
                                                 "")) == "2.0" else "1.0",
        simple_responses=stack.known(auth_id, "EnableSimpleResponses", False) in (True, "true"),
        issuer=jwt.get("Issuer"), audiences=tuple(str(a) for a in jwt.get("Audience") or ()))


def _ignored(stack: Stack, api: str) -> None:
    for prop in sorted(set(stack.props(api)) - _INERT):
        if prop not in ("BodyS3Location", "DefinitionUri"):
            stack.note(f"not emulated: {prop} on {stack.name(api)}")


def finish(draft: Draft, by_name: dict[str, str], skipped: dict[str, str],
           stack: Stack) -> tuple[Api, list[Route]]:
    """Routes with functions by logical id; a route whose function is not in the template
    answers as a failed integration (its name goes to `skipped`)."""
    routes = []
    for method, path, function, version, auth in draft.routes:
        problem = _path_problem(method, path)
        if problem is not None:
            stack.note(f"not emulated: route {method} {path} on {draft.logical_id} ({problem})")
            continue
        if function is None or isinstance(function, Unknown):
            stack.note(f"not emulated: {method} {path} on {draft.logical_id} (its function "
                       "cannot be known offline)")
            continue
        name = by_name.get(function)
        if name is None:
            name = function
            skipped.setdefault(name, "no such function in the template")
        routes.append(Route(draft.logical_id, draft.kind, method, path, name,
                            "2.0" if version == "2.0" else "1.0", auth["authorizer"],
                            auth["iam"], auth["scopes"], auth["api_key_required"],
                            auth["validation"]))
    return draft.api(), routes


def _path_problem(method: str, path: str) -> str | None:
    """Why API Gateway would not take this route, if it would not."""
    if method not in HTTP_METHODS:
        return "not an HTTP method"
    if path == "$default":
        return None
    if not path.startswith("/"):
        return "a path must start with '/'"
    segments = path.strip("/").split("/")
    for index, segment in enumerate(segments):
        if ("{" in segment or "}" in segment) and not re.fullmatch(r"\{[A-Za-z0-9_.-]+\+?\}",
                                                                   segment):
            return f"bad path parameter {segment}"
        if segment.endswith("+}") and index != len(segments) - 1:
            return "a greedy {name+} parameter must be the last segment"
    return None
