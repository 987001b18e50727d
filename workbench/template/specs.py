"""The typed specs a template loads into: what the rest of the workbench reads.

Everything here is plain frozen data. The loaders (`workbench.template.loader` and the
modules beside it) fill it from SAM, CloudFormation and OpenAPI; the gateway, runtime,
build and LocalStack code read it and never the raw template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from workbench.errors import AmbiguousFunction

ApiKind = Literal["rest", "http"]
PayloadVersion = Literal["1.0", "2.0"]
Architecture = Literal["x86_64", "arm64"]
AuthorizerKind = Literal["token", "request", "jwt", "cognito"]
# A Cognito authorizer's user pool: "arn:aws:cognito-idp:{region}:{account_id}:userpool/
# {user_pool_id}" (API Gateway API reference, Authorizer, providerARNs).
USER_POOL_ARN = re.compile(r"arn:[\w-]+:cognito-idp:(?P<region>[\w-]+):[^:]+:userpool/"
                           r"(?P<id>[^/:]+)")

# SAM's implicit APIs, their logical ids and stage names.
IMPLICIT_REST_API = "ServerlessRestApi"
IMPLICIT_HTTP_API = "ServerlessHttpApi"
IMPLICIT_REST_STAGE = "Prod"
IMPLICIT_HTTP_STAGE = "$default"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
# Lambda's supported Python runtimes (AWS Lambda runtimes table).
SUPPORTED_RUNTIMES = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
                      "python3.14")
# Lambda's default /tmp size (EphemeralStorage), in MB.
DEFAULT_EPHEMERAL_MB = 512


@dataclass(frozen=True)
class Cors:
    """CORS settings: an HTTP API's CorsConfiguration, a Function URL's Cors, or SAM's
    `Cors` on a REST API (whose preflight SAM answers with a mock OPTIONS method)."""

    allow_origins: tuple[str, ...] = ()
    # None: the methods routed on the requested path (what SAM's generated OPTIONS lists).
    allow_methods: tuple[str, ...] | None = None
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class Authorizer:
    """An authorizer API Gateway evaluates before the integration."""

    name: str  # as the template names it (SAM Auth key, OpenAPI scheme, CFN logical id)
    kind: AuthorizerKind  # REST Lambda TOKEN/REQUEST, HTTP API Lambda = request, JWT, Cognito
    function: str | None = None  # logical id of a Lambda authorizer's function
    # As AWS spells them: REST "method.request.header.Authorization",
    # "method.request.querystring.q", "stageVariables.v", "context.x"; HTTP API
    # "$request.header.Authorization", "$request.querystring.q", "$context.x", "$stageVariables.v".
    identity_sources: tuple[str, ...] = ()
    ttl_s: int = 300  # AuthorizerResultTtlInSeconds, 0 disables caching
    validation_regex: str | None = None  # REST TOKEN: IdentityValidationExpression
    payload_version: PayloadVersion = "1.0"  # HTTP API Lambda: AuthorizerPayloadFormatVersion
    simple_responses: bool = False  # HTTP API Lambda: EnableSimpleResponses
    issuer: str | None = None  # JWT: JwtConfiguration.issuer
    audiences: tuple[str, ...] = ()  # JWT: JwtConfiguration.audience
    user_pool_arns: tuple[str, ...] = ()  # Cognito user pools, as resolved
    # Why API Gateway would not create it as configured (its routes answer 500 here).
    refused: str | None = None


def payload_problem(raw_version: object, simple_responses: bool) -> str | None:
    """Why API Gateway refuses an HTTP API Lambda authorizer's payload settings: the
    format is 1.0 or 2.0, and simple responses are a 2.0 format (API Gateway developer
    guide, http-api-lambda-authorizer.html); None when they are valid (absent: 1.0)."""
    version = None if raw_version is None else str(raw_version)
    if version not in (None, "", "1.0", "2.0"):
        return f"AuthorizerPayloadFormatVersion {str(version)!r}: API Gateway takes 1.0 or 2.0"
    if simple_responses and version != "2.0":
        return "EnableSimpleResponses needs AuthorizerPayloadFormatVersion 2.0"
    return None


def user_pools(raw: object) -> tuple[str, ...]:
    """ProviderARNs as written: a list, or (as SAM's UserPoolArn may be) one value."""
    items = raw if isinstance(raw, list) else [] if raw in (None, "") else [raw]
    return tuple(str(item) for item in items)


def user_pool_problem(pools: tuple[str, ...]) -> str | None:
    """Why API Gateway refuses a Cognito authorizer's user pools; None when each is a user
    pool ARN."""
    if not pools:
        return "it names no user pool"
    bad = next((pool for pool in pools if not USER_POOL_ARN.fullmatch(pool)), None)
    if bad is None:
        return None
    return (f"user pool {bad!r} is not a user pool ARN, "
            "arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID")


@dataclass(frozen=True)
class RequestValidation:
    """A REST method's request validation (RequestModel / RequestParameters)."""

    body_schema: dict[str, Any] | None = None  # the model's JSON schema, when ValidateBody
    body_required: bool = False
    # ("method.request.header.X-Id" | "method.request.querystring.q" | "method.request.path.id",
    #  required)
    parameters: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class FunctionUrl:
    """A Lambda Function URL (FunctionUrlConfig or AWS::Lambda::Url)."""

    auth_type: Literal["NONE", "AWS_IAM"] = "NONE"
    cors: Cors | None = None
    invoke_mode: Literal["BUFFERED", "RESPONSE_STREAM"] = "BUFFERED"


@dataclass(frozen=True)
class MockPreflight:
    """A REST API's OPTIONS method with a MOCK integration (what SAM's `Cors` and CDK's
    `defaultCorsPreflightOptions` add to each path, or one written by hand): API Gateway
    answers it with the integration response, after the method's own checks."""

    status: int = 200
    # The integration response's header mappings as AWS spells them: a quoted literal
    # ("'GET,OPTIONS'") or a request value ("method.request.header.Origin").
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""  # its application/json response template (literal; "" when all VTL)
    # Origins its template answers with themselves in Access-Control-Allow-Origin (CDK's
    # preflight for several allowOrigins: template/openapi.py).
    echoed_origins: tuple[str, ...] = ()
    authorizer: str | None = None  # a name in its Api.authorizers
    api_key_required: bool = False


@dataclass(frozen=True)
class GatewayResponse:
    """A REST API's customised gateway response (SAM `GatewayResponses`,
    x-amazon-apigateway-gateway-responses, AWS::ApiGateway::GatewayResponse)."""

    status: int | None = None  # None: the response type's own status
    # `gatewayresponse.header.X` mappings as AWS spells them ("'*'", "method.request.header.Y")
    headers: tuple[tuple[str, str], ...] = ()
    templates: dict[str, str] = field(default_factory=dict)  # content type -> body template


@dataclass(frozen=True)
class LayerSpec:
    logical_id: str
    content_uri: Path
    build_method: str | None = None  # Metadata.BuildMethod ("python3.11", "makefile"...)
    compatible_runtimes: tuple[str, ...] = ()
    compatible_architectures: tuple[str, ...] = ()
    published: Published | None = None  # a layer AWS publishes, which this stands in for


@dataclass(frozen=True)
class Published:
    """A layer AWS publishes that the workbench builds from PyPI (`published_layers`)."""

    source: str  # as the template names it: its ARN, or "the SSM parameter /aws/..."
    requirement: str  # what is installed, e.g. "aws-lambda-powertools[all]<4,>=3"


@dataclass(frozen=True)
class Api:
    logical_id: str
    kind: ApiKind
    stage: str
    binary_media_types: tuple[str, ...] = ()
    stage_variables: dict[str, str] = field(default_factory=dict)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    cors: Cors | None = None
    api_keys: tuple[str, ...] = ()  # values of the template's AWS::ApiGateway::ApiKey
    api_key_source: Literal["HEADER", "AUTHORIZER"] = "HEADER"
    # REST: path -> its mock OPTIONS method, with the authorizer and API key SAM's
    # AddDefaultAuthorizerToCorsPreflight / AddApiKeyRequiredToCorsPreflight put on it.
    preflights: dict[str, MockPreflight] = field(default_factory=dict)
    # REST: response type ("UNAUTHORIZED", "DEFAULT_4XX", ...) -> its customisation.
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    # REST: (method, path) of a method with no Lambda proxy integration -> the static MOCK
    # answer API Gateway gives, or why it is not emulated (then it answers 500).
    mocks: dict[tuple[str, str], MockPreflight | str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    api_id: str
    kind: ApiKind
    method: str  # upper case, or "ANY"
    path: str  # "/items/{id}", "/{proxy+}"; for HTTP APIs "$default" catches all
    function: str  # logical id
    payload_version: PayloadVersion
    authorizer: str | None = None  # a name in its Api.authorizers; None = no authorizer
    iam: bool = False  # AuthorizationType AWS_IAM: only SigV4-signed requests pass
    scopes: tuple[str, ...] = ()  # AuthorizationScopes (JWT, Cognito)
    api_key_required: bool = False
    validation: RequestValidation | None = None
    # REST: the method's OperationName (an OpenAPI operation's operationId once imported),
    # which the proxy event carries as requestContext.operationName.
    operation_name: str | None = None
    # REST: the integration request parameter `integration.request.header.X-Amz-Tenant-Id`
    # as AWS spells it ("method.request.header.x-tenant-id", "'blue'"): the tenant ID API
    # Gateway sends to a tenant-isolated function (Lambda dg, tenant-isolation-invoke.html).
    tenant_id_mapping: str | None = None
    # The alias or version the integration URI names (`...:function:Fn:live`, SAM's
    # AutoPublishAlias): what API Gateway invokes, so the invoked ARN ends with it.
    qualifier: str | None = None


def cdk_names(cdk_path: str) -> tuple[str, str, str]:
    """A CDK resource's `aws:cdk:path` (`Stack/MyFunction/Resource`), its construct path
    (`Stack/MyFunction`) and its construct id (`MyFunction`, SAM CLI's function id)."""
    construct = cdk_path.removesuffix("/Resource")
    return cdk_path, construct, construct.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class FunctionSpec:
    name: str  # logical id; the name the dev server and the Invoke API use
    handler: str
    runtime: str
    code_uri: Path
    memory_mb: int = 128
    timeout_s: float = 3.0
    environment: dict[str, str] = field(default_factory=dict)
    layers: tuple[Path, ...] = ()  # each layer's ContentUri, in template order
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0
    function_name: str | None = None  # the FunctionName property, when set
    architecture: Architecture = "x86_64"
    ephemeral_storage_mb: int = DEFAULT_EPHEMERAL_MB  # EphemeralStorage.Size: /tmp's limit
    layer_ids: tuple[str, ...] = ()  # logical ids of `layers`, same order (Template.layers)
    url: FunctionUrl | None = None
    # Where code_uri came from when it is not the folder itself: InlineCode / ZipFile
    # (code_uri then holds it as index.py), or a .zip CodeUri (code_uri is its extraction)
    # or a single file (code_uri holds a copy of it).
    inline_code: str | None = None
    code_archive: Path | None = None
    cdk_asset: bool = False  # code_uri is a CDK asset, deployed as it is (template/code.py)
    cdk_path: str | None = None  # Metadata aws:cdk:path: `Stack/MyFunction/Resource`
    # The names of its AWS::Lambda::Alias resources (SAM makes one for AutoPublishAlias):
    # with $LATEST, the qualifiers the Invoke API accepts.
    aliases: tuple[str, ...] = ()
    # TenancyConfig.TenantIsolationMode PER_TENANT: every invocation names a tenant, and
    # each tenant's execution environments are its own (Lambda dg, tenant-isolation.html).
    tenant_isolation: bool = False
    # TracingConfig.Mode Active (SAM's Tracing: Active): X-Ray samples its invocations
    # and its REPORT lines name the trace (runtime/tracing.py).
    active_tracing: bool = False

    @property
    def other_names(self) -> tuple[str, ...]:
        """The names it is also found by: a nested stack's function by its own logical id
        (SAM CLI finds `Child/Function` by `Function`), a CDK function by its construct
        id, path and `aws:cdk:path` (`MyFunction`, `Stack/MyFunction`, `.../Resource`: SAM
        CLI takes a CDK function's construct id wherever it takes a function name)."""
        names = [self.name.rsplit("/", 1)[-1]] if "/" in self.name else []
        if self.cdk_path:
            names += cdk_names(self.cdk_path)
        return tuple(dict.fromkeys(names))

    @property
    def watched_paths(self) -> tuple[Path, ...]:
        """Code and layers: a change under any of them retires warm environments."""
        return (self.code_archive or self.code_uri, *self.layers)


@dataclass(frozen=True)
class Template:
    path: Path
    functions: dict[str, FunctionSpec]
    apis: dict[str, Api]
    routes: tuple[Route, ...]
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    # One line each for what the workbench does not honour ("not emulated: MethodSettings
    # on MyApi", "ignored: VpcConfig on ProcessFunction"): shown in the banner, never silent.
    unsupported: tuple[str, ...] = ()
    # Functions listed but not run (another runtime, an Image), with the reason.
    skipped: dict[str, str] = field(default_factory=dict)
    # Every file the template was read from (itself, includes, OpenAPI files, nested
    # stacks, --env-vars, samconfig): a change to one reloads it.
    sources: tuple[Path, ...] = ()

    def alone(self, *specs: FunctionSpec) -> Template:
        """This template with only `specs` as its functions: what an invocation (or a
        replay) builds and places, so another function's failed build does not stop it."""
        return replace(self, functions={spec.name: spec for spec in specs})

    def function(self, name: str) -> FunctionSpec | None:
        """Look a function up by logical id, FunctionName, or ARN ending in either, then
        by its `other_names`; a name several functions answer to is `AmbiguousFunction`."""
        name = name.rsplit(":function:", 1)[-1].split(":", 1)[0]
        if name in self.functions:
            return self.functions[name]
        found = next((f for f in self.functions.values() if f.function_name == name), None)
        if found is not None:
            return found
        named = [f for f in self.functions.values() if name in f.other_names]
        if len(named) > 1:
            raise AmbiguousFunction(f"function {name!r} is ambiguous: " + ", ".join(
                f.name + (f" ({f.cdk_path.removesuffix('/Resource')})" if f.cdk_path else "")
                for f in sorted(named, key=lambda f: f.name.lower())) + "; name one of them")
        return named[0] if named else None
