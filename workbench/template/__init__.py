"""The template, loaded into typed specs: the workbench's one source of truth.

`load(path)` reads a SAM template into a `Template` (functions, layers, APIs, routes);
the specs are in `workbench.template.specs`, the reading in the modules beside it.
"""

from workbench.template.loader import load
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
    LayerSpec,
    PayloadVersion,
    RequestValidation,
    Route,
    Template,
)

__all__ = [
    "DEFAULT_EPHEMERAL_MB", "HTTP_METHODS", "IMPLICIT_HTTP_API", "IMPLICIT_HTTP_STAGE",
    "IMPLICIT_REST_API", "IMPLICIT_REST_STAGE", "SUPPORTED_RUNTIMES", "Api", "ApiKind",
    "Architecture", "Authorizer", "AuthorizerKind", "Cors", "FunctionSpec", "FunctionUrl",
    "LayerSpec", "PayloadVersion", "RequestValidation", "Route", "Template", "load",
]
