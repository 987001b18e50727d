"""One API while it is read (`Draft`), and what REST and HTTP APIs read alike: the
resources that belong to it, its OpenAPI `Body`, the access each operation asks for."""

from __future__ import annotations

import dataclasses
from typing import Any

from workbench.errors import TemplateError
from workbench.template import documents, openapi
from workbench.template.specs import (
    Api,
    ApiKind,
    Authorizer,
    Cors,
    GatewayResponse,
    MockPreflight,
)
from workbench.template.stack import Stack

# Properties with no effect on a local run, besides the ones read below.
_INERT = {"Name", "Description", "Tags", "EndpointConfiguration", "FailOnWarnings", "Mode",
          "Parameters", "CloneFrom", "Version", "DisableSchemaValidation", "BasePath",
          "ProtocolType", "RouteSelectionExpression", "StageName", "DeploymentId",
          "RestApiId", "ApiId", "AutoDeploy", "Variables", "StageVariables", "Body",
          "BinaryMediaTypes", "ApiKeySourceType", "CorsConfiguration", "Target", "RouteKey",
          "CredentialsArn", "Credentials"}


class Draft:
    """One API while it is read: its settings and routes (functions by name for now, as
    `Fn:live` when the integration names an alias or version)."""

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
        self.mocks: dict[tuple[str, str], MockPreflight | str] = {}
        self.gateway_responses: dict[str, GatewayResponse] = {}
        self.routes: list[tuple[str, str, str | None, str, dict[str, Any]]] = []

    def api(self) -> Api:
        return Api(self.logical_id, self.kind, self.stage, self.binary, self.variables,
                   self.authorizers, self.cors, tuple(self.api_keys),
                   "AUTHORIZER" if self.api_key_source == "AUTHORIZER" else "HEADER",
                   self.preflights, self.gateway_responses, self.mocks)


def belongs(stack: Stack, logical_id: str, prop: str, api: str) -> bool:
    """Does the resource's RestApiId/ApiId name this API?"""
    return bool(stack.value(logical_id, prop) == stack.name(api))


def read_body(stack: Stack, logical_id: str, draft: Draft) -> None:
    body = stack.value(logical_id, "Body")
    if not isinstance(body, dict):
        body = _asset_body(stack, logical_id)
    if isinstance(body, dict):
        apply_definition(stack, draft, openapi.read(body, draft.kind, stack.name(logical_id)))
    for prop in ("BodyS3Location", "DefinitionUri"):
        if prop in stack.props(logical_id) and stack.asset(logical_id, prop) is None:
            stack.note(f"not emulated: {prop} on {stack.name(logical_id)} (an S3 location; "
                       "use a local DefinitionUri or DefinitionBody)")


def _asset_body(stack: Stack, logical_id: str) -> Any:
    """CDK's `ApiDefinition.fromAsset`: BodyS3Location is the asset file beside the
    template (`aws:asset:path`), read as the body, as SAM CLI reads it. API Gateway imports
    that file as written: intrinsic functions in it are not evaluated ("Intrinsic
    functions are not supported in external OpenApi files", SAM DefinitionUri docs), so
    none is here either; `openapi` reads an integration URI's function from an `Fn::Sub`
    text as SAM CLI does."""
    asset = stack.asset(logical_id, "BodyS3Location")
    if asset is None:
        return None
    path = (stack.root / asset).resolve()
    stack.sources.append(path)
    try:
        return documents.read(path, what="OpenAPI")
    except TemplateError as error:
        stack.note(f"not emulated: BodyS3Location on {stack.name(logical_id)} (its CDK asset "
                   f"{asset}: {error.detail}; run `cdk synth` again?)")
        return None


def apply_definition(stack: Stack, draft: Draft, definition: openapi.Definition) -> None:
    for line in definition.notes:
        stack.note(line)
    draft.authorizers.update(definition.authorizers)
    draft.cors = definition.cors or draft.cors
    draft.binary = tuple(dict.fromkeys(draft.binary + definition.binary_media_types))
    draft.api_key_source = definition.api_key_source or draft.api_key_source
    draft.gateway_responses.update(definition.gateway_responses)
    for op in definition.operations:
        auth = access(op.security, definition)
        if auth is None:
            stack.note(_unreadable_security(f"{op.method} {op.path}", draft))
            continue
        auth["validation"] = op.validation
        # API Gateway imports an operationId as the REST method's operationName (the
        # name an SDK generated from the API gives the call; Method resource,
        # OperationName); an HTTP API route's operationId reaches no event.
        auth["operation_name"] = op.operation_id if draft.kind == "rest" else None
        auth["tenant_id_mapping"] = op.tenant_id_mapping if draft.kind == "rest" else None
        draft.routes.append((op.method, op.path, op.function, op.payload_version, auth))
    for path, (mock, security) in definition.preflights.items():
        checks = access(security, definition)
        if checks is None:
            stack.note(_unreadable_security(f"OPTIONS {path}", draft))
            continue
        draft.preflights[path] = dataclasses.replace(
            mock, authorizer=checks["authorizer"], api_key_required=checks["api_key_required"])


def access(requirements: Any, definition: openapi.Definition) -> dict[str, Any] | None:
    """What an operation's `security` asks for; None unless it is OpenAPI's list of
    requirements, each a map of scheme -> its scopes (a list)."""
    if not isinstance(requirements, list) or not all(map(_is_requirement, requirements)):
        return None
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


def _is_requirement(requirement: Any) -> bool:
    return requirement is None or isinstance(requirement, dict) and all(
        isinstance(scopes, list | None) for scopes in requirement.values())


def _unreadable_security(operation: str, draft: Draft) -> str:
    # Not served rather than served without the checks it may have meant.
    return (f"not emulated: {operation} on {draft.logical_id} (its security is not a list "
            "of requirements, each a map of scheme -> its scopes)")


def report_ignored(stack: Stack, api: str) -> None:
    for prop in sorted(set(stack.props(api)) - _INERT):
        if prop not in ("BodyS3Location", "DefinitionUri"):
            stack.note(f"not emulated: {prop} on {stack.name(api)}")
