"""The one builder of API Gateway proxy events: REST API (payload 1.0) and HTTP API (2.0).

The dev server, replay, the pytest plugin and `workbench events generate` all call
`build_event`. Every key and every quirk is AWS's; each is commented where it is copied.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from workbench import ids
from workbench.config import DEFAULT_ACCOUNT_ID, DEFAULT_REGION
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import RouteMatch
from workbench.template import (
    IMPLICIT_HTTP_API,
    IMPLICIT_HTTP_STAGE,
    IMPLICIT_REST_API,
    IMPLICIT_REST_STAGE,
    Api,
    Route,
)

# HTTP APIs pass these bodies as text; anything else arrives base64-encoded.
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
              "application/x-www-form-urlencoded", "application/graphql", "+json", "+xml")


def build_event(request: HttpRequest, match: RouteMatch, *,
                account_id: str = DEFAULT_ACCOUNT_ID, region: str = DEFAULT_REGION,
                request_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    # A REST API's request id is a UUID; an HTTP API's is its short base64 form, the one
    # its apigw-requestid header carries (http-api-develop-integrations-lambda.html).
    request_id = request_id or (ids.extended_request_id() if match.route.kind == "http"
                                else ids.request_id())
    if match.route.payload_version == "1.0":
        return _rest_event(request, match, account_id, region, request_id, now)
    return _http_event(request, match, account_id, region, request_id, now)


def api_id(api: Api) -> str:
    """A stable 10-character id per API, shaped like API Gateway's."""
    return short_id(api.logical_id, 10)


@functools.lru_cache(maxsize=1024)
def short_id(seed: str, length: int) -> str:
    digest = base64.b32encode(hashlib.sha1(seed.encode()).digest()).decode().lower()
    return digest[:length]


def _request_time(now: datetime) -> str:
    # Both payloads format the time as CLF: "09/Apr/2015:12:34:56 +0000"; it changes once
    # a second, so each second is formatted once (strftime was a tenth of the event).
    return _clf(now.replace(microsecond=0, tzinfo=None))


@functools.lru_cache(maxsize=4)
def _clf(second: datetime) -> str:
    return second.strftime("%d/%b/%Y:%H:%M:%S +0000")


def _epoch_ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def _domain(request: HttpRequest, api: Api, region: str) -> tuple[str, str]:
    host = (request.header("Host") or "").split(":")[0]
    domain = host or f"{api_id(api)}.execute-api.{region}.amazonaws.com"
    return domain, domain.split(".")[0]


def _body(request: HttpRequest, binary: bool, *, rest: bool = False) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    if binary:
        return base64.b64encode(request.body).decode(), True
    try:
        return request.body.decode("utf-8"), False
    except UnicodeDecodeError:
        if rest:
            # A REST API passes a body whose type is no binary media type as UTF-8 text
            # (api-gateway-payload-encodings.html): bytes that are not UTF-8 arrive
            # replaced (U+FFFD), the upload corrupted as deployed, until BinaryMediaTypes
            # names its type.
            return request.body.decode("utf-8", errors="replace"), False
        # An HTTP API base64-encodes what is not text; a "text" type with bytes that are
        # not UTF-8 travels the same way rather than corrupted.
        return base64.b64encode(request.body).decode(), True


def _media_type(request: HttpRequest) -> str:
    return (request.header("Content-Type") or "").split(";")[0].strip().lower()


def _http_binary(request: HttpRequest) -> bool:
    # HTTP APIs pass text media types as text and base64-encode everything else.
    media = _media_type(request)
    return bool(media) and not any(t in media for t in TEXT_TYPES)


def _rest_binary(request: HttpRequest, api: Api) -> bool:
    # REST APIs base64-encode a body whose Content-Type matches a BinaryMediaType
    # ("image/png", "image/*", "*/*").
    media = _media_type(request)
    if not media:
        return False
    kind, _, _ = media.partition("/")
    return any(t in (media, f"{kind}/*", "*/*") for t in api.binary_media_types)


def forwarded_headers(request: HttpRequest) -> list[tuple[str, str]]:
    """The request's headers as API Gateway passes them on: with X-Forwarded-For (the
    client's address appended to any it sent), X-Forwarded-Port and X-Forwarded-Proto of
    the connection it came in on. AWS adds all three to every proxy event (LocalStack's
    AWS-recorded `test_lambda_aws_proxy_integration` events carry them)."""
    kept = [(n, v) for n, v in request.headers
            if n.lower() not in ("x-forwarded-for", "x-forwarded-port", "x-forwarded-proto")]
    chain = request.header("X-Forwarded-For")
    kept.append(("X-Forwarded-For",
                 f"{chain}, {request.source_ip}" if chain else request.source_ip))
    if request.server_port is not None:
        kept.append(("X-Forwarded-Port", str(request.server_port)))
    kept.append(("X-Forwarded-Proto", request.scheme))
    return kept


def multi_value(pairs: list[tuple[str, str]], *, lower: bool) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name.lower() if lower else name, []).append(value)
    return values


def _rest_event(request: HttpRequest, match: RouteMatch, account_id: str, region: str,
                request_id: str, now: datetime) -> dict[str, Any]:
    route, api = match.route, match.api
    # Payload 1.0 of an HTTP API: names lower-cased, its own binary rule, no resource id,
    # and a "version" key (developer guide, http-api-develop-integrations-lambda.html).
    http_api = route.kind == "http"
    path = unquote(request.raw_path)
    # REST keeps the client's spelling of header names; HTTP APIs lower-case them.
    headers = multi_value(forwarded_headers(request), lower=http_api)
    query = multi_value(parse_qsl(request.query_string, keep_blank_values=True), lower=False)
    binary = _http_binary(request) if http_api else _rest_binary(request, api)
    body, encoded = _body(request, binary, rest=not http_api)
    domain, prefix = _domain(request, api, region)
    resource = route.path
    user_agent = request.header("User-Agent")
    stage_path = path if api.stage == "$default" else f"/{api.stage}{path}"
    event: dict[str, Any] = {"version": "1.0"} if http_api else {}
    event.update({
        "resource": resource,
        "path": path,
        "httpMethod": request.method.upper(),
        # Single-value maps keep the last value; every map is null when empty.
        "headers": {k: v[-1] for k, v in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": api.stage_variables or None,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id(api),
            "resourceId": None if http_api else short_id(resource, 6),
            "resourcePath": resource,
            "httpMethod": request.method.upper(),
            "extendedRequestId": request_id if http_api else ids.extended_request_id(),
            "requestId": request_id,
            "stage": api.stage,
            "path": stage_path,  # the stage is part of the invoked URL's path
            "protocol": request.protocol,
            "domainName": domain,
            "domainPrefix": prefix,
            "requestTime": _request_time(now),
            "requestTimeEpoch": _epoch_ms(now),
            "identity": {
                "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None,
                "caller": None, "sourceIp": request.source_ip, "principalOrgId": None,
                "accessKey": None, "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None, "userArn": None,
                "userAgent": user_agent, "user": None,
            },
        },
        "body": body,
        "isBase64Encoded": encoded,
    })
    context = event["requestContext"]
    if http_api:
        context["authorizer"] = {"claims": None, "scopes": None}
    else:
        context["deploymentId"] = short_id(f"{api.logical_id}/{api.stage}", 6)
        if route.operation_name:
            # API Gateway adds it only for a method that has one (AWS::ApiGateway::Method
            # OperationName), as SAM CLI's event does.
            context["operationName"] = route.operation_name
    return event


def _http_event(request: HttpRequest, match: RouteMatch, account_id: str, region: str,
                request_id: str, now: datetime) -> dict[str, Any]:
    route, api = match.route, match.api
    pairs = forwarded_headers(request)
    # Every cookie, in order, repeated names kept; no cookie header.
    cookies = [c.strip() for n, v in pairs if n.lower() == "cookie"
               for c in v.split(";") if c.strip()]
    headers = multi_value([(n, v) for n, v in pairs if n.lower() != "cookie"], lower=True)
    query = multi_value(parse_qsl(request.query_string, keep_blank_values=True), lower=False)
    body, encoded = _body(request, _http_binary(request))
    domain, prefix = _domain(request, api, region)
    route_key = "$default" if route.path == "$default" else f"{route.method} {route.path}"
    # A named stage is part of rawPath; the $default stage is not.
    raw_path = request.raw_path if api.stage == "$default" else f"/{api.stage}{request.raw_path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": request.query_string,
    }
    # Payload 2.0 leaves out empty parts instead of setting them to null: AWS's own
    # captured curl request (aws-lambda-go events/testdata/apigw-v2-request-no-authorizer.json)
    # has no cookies, queryStringParameters, pathParameters or body keys.
    if cookies:
        event["cookies"] = cookies
    event["headers"] = {k: ",".join(v) for k, v in headers.items()}  # repeats comma-joined
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    event["requestContext"] = {
        "accountId": account_id,
        "apiId": api_id(api),
        "domainName": domain,
        "domainPrefix": prefix,
        "http": {
            "method": request.method.upper(),
            "path": unquote(raw_path),
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("User-Agent") or "",
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": api.stage,
        "time": _request_time(now),
        "timeEpoch": _epoch_ms(now),
    }
    if body is not None:
        event["body"] = body
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    event["isBase64Encoded"] = encoded
    if api.stage_variables:
        event["stageVariables"] = api.stage_variables
    return event


def post_event(path: str, body: Any, kind: str = "rest") -> dict[str, Any]:
    """The event for POSTing `body` (JSON-encoded unless bytes) to `path` on a synthetic
    route: what tests and benchmarks feed a handler without a template."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = HttpRequest("POST", path, "", [("Host", "localhost"),
                                             ("Content-Type", "application/json")], raw)
    return build_event(request, synthetic_match(kind, "POST", path))


def synthetic_match(kind: str, method: str, path: str) -> RouteMatch:
    """A route for events generated without a template: the path itself, no parameters."""
    rest = kind == "rest"
    api = Api(IMPLICIT_REST_API if rest else IMPLICIT_HTTP_API, "rest" if rest else "http",
              IMPLICIT_REST_STAGE if rest else IMPLICIT_HTTP_STAGE)
    route = Route(api.logical_id, api.kind, method.upper(), path, "Function",
                  "1.0" if rest else "2.0")
    return RouteMatch(route, api, None)

