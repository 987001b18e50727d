"""API Gateway's mapping expressions where the gateway itself answers (a mock OPTIONS
method's integration response, a customised gateway response): a static value in single
quotes, or a value taken from the request or its context (developer guide,
request-response-data-mappings.html, api-gateway-gatewayResponse-definition.html)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from workbench.gateway.http import HttpRequest

# A VTL reference to a context or stage variable: $context.x.y, ${context.x}, $!{...}.
_REFERENCE = re.compile(r"\$(!?)(?:\{((?:context|stageVariables)(?:\.\w+)+)\}|"
                        r"((?:context|stageVariables)(?:\.\w+)+))")


def mapped(mapping: str, request: HttpRequest | None, values: dict[str, str]) -> str | None:
    """The value a mapping expression stands for, or None when it has none. `values`
    holds the context and stage variables ("context.requestId", "stageVariables.v")."""
    if mapping.startswith("'"):
        return mapping.strip("'")
    if mapping in values:
        return values[mapping]
    if request is None:
        return None
    if mapping.startswith("method.request.header."):
        return request.header(mapping.removeprefix("method.request.header."))
    if mapping.startswith("method.request.querystring."):
        wanted = mapping.removeprefix("method.request.querystring.")
        found = [v for k, v in parse_qsl(request.query_string, keep_blank_values=True)
                 if k == wanted]
        return found[-1] if found else None
    return None


def fill(template: str, values: dict[str, str]) -> str:
    """A body template with its context and stage variable references filled in. As in
    VTL, an unknown reference stays as written (a quiet `$!` one becomes empty); VTL
    directives (#if, #set) are not run (the banner says so)."""

    def value(found: re.Match[str]) -> str:
        name = found.group(2) or found.group(3)
        if name in values:
            return values[name]
        return "" if found.group(1) else found.group(0)

    return _REFERENCE.sub(value, template)
