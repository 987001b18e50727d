"""The function's proxy response, turned into the HTTP response API Gateway sends.

Payload 1.0 (REST APIs, and HTTP API routes on 1.0) is strict about shape: a JSON object
with no keys beyond the five documented ones, or 502 "Malformed Lambda proxy response".
Its values are read the way API Gateway's (Jackson-style) parser reads them: scalars
coerce to the type a field wants ("201" is a status, 42 a body, true a header value),
objects and lists where a scalar belongs do not. Every key is optional: no statusCode
is a 200 (LocalStack's AWS-recorded `test_aws_proxy_response_payload_format_validation`:
`{"statusCode": "201"}` -> 201, `{"headers": {...}}` -> 200, `{"statusCode": "test"}`,
`"justAString"` and a string `multiValueHeaders` value -> 502).
Payload 2.0 (HTTP APIs) infers a 200 JSON response from anything without a statusCode
and ignores keys it does not know (API Gateway developer guide,
http-api-develop-integrations-lambda.html, "Lambda function response for format 2.0").
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from workbench.gateway.errors import IntegrationFailure
from workbench.gateway.http import HttpResponse
from workbench.template import ApiKind, Route
from workbench.trace import payload_value

V1_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
# A header name is an HTTP token; a value may hold any text but control characters (a CR
# or LF would split the response). Values go out as UTF-8.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_JSON = "application/json"
# HTTP APIs label a response that names a statusCode but no Content-Type as text.
_HTTP_API_DEFAULT_TYPE = "text/plain; charset=utf-8"


class MalformedResponse(IntegrationFailure):
    """A proxy response API Gateway cannot use; it answers as for a function error."""


def to_http(payload: bytes, route: Route, *, accept: str | None = None,
            binary_media_types: tuple[str, ...] = ()) -> HttpResponse:
    """`accept` (the request's Accept header) and `binary_media_types` decide, for a REST
    API, whether an `isBase64Encoded` body is decoded; HTTP APIs always decode it."""
    return from_value(payload_value(payload), route, accept=accept,
                      binary_media_types=binary_media_types)


def from_value(response: Any, route: Route, *, accept: str | None = None,
               binary_media_types: tuple[str, ...] = ()) -> HttpResponse:
    """`to_http` of a payload already parsed by `payload_value` (JSON, or its text when it
    is not JSON: for payload 1.0 a malformed response either way, for 2.0 a text body)."""
    if route.payload_version == "2.0":
        return _v2_response(response)
    if not isinstance(response, dict) or not set(response) <= V1_KEYS:
        raise MalformedResponse()
    decode = route.kind == "http" or accepts_binary(accept, binary_media_types)
    headers = _merged_headers(response.get("headers"), response.get("multiValueHeaders"))
    return _build(response, headers, decode, _JSON)


def _v2_response(response: Any) -> HttpResponse:
    if not (isinstance(response, dict) and "statusCode" in response):
        # Inference: any JSON value without a statusCode is a 200 JSON body.
        body = response if isinstance(response, str) else json.dumps(response)
        return HttpResponse(200, [("Content-Type", _JSON)], body.encode())
    # Format 2.0 knows statusCode, headers, cookies, body and isBase64Encoded; the rest
    # (multiValueHeaders included: 2.0 has none) is ignored.
    headers = _merged_headers(response.get("headers"), None)
    cookies = response.get("cookies")
    if cookies is not None and not isinstance(cookies, list):
        raise MalformedResponse()
    headers += [_header("Set-Cookie", c) for c in cookies or []]
    return _build(response, headers, True, _HTTP_API_DEFAULT_TYPE)


def _build(response: dict[str, Any], headers: list[tuple[str, str]], decode: bool,
           default_type: str) -> HttpResponse:
    raw = _body(response.get("body"), decode and _flag(response.get("isBase64Encoded")))
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", default_type))
    return HttpResponse(_status(response.get("statusCode")), headers, raw)


def accepts_binary(accept: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """A REST API returns a base64 body decoded only when the first media type of the
    request's Accept header is one of the API's binaryMediaTypes ("image/*" and "*/*"
    included); otherwise the client gets the base64 text (developer guide,
    api-gateway-payload-encodings-workflow.html; LocalStack's AWS-recorded
    `invoke-api-b64-encoded-true`: no binaryMediaTypes, the base64 text comes back)."""
    if "*/*" in binary_media_types:
        return True
    first = (accept or "").split(",")[0].split(";")[0].strip().lower()
    kind, _, subtype = first.partition("/")
    if not kind or not subtype or kind == "*":
        return False
    return any(t in (first, f"{kind}/*") for t in binary_media_types)


def _status(value: Any) -> int:
    if value is None:
        return 200  # no statusCode: 200
    if isinstance(value, bool):
        raise MalformedResponse()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        value = int(value)
    if not isinstance(value, int) or not 100 <= value <= 599:
        raise MalformedResponse()
    return value


def _merged_headers(single: Any, multi: Any) -> list[tuple[str, str]]:
    """Both maps merged: a name in both keeps the multi-value list's spelling and sends its
    values first, then the single one (LocalStack's AWS-recorded
    `invoke-api-multi-headers-overwrite`: "value-multi, value-solo")."""
    single = {} if single is None else single
    multi = {} if multi is None else multi
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResponse()
    headers: list[tuple[str, str]] = []
    for key, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse()
        headers += [_header(str(key), v) for v in values]
    spelling = {str(key).lower(): str(key) for key in multi}
    for key, value in single.items():
        name = str(key)
        headers.append(_header(spelling.get(name.lower()) or name, value))
    return headers


def _body(body: Any, decode: bool) -> bytes:
    if body is None:
        return b""
    text = _scalar(body)  # a dict body is the classic malformed response
    if not decode:
        return text.encode("utf-8")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponse() from None


def _flag(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise MalformedResponse()


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


def identified(response: HttpResponse, headers: list[tuple[str, str]]) -> HttpResponse:
    """The response with the ids API Gateway (or a Function URL) adds to every answer:
    a REST API's x-amzn-RequestId and x-amz-apigw-id (its requestId and extendedRequestId,
    set-up-logging.html), an HTTP API's apigw-requestid, a URL's x-amzn-RequestId (the
    invocation's). What the answer already has is kept."""
    present = {name.lower() for name, _ in response.headers}
    added = [(name, value) for name, value in headers if name.lower() not in present]
    return HttpResponse(response.status, [*response.headers, *added], response.body)


def gateway_ids(event: dict[str, Any], kind: ApiKind) -> list[tuple[str, str]]:
    context = event["requestContext"]
    if kind == "rest":
        return [("x-amzn-RequestId", context["requestId"]),
                ("x-amz-apigw-id", context["extendedRequestId"])]
    return [("Apigw-Requestid", context["requestId"])]
