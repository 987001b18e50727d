"""Lambda Function URLs (`FunctionUrlConfig`, `AWS::Lambda::Url`), served on the dev
server's port under `/_lambda_url/<Function>/`: the prefix stands for the URL's own host
(`<url-id>.lambda-url.<region>.on.aws`) and is not part of the event's rawPath.

The event is payload 2.0 as Function URLs send it: routeKey and stage `$default`, the
account `anonymous` without auth, `requestContext.authorizer.iam` with AWS_IAM (Lambda
developer guide, urls-invocation.html "Request payload format"); the answer is read as an
HTTP API 2.0 response. AuthType AWS_IAM refuses an unsigned request with 403 `Forbidden`
(urls-auth.html); the URL's `Cors` is applied by the service, as an HTTP API's is.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote

from workbench import ids
from workbench.gateway import cors
from workbench.gateway.auth.sigv4 import iam_authorizer, signer
from workbench.gateway.events import build_event, short_id
from workbench.gateway.http import HttpRequest, HttpResponse
from workbench.gateway.routing import RouteMatch
from workbench.template import Api, FunctionSpec, Route

PREFIX = "/_lambda_url/"
_FORBIDDEN = ("Forbidden. For troubleshooting Function URL authorization issues, see: "
              "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html")


def split(raw_path: str) -> tuple[str, str] | None:
    """(function name, the path the URL received) for a Function URL request."""
    if not raw_path.startswith(PREFIX):
        return None
    name, _, rest = raw_path[len(PREFIX):].partition("/")
    return unquote(name), "/" + rest


def url_id(spec: FunctionSpec) -> str:
    return short_id(f"url/{spec.name}", 32)


def base_path(spec: FunctionSpec) -> str:
    return f"{PREFIX}{quote(spec.name)}/"


def error(status: int, message: str) -> HttpResponse:
    # Lambda's URL front end words its errors with a capital M.
    return HttpResponse(status, [("Content-Type", "application/json")],
                        json.dumps({"Message": message}).encode())


def forbidden() -> HttpResponse:
    return error(403, _FORBIDDEN)


def preflight(spec: FunctionSpec, request: HttpRequest) -> HttpResponse | None:
    url = spec.url
    if url is None or url.cors is None or not cors.is_preflight(request):
        return None
    return cors.http_preflight(url.cors, request)


def event(spec: FunctionSpec, request: HttpRequest, path: str, account_id: str,
          region: str) -> dict[str, Any] | None:
    """The Function URL event, or None for an AWS_IAM URL called without a signature."""
    access_key = signer(request)
    if spec.url is not None and spec.url.auth_type == "AWS_IAM" and access_key is None:
        return None
    inner = HttpRequest(request.method, path, request.query_string, request.headers,
                        request.body, request.source_ip, request.protocol, request.scheme,
                        request.server_port)
    api = Api(spec.name, "http", "$default")
    route = Route(spec.name, "http", "ANY", "$default", spec.name, "2.0")
    # No API Gateway in front: the URL's request id is a UUID, as Lambda's are.
    built = build_event(inner, RouteMatch(route, api, None), account_id=account_id,
                        region=region, request_id=ids.request_id())
    context = built["requestContext"]
    identifier = url_id(spec)
    domain = f"{identifier}.lambda-url.{region}.on.aws"
    context.update(apiId=identifier, domainName=domain, domainPrefix=identifier)
    if access_key is None:
        context["accountId"] = "anonymous"
    else:
        context["authorizer"] = iam_authorizer(access_key, account_id)
    return built


def decorate(spec: FunctionSpec, request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if spec.url is None or spec.url.cors is None:
        return response
    return cors.http_decorate(spec.url.cors, request, response)
