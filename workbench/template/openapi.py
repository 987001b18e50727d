"""OpenAPI 3 / Swagger 2 bodies with API Gateway's extensions, as API Gateway imports them.

Read: `x-amazon-apigateway-integration` (AWS_PROXY routes, payload format version),
`x-amazon-apigateway-any-method`, authorizers (`securityDefinitions` /
`components.securitySchemes` with `x-amazon-apigateway-authorizer`, `security` per
operation or for the whole API), API keys (`api_key` schemes,
`x-amazon-apigateway-api-key-source`), `x-amazon-apigateway-cors`, SAM's CORS mock
OPTIONS methods, request validators (`x-amazon-apigateway-request-validator(s)` with the
operation's parameters and body model), and `x-amazon-apigateway-binary-media-types`
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workbench.template.documents import shown
from workbench.template.specs import (
    Authorizer,
    AuthorizerKind,
    Cors,
    GatewayResponse,
    MockPreflight,
    RequestValidation,
    payload_problem,
    user_pool_problem,
    user_pools,
)
from workbench.template.stack import function_name_in, route_target_in

_ANY = {"x-amazon-apigateway-any-method",
        # API Gateway documents only the extension; SAM CLI also takes a plain `any` (its
        # own CDK testdata writes one), so a local run does too.
        "any"}
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", *_ANY}
_PATH_FIELDS = {"parameters", "summary", "description", "servers", "$ref", "trace"}
_AUTHORIZER_KINDS: dict[str, AuthorizerKind] = {
    "token": "token", "request": "request", "cognito_user_pools": "cognito", "jwt": "jwt"}
_PARAMETER_PLACES = {"query": "querystring", "header": "header", "path": "path"}
# API-wide extensions that change answers, which a local run does not apply.
_NOT_EMULATED = {"x-amazon-apigateway-policy": "the resource policy",
                 "x-amazon-apigateway-minimum-compression-size": "response compression"}
# A response template line that is a VTL directive or comment: it writes nothing.
_DIRECTIVE = re.compile(r"\s*(?:#(?:set|if|elseif|else|end|foreach|break|stop)\b|##)")
# CDK's preflight for several allowOrigins (aws-apigateway, Resource.addCorsPreflight)
# answers with the first as a literal and overrides it with the request's Origin when
# the template finds it among the others (`$origin == "..." || ...`): API Gateway
# applies `$context.responseOverride.header.X` over the mapped headers (developer guide,
# apigateway-override-request-response-parameters.html).
_ORIGIN_OVERRIDE = re.compile(r"#if\(([^\n]*)\)\s*#set\(\$context\.responseOverride\.header\."
                              r"Access-Control-Allow-Origin\s*=\s*\$origin\s*\)")
_ORIGIN_IS = re.compile(r'\$origin\s*==\s*"([^"]+)"')


@dataclass
class Operation:
    method: str  # upper case or ANY
    path: str
    function: str | None  # the function name its integration URI names
    payload_version: str
    security: Any  # as written: `drafts.access` reads it
    validation: RequestValidation | None = None
    operation_id: str | None = None
    tenant_id_mapping: str | None = None


@dataclass
class Definition:
    operations: list[Operation] = field(default_factory=list)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    api_key_schemes: set[str] = field(default_factory=set)
    iam_schemes: set[str] = field(default_factory=set)
    cors: Cors | None = None
    api_key_source: str | None = None
    binary_media_types: tuple[str, ...] = ()
    # path -> its mock OPTIONS (without its checks yet) and that method's security
    preflights: dict[str, tuple[MockPreflight, Any]] = field(
        default_factory=dict)
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class _Malformed(Exception):
    """A part of the body is not of the shape OpenAPI gives it."""


def wrong_shape(value: Any, kind: type) -> str | None:
    """Why `value` is not the map or list (`kind`) it must be; None if it is or is absent."""
    if value is None or isinstance(value, kind):
        return None
    return f"must be a {'map' if kind is dict else 'list'}, not {shown(value)}"


def _shaped(value: Any, kind: type, what: str) -> Any:
    """`value`, of the `kind` (dict or list) OpenAPI gives `what`; absent, an empty one."""
    problem = wrong_shape(value, kind)
    if problem is not None:
        raise _Malformed(f"{what} {problem}")
    return kind() if value is None else value


def read(body: dict[str, Any], kind: str, api: str) -> Definition:
    """The body's routes, authorizers and API-wide settings; a malformed body, which API
    Gateway would not import, serves nothing and says why."""
    try:
        return _read(body, kind, api)
    except _Malformed as exc:
        return Definition(notes=[f"not emulated: the OpenAPI body of {api} ({exc})"])


def _read(body: dict[str, Any], kind: str, api: str) -> Definition:
    out = Definition()
    components = _shaped(body.get("components"), dict, "components")
    schemes = (_shaped(body.get("securityDefinitions"), dict, "securityDefinitions") or
               _shaped(components.get("securitySchemes"), dict, "components.securitySchemes"))
    for name, scheme in schemes.items():
        _scheme(out, str(name), scheme if isinstance(scheme, dict) else {}, kind)
    for path, item in _shaped(body.get("paths"), dict, "paths").items():
        if isinstance(item, dict):
            _path(out, body, str(path), item, kind, api)
    cors = body.get("x-amazon-apigateway-cors")
    if isinstance(cors, dict):
        out.cors = cors_of(cors)
    source = body.get("x-amazon-apigateway-api-key-source")
    out.api_key_source = str(source).upper() if source else None
    responses = _shaped(body.get("x-amazon-apigateway-gateway-responses"), dict,
                        "x-amazon-apigateway-gateway-responses")
    for kind_of, response in responses.items():
        if isinstance(response, dict):
            out.gateway_responses[str(kind_of)] = gateway_response(
                response.get("statusCode"), response.get("responseParameters"),
                response.get("responseTemplates"))
    for key, what in _NOT_EMULATED.items():
        if body.get(key):
            out.notes.append(f"not emulated: {what} of {api} ({key})")
    binary = _shaped(body.get("x-amazon-apigateway-binary-media-types"), list,
                     "x-amazon-apigateway-binary-media-types")
    out.binary_media_types = tuple(str(b).replace("~1", "/") for b in binary)
    return out


def _path(out: Definition, body: dict[str, Any], path: str, item: dict[str, Any], kind: str,
          api: str) -> None:
    """One path's operations: proxy routes, mock preflights, the rest reported."""
    default_security = body.get("security") or []
    validators = _shaped(body.get("x-amazon-apigateway-request-validators"), dict,
                         "x-amazon-apigateway-request-validators")
    default_validator = body.get("x-amazon-apigateway-request-validator")
    for key, operation in item.items():
        if key.lower() in _PATH_FIELDS:
            continue
        if key.lower() not in _METHODS or not isinstance(operation, dict):
            out.notes.append(f"not emulated: {key.upper()} {path} on {api} (not an HTTP method)")
            continue
        method = method_of(key)
        route = _route_path(path, method, kind)
        security = operation.get("security", default_security)  # drafts.access judges it
        integration = _shaped(operation.get("x-amazon-apigateway-integration"), dict,
                              f"x-amazon-apigateway-integration of {method} {route}")
        kind_of = str(integration.get("type", "")).lower()
        if str(integration.get("responseTransferMode", "")).upper() == "STREAM":
            out.notes.append(f"not emulated: response streaming of {method} {route} on {api} "
                             "(responseTransferMode STREAM: the response is sent whole)")
        if kind_of == "aws_proxy":
            validator = operation.get("x-amazon-apigateway-request-validator", default_validator)
            out.operations.append(Operation(
                method, route, route_target_in(integration.get("uri")),
                str(integration.get("payloadFormatVersion", "2.0" if kind == "http" else "1.0")),
                security, _validation(body, item, operation, validators.get(
                    validator) if isinstance(validator, str) else None),
                str(operation["operationId"]) if operation.get("operationId") else None,
                tenant_id_mapping(integration.get("requestParameters"))))
        elif kind_of == "mock" and method == "OPTIONS":
            responses = integration.get("responses") or {}
            chosen: dict[str, Any] = (responses.get("default")
                                      or next(iter(responses.values()), {}) or {})
            params = chosen.get("responseParameters") or {}
            out.cors = out.cors or cors_of_mock(params)
            mock = mock_preflight(chosen.get("statusCode"), params,
                                  chosen.get("responseTemplates"))
            out.preflights[route] = (mock, security)
        else:
            what = f"{kind_of.upper()} integration" if kind_of else "no integration"
            if integration.get("requestTemplates") or integration.get("responses"):
                what += " with mapping templates"
            out.notes.append(f"not emulated: {method} {route} on {api} ({what})")


def _route_path(path: str, method: str, kind: str) -> str:
    """An HTTP API's `$default` route, which API Gateway writes as the ANY method of the
    path `/$default` marked `isDefaultRoute` (api-gateway-swagger-extensions-any-method.html,
    http-api-develop-routes.html), is the catch-all, not a path."""
    is_default = kind == "http" and method == "ANY" and path in ("/$default", "$default")
    return "$default" if is_default else path


def method_of(key: str) -> str:
    """An operation's key in a path item as a method name: upper case, or ANY."""
    return "ANY" if key.lower() in _ANY else key.upper()


def _scheme(out: Definition, name: str, scheme: dict[str, Any], kind: str) -> None:
    config = scheme.get("x-amazon-apigateway-authorizer")
    if str(scheme.get("x-amazon-apigateway-authtype", "")).lower() in ("awssigv4", "aws_iam") \
            and not isinstance(config, dict):
        out.iam_schemes.add(name)
        return
    if not isinstance(config, dict):
        if scheme.get("type") == "apiKey" and str(scheme.get("name", "")).lower() == "x-api-key":
            out.api_key_schemes.add(name)
        return
    auth_kind = _AUTHORIZER_KINDS.get(str(config.get("type", "")).lower())
    if auth_kind is None:
        out.notes.append(f"not emulated: authorizer {name} of type {config.get('type')}")
        return
    sources = config.get("identitySource")
    if isinstance(sources, str):
        sources = [s.strip() for s in sources.split(",") if s.strip()]
    sources = _shaped(sources, list, f"identitySource of {name}")
    if not sources and auth_kind in ("token", "cognito") and scheme.get("in") == "header":
        sources = [f"method.request.header.{scheme.get('name', 'Authorization')}"]
    jwt = _shaped(config.get("jwtConfiguration"), dict, f"jwtConfiguration of {name}")
    ttl = str(config.get("authorizerResultTtlInSeconds", 300))
    if not ttl.isdigit():
        raise _Malformed(f"authorizerResultTtlInSeconds of {name} must be seconds, not "
                         f"{shown(config.get('authorizerResultTtlInSeconds'))}")
    audience = jwt.get("audience") or []
    version = config.get("authorizerPayloadFormatVersion")
    simple = config.get("enableSimpleResponses", False) in (True, "true")
    pools = user_pools(config.get("providerARNs"))
    out.authorizers[name] = Authorizer(
        name=name, kind=auth_kind, function=function_name_in(config.get("authorizerUri")),
        identity_sources=tuple(str(s) for s in sources or ()),
        ttl_s=int(ttl),
        validation_regex=config.get("identityValidationExpression"),
        payload_version="2.0" if str(version) == "2.0" else "1.0", simple_responses=simple,
        refused=payload_problem(version, simple) if kind == "http" and auth_kind == "request"
        else user_pool_problem(pools) if auth_kind == "cognito" else None,
        issuer=jwt.get("issuer"),
        audiences=tuple(str(a) for a in (audience if isinstance(audience, list) else [audience])),
        user_pool_arns=pools)


def cors_of(config: dict[str, Any]) -> Cors:
    """CORS from CorsConfiguration, a Function URL's Cors or x-amazon-apigateway-cors
    (the same keys, capitalised or not)."""
    lowered = {k[:1].lower() + k[1:]: v for k, v in config.items()}

    def strings(key: str) -> tuple[str, ...]:
        value = lowered.get(key) or []
        return tuple(str(v) for v in (value if isinstance(value, list) else [value]))

    methods = strings("allowMethods")
    max_age = str(lowered.get("maxAge"))
    return Cors(allow_origins=strings("allowOrigins"), allow_methods=methods or None,
                allow_headers=strings("allowHeaders"), expose_headers=strings("exposeHeaders"),
                max_age=int(max_age) if max_age.isdigit() else None,
                allow_credentials=str(lowered.get("allowCredentials", "")).lower() == "true")


def cors_of_mock(params: dict[str, Any]) -> Cors | None:
    """The CORS a preflight mock answers with (SAM's `Cors` generates one per path, CDK's
    `defaultCorsPreflightOptions` likewise): its `method.response.header.Access-Control-*`
    response parameters, each a quoted literal."""
    headers = {k.rsplit(".", 1)[-1].lower(): str(v).strip("'") for k, v in params.items()
               if isinstance(k, str) and k.startswith("method.response.header.")}
    if "access-control-allow-origin" not in headers:
        return None

    def items(name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in headers.get(name, "").split(",") if v.strip())

    age = headers.get("access-control-max-age", "")
    return Cors(allow_origins=items("access-control-allow-origin"),
                allow_methods=None,  # SAM lists the path's own methods: the gateway does too
                allow_headers=items("access-control-allow-headers"),
                expose_headers=items("access-control-expose-headers"),
                max_age=int(age) if age.isdigit() else None,
                allow_credentials=headers.get("access-control-allow-credentials") == "true")


def mock_preflight(status: Any, params: dict[str, Any], templates: Any) -> MockPreflight:
    """What a mock OPTIONS answers: its integration response's status, header mappings
    (`method.response.header.X` -> value) and application/json template."""
    headers = tuple((k.rsplit(".", 1)[-1], str(v)) for k, v in params.items()
                    if isinstance(k, str) and k.startswith("method.response.header."))
    body = (templates or {}).get("application/json") if isinstance(templates, dict) else None
    text = str(body or "")
    override = _ORIGIN_OVERRIDE.search(text)
    return MockPreflight(status=int(status) if str(status).isdigit() else 200,
                         headers=headers,
                         body="" if all(_DIRECTIVE.match(line) for line in text.splitlines())
                         else text,
                         echoed_origins=tuple(_ORIGIN_IS.findall(override.group(1)))
                         if override else ())


def tenant_id_mapping(params: Any) -> str | None:
    """The value a REST integration maps to `integration.request.header.X-Amz-Tenant-Id`
    (the same key in OpenAPI's requestParameters and CloudFormation's RequestParameters):
    how API Gateway names the tenant of a tenant-isolated function (Lambda dg,
    tenant-isolation-invoke.html)."""
    for key, value in (params or {}).items() if isinstance(params, dict) else ():
        if str(key).lower() == "integration.request.header.x-amz-tenant-id":
            return str(value)
    return None


def gateway_response(status: Any, params: Any, templates: Any) -> GatewayResponse:
    """A customised gateway response: its status, `gatewayresponse.header.X` mappings and
    body templates (the same keys in OpenAPI and CloudFormation, capitalised or not)."""
    headers = tuple((k.rsplit(".", 1)[-1], str(v)) for k, v in (params or {}).items()
                    if isinstance(k, str) and k.startswith("gatewayresponse.header."))
    return GatewayResponse(status=int(status) if str(status).isdigit() else None,
                           headers=headers,
                           templates={str(k): str(v) for k, v in (templates or {}).items()})


def _validation(body: dict[str, Any], item: dict[str, Any], operation: dict[str, Any],
                validator: Any) -> RequestValidation | None:
    if not isinstance(validator, dict):
        return None
    check_body = bool(validator.get("validateRequestBody"))
    check_params = bool(validator.get("validateRequestParameters"))
    parameters: list[tuple[str, bool]] = []
    schema: dict[str, Any] | None = None
    required_body = False
    for param in [*_shaped(item.get("parameters"), list, "parameters"),
                  *_shaped(operation.get("parameters"), list, "parameters")]:
        if not isinstance(param, dict):
            continue
        place = param.get("in")
        if place == "body":
            schema, required_body = _schema(body, param.get("schema")), bool(
                param.get("required"))
        elif place in _PARAMETER_PLACES:
            parameters.append((f"method.request.{_PARAMETER_PLACES[place]}.{param.get('name')}",
                               bool(param.get("required"))))
    request_body = _shaped(operation.get("requestBody"), dict, "requestBody")
    content = _shaped(_shaped(request_body.get("content"), dict, "requestBody.content").get(
        "application/json"), dict, "requestBody.content.application/json")
    if content.get("schema") is not None:
        schema, required_body = _schema(body, content["schema"]), bool(
            request_body.get("required"))
    if not (check_body and schema is not None) and not (check_params and parameters):
        return None
    return RequestValidation(body_schema=schema if check_body else None,
                             body_required=check_body and required_body,
                             parameters=tuple(parameters) if check_params else ())


def _schema(body: dict[str, Any], schema: Any, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The schema with its local `$ref`s (#/definitions/X, #/components/schemas/X) inlined."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
            target: Any = body
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            return _schema(body, target, (*seen, ref))
        return {k: _schema(body, v, seen) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_schema(body, v, seen) for v in schema]  # type: ignore[return-value]
    return schema  # type: ignore[no-any-return]
