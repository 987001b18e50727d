"""`AWS::ApiGateway::*` (REST) and `AWS::ApiGatewayV2::*` (HTTP) resources into APIs and routes.

An API's routes come from its OpenAPI `Body` (SAM's APIs always have one after the
transform) or from its resources: a REST API's `Resource` tree and `Method`s, an HTTP
API's `Route`s and `Integration`s, or a quick-create `Target`. Only Lambda proxy
integrations (AWS_PROXY) run; any other integration is reported, never dropped silently.
"""

from __future__ import annotations

import re

from workbench.template import http_apis, rest_apis
from workbench.template.drafts import Draft
from workbench.template.intrinsics import Unknown
from workbench.template.specs import HTTP_METHODS, Api, FunctionSpec, Route, Template
from workbench.template.stack import Stack

REST = "AWS::ApiGateway::RestApi"
HTTP = "AWS::ApiGatewayV2::Api"


def read(stack: Stack) -> list[Draft]:
    drafts = []
    for logical_id, _ in stack.of_type(REST):
        drafts.append(rest_apis.read(stack, logical_id))
    for logical_id, _ in stack.of_type(HTTP):
        protocol = stack.value(logical_id, "ProtocolType", "HTTP")
        if protocol != "HTTP":
            stack.note(f"not emulated: {protocol} API {stack.name(logical_id)}")
            continue
        drafts.append(http_apis.read(stack, logical_id))
    return drafts


def finish(draft: Draft, by_name: dict[str, str], skipped: dict[str, str],
           stack: Stack) -> tuple[Api, list[Route]]:
    """Routes with functions by logical id; a route whose function is not in the template
    answers as a failed integration (its name goes to `skipped`)."""
    routes = []
    for method, path, target, version, auth in draft.routes:
        problem = _path_problem(method, path)
        if problem is not None:
            stack.note(f"not emulated: route {method} {path} on {draft.logical_id} ({problem})")
            continue
        if target is None or isinstance(target, Unknown):
            stack.note(f"not emulated: {method} {path} on {draft.logical_id} (its function "
                       "cannot be known offline)")
            continue
        function, _, qualifier = target.partition(":")
        name = by_name.get(function)
        if name is None:
            name = function
            skipped.setdefault(name, "no such function in the template")
        routes.append(Route(draft.logical_id, draft.kind, method, path, name,
                            "2.0" if version == "2.0" else "1.0", auth["authorizer"],
                            auth["iam"], auth["scopes"], auth["api_key_required"],
                            auth["validation"], auth.get("operation_name"),
                            auth.get("tenant_id_mapping"), qualifier or None))
    return draft.api(), routes


def shadowing(routes: list[Route]) -> tuple[list[Route], list[str]]:
    """One port serves every API, so a method and path routed by two APIs goes to one of
    them: the outer stack's (SAM CLI's SamApiProvider.merge_routes: the root stack's
    route wins over a nested stack's), then template order. The other is named. On AWS
    each API has its own URL and both answer."""
    kept: dict[tuple[str, str], Route] = {}
    notes = []
    for route in sorted(routes, key=lambda r: r.api_id.count("/")):  # stable: template order
        winner = kept.setdefault((route.method, route.path), route)
        if winner is not route:
            notes.append(f"ignored: {route.method} {route.path} of {route.api_id} "
                         f"({route.function}): shadowed by the same route of {winner.api_id} "
                         f"({winner.function}), since one port serves every API")
    return [r for r in routes if kept[r.method, r.path] is r], notes


def authorizer_notes(template: Template) -> list[str]:
    """Authorizers API Gateway could not use: set up against its rules, or Lambda
    authorizers with a function that is not in the template. Their routes answer 500
    here, as when API Gateway cannot call an authorizer (AuthorizerConfigurationException)."""
    notes = []
    for api_id, api in template.apis.items():
        for authorizer in api.authorizers.values():
            function = authorizer.function
            if authorizer.refused is not None:
                why = authorizer.refused
            elif authorizer.kind not in ("token", "request"):
                continue
            elif function is None:
                why = "its function cannot be known offline"
            elif template.function(function) is None and function not in template.skipped:
                why = f"its function {function} is not in the template"
            else:
                continue
            notes.append(f"not emulated: authorizer {authorizer.name} on {api_id} ({why}; "
                         "its routes answer 500)")
    return notes


def tenancy_notes(routes: list[Route], functions: dict[str, FunctionSpec]) -> list[str]:
    """Routes Lambda refuses on AWS for want of a tenant ID, or for one it does not
    take: API Gateway then answers 500 (Lambda dg, tenant-isolation-invoke.html: REST
    integrations map X-Amz-Tenant-Id; HTTP APIs cannot send it)."""
    notes = []
    for route in routes:
        spec = functions.get(route.function)
        where = f"{route.method} {route.path} of {route.api_id} -> {route.function}"
        if spec is None or spec.tenant_isolation == (route.tenant_id_mapping is not None):
            continue
        if spec.tenant_isolation:
            why = ("an HTTP API cannot send Lambda a tenant ID" if route.kind == "http" else
                   "its integration maps no integration.request.header.X-Amz-Tenant-Id")
            notes.append(f"fails as on AWS: {where} (TenancyConfig PER_TENANT): {why}, so "
                         "Lambda refuses every call")
        else:
            notes.append(f"fails as on AWS when a tenant ID is sent: {where}: its "
                         "integration maps X-Amz-Tenant-Id to a function without "
                         "TenancyConfig, which Lambda refuses")
    return notes


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
