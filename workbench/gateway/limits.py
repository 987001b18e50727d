"""The limits API Gateway enforces before a request reaches a route's integration."""

from __future__ import annotations

from workbench.gateway.errors import HeaderTooLarge, RequestTooLarge
from workbench.gateway.http import HttpRequest

# API Gateway quotas: a 10 MB payload; 10,240 bytes for the request line and headers.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
MAX_HEADER_BYTES = 10240


def check_limits(request: HttpRequest) -> None:
    if len(request.body) > MAX_PAYLOAD_BYTES:
        raise RequestTooLarge()
    size = len(request.method) + len(request.raw_path) + len(request.query_string) + 12
    size += sum(len(k) + len(v) + 4 for k, v in request.headers)
    if size > MAX_HEADER_BYTES:
        raise HeaderTooLarge()
