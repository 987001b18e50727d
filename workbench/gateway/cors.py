"""CORS as each kind of API answers it.

REST (SAM's `Cors`): SAM adds an OPTIONS method with a MOCK integration to every path
that has none, answering 200 with the configured headers as literal values, whoever
asks; the function's own responses are not touched (SAM translator, swagger.py
`add_cors`: "we cannot inject the headers into the actual response returned from Lambda").
Allow-Methods defaults to the path's methods plus OPTIONS, sorted (all of them for ANY).

HTTP APIs and Function URLs (`CorsConfiguration`, `Cors`): API Gateway answers a
preflight (OPTIONS with Origin and Access-Control-Request-Method) itself with 204, and
adds the CORS headers to every response to an allowed Origin, replacing the function's
own (developer guide, http-api-cors.html). Origins may be exact, `*`, or a scheme
prefix such as `https://*`. A preflight from an origin or for a method that is not
allowed gets no CORS headers, so the browser refuses it.
"""

from __future__ import annotations

from workbench.gateway.http import HttpRequest, HttpResponse
from workbench.template import Cors

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def rest_preflight(cors: Cors, path_methods: set[str]) -> HttpResponse:
    """SAM's mock OPTIONS answer for a path routed with `path_methods`."""
    if cors.allow_methods is not None:
        methods = ",".join(cors.allow_methods)
    elif "ANY" in path_methods:
        methods = ",".join(ALL_METHODS)
    else:
        methods = ",".join(sorted(path_methods | {"OPTIONS"}))
    headers = [("Content-Type", "application/json"),
               ("Access-Control-Allow-Origin", ",".join(cors.allow_origins))]
    if cors.allow_headers:
        headers.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
    if methods:
        headers.append(("Access-Control-Allow-Methods", methods))
    if cors.max_age is not None:
        headers.append(("Access-Control-Max-Age", str(cors.max_age)))
    if cors.allow_credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return HttpResponse(200, headers, b"{}")


def is_preflight(request: HttpRequest) -> bool:
    return (request.method.upper() == "OPTIONS" and request.header("Origin") is not None
            and request.header("Access-Control-Request-Method") is not None)


def http_preflight(cors: Cors, request: HttpRequest) -> HttpResponse:
    headers: list[tuple[str, str]] = []
    origin = _allowed_origin(cors, request.header("Origin"))
    wanted = (request.header("Access-Control-Request-Method") or "").strip().upper()
    methods = tuple(m.upper() for m in cors.allow_methods or ())
    if origin is not None and ("*" in methods or wanted in methods):
        headers = _common(cors, origin)
        headers.append(("Access-Control-Allow-Methods", ",".join(methods)))
        if cors.allow_headers:
            headers.append(("Access-Control-Allow-Headers", ",".join(cors.allow_headers)))
        if cors.max_age is not None:
            headers.append(("Access-Control-Max-Age", str(cors.max_age)))
    return HttpResponse(204, headers, b"")


def http_decorate(cors: Cors, request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The function's response with API Gateway's CORS headers in place of its own."""
    kept = [(k, v) for k, v in response.headers
            if not k.lower().startswith("access-control-")]
    origin = _allowed_origin(cors, request.header("Origin"))
    if origin is not None:
        kept += _common(cors, origin)
        if cors.expose_headers:
            kept.append(("Access-Control-Expose-Headers", ",".join(cors.expose_headers)))
    return HttpResponse(response.status, kept, response.body)


def _common(cors: Cors, origin: str) -> list[tuple[str, str]]:
    headers = [("Access-Control-Allow-Origin", origin)]
    if cors.allow_credentials:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    return headers


def _allowed_origin(cors: Cors, origin: str | None) -> str | None:
    """The Access-Control-Allow-Origin value for this Origin, or None if not allowed."""
    if not origin:
        return None
    for allowed in cors.allow_origins:
        if allowed == "*":
            # With credentials a browser needs the origin itself, never "*".
            return origin if cors.allow_credentials else "*"
        if allowed.endswith("*") and origin.lower().startswith(allowed[:-1].lower()):
            return origin
        if allowed.lower() == origin.lower():
            return origin
    return None
