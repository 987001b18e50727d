"""The template, loaded into typed specs: the workbench's one source of truth.

`load(path)` reads a SAM, CloudFormation or CDK template (with its nested stacks,
OpenAPI definitions and the values given from outside) into a `Template`; the specs are
in `workbench.template.specs`, the flow in `workbench.template.loader`.
"""

from workbench.template.loader import SERVE_COMMANDS, load, load_settings
from workbench.template.specs import (
    DEFAULT_EPHEMERAL_MB,
    HTTP_METHODS,
    IMPLICIT_HTTP_API,
    IMPLICIT_HTTP_STAGE,
    IMPLICIT_REST_API,
    IMPLICIT_REST_STAGE,
    SUPPORTED_RUNTIMES,
    Api,
    ApiKind,
    Architecture,
    Authorizer,
    AuthorizerKind,
    Cors,
    FunctionSpec,
    FunctionUrl,
    GatewayResponse,
    LayerSpec,
    MockPreflight,
    PayloadVersion,
    Published,
    RequestValidation,
    Route,
    Template,
)
from workbench.template.values import TemplateValues

__all__ = [
    "DEFAULT_EPHEMERAL_MB", "HTTP_METHODS", "IMPLICIT_HTTP_API", "IMPLICIT_HTTP_STAGE",
    "IMPLICIT_REST_API", "IMPLICIT_REST_STAGE", "SERVE_COMMANDS", "SUPPORTED_RUNTIMES",
    "Api", "ApiKind",
    "Architecture", "Authorizer", "AuthorizerKind", "Cors", "FunctionSpec", "FunctionUrl",
    "GatewayResponse", "LayerSpec", "MockPreflight", "PayloadVersion", "Published",
    "RequestValidation",
    "Route", "Template",
    "TemplateValues", "load", "load_settings",
]
