"""CORS as each kind of API answers it.

REST APIs have no CORS setting of their own: SAM's `Cors` (and CDK's
`defaultCorsPreflightOptions`) add an OPTIONS method with a MOCK integration to each
path, whose integration response carries the headers as literals (SAM translator,
swagger.py `add_cors`); API Gateway answers any OPTIONS request on that path with it,
whoever asks, after the method's own authorizer and API key checks. The function's own
responses are not touched ("we cannot inject the headers into the actual response
returned from Lambda", ibid.).

HTTP APIs and Function URLs (`CorsConfiguration`, `Cors`): API Gateway answers a
preflight (OPTIONS with Origin and Access-Control-Request-Method) itself with 204, and
adds the CORS headers to every response to an allowed Origin, replacing the function's
own (developer guide, http-api-cors.html). Origins may be exact, `*`, or a scheme
prefix such as `https://*`. A preflight from an origin or for a method that is not
allowed gets no CORS headers, so the browser refuses it.
"""

from __future__ import annotations

from workbench.gateway.http import HttpRequest, HttpResponse
from workbench.gateway.mappings import mapped
from workbench.template import Cors, MockPreflight


def rest_mock(mock: MockPreflight, request: HttpRequest) -> HttpResponse:
    """A mock OPTIONS method's answer: each header mapping is a quoted literal or a
    request value (developer guide, request-response-data-mappings.html: a static value
    is enclosed in single quotes)."""
    headers = [("Content-Type", "application/json")]
    origin = request.header("Origin")
    echoed = origin in mock.echoed_origins
    for name, mapping in mock.headers:
        value = mapped(mapping, request, {})
        if echoed and name.lower() == "access-control-allow-origin":
            value = origin  # the template's override of the mapped value
        if value is not None:
            headers.append((name, value))
    return HttpResponse(mock.status, headers, mock.body.encode())


def is_preflight(request: HttpRequest) -> bool:
    return (request.method.upper() == "OPTIONS" and request.header("Origin") is not None
            and request.header("Access-Control-Request-Method") is not None)


def http_preflight(cors: Cors, request: HttpRequest) -> HttpResponse:
    headers: list[tuple[str, str]] = []
    origin = _allowed_origin(cors, request.header("Origin"))
    wanted = (request.header("Access-Control-Request-Method") or "").strip().upper()
    methods = tuple(m.upper() for m in cors.allow_methods or ())
    # No AllowMethods configured (`CorsConfiguration: true`): no Allow-Methods header, so
    # the browser allows only the CORS-safelisted GET, HEAD and POST (Fetch standard).
    if origin is not None and (not methods or "*" in methods or wanted in methods):
        headers = _common(cors, origin)
        if methods:
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
