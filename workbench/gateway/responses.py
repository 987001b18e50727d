"""The function's proxy response, turned into the HTTP response API Gateway sends.

REST APIs (payload 1.0) are strict: a dict with an integer statusCode, string body, and
no keys beyond the five documented ones, or 502 "Malformed Lambda proxy response".
HTTP APIs (2.0) also take `cookies`, and infer a response from anything else.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from workbench.gateway.errors import IntegrationFailure
from workbench.gateway.http import HttpResponse
from workbench.template import Route

V1_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
V2_KEYS = V1_KEYS | {"cookies"}
# A header name is an HTTP token; a value may hold any text but control characters (a CR
# or LF would split the response). Values go out as UTF-8.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


class MalformedResponse(IntegrationFailure):
    """A proxy response API Gateway cannot use; it answers as for a function error."""


def to_http(payload: bytes, route: Route) -> HttpResponse:
    try:
        response = json.loads(payload)
    except ValueError:
        if route.payload_version == "1.0":
            raise MalformedResponse() from None
        response = payload.decode("utf-8", errors="replace")
    if route.payload_version == "2.0" and not (
            isinstance(response, dict) and "statusCode" in response):
        # HTTP API inference: any JSON value without statusCode is a 200 JSON body.
        body = response if isinstance(response, str) else json.dumps(response)
        return HttpResponse(200, [("Content-Type", "application/json")], body.encode())
    if not isinstance(response, dict) or not set(response) <= (
            V1_KEYS if route.payload_version == "1.0" else V2_KEYS):
        raise MalformedResponse()
    return _proxy_response(response)


def _proxy_response(response: dict[str, Any]) -> HttpResponse:
    status = response.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResponse()
    headers: list[tuple[str, str]] = []
    single = response.get("headers") or {}
    multi = response.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResponse()
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse()
        headers += [_header(name, v) for v in values]
    seen = {name.lower() for name, _ in headers}
    # Both maps are merged; a name in both keeps the multi-value list.
    headers += [_header(n, v) for n, v in single.items() if n.lower() not in seen]
    cookies = response.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponse()
    headers += [_header("Set-Cookie", c) for c in cookies]
    body = response.get("body")
    if body is None:
        raw = b""
    elif not isinstance(body, str):
        raise MalformedResponse()  # a dict body is the classic malformed response
    elif response.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedResponse() from None
    else:
        raw = body.encode("utf-8")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))  # API Gateway's default
    return HttpResponse(status, headers, raw)


def _header(name: str, value: Any) -> tuple[str, str]:
    text = _scalar(value)
    if not _TOKEN.fullmatch(name) or _CONTROL.search(text):
        raise MalformedResponse()
    return name, text


def _scalar(value: Any) -> str:
    if isinstance(value, (dict, list)) or value is None:
        raise MalformedResponse()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
