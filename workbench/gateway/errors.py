"""API Gateway's own answers, when it does not pass the function's response through.

Each error knows its status and message per kind of API: REST APIs (payload v1) and
HTTP APIs (v2) word and number some failures differently. The one place they become
HTTP is `render`.
"""

from __future__ import annotations

import json
import uuid

from workbench.gateway.http import HttpResponse
from workbench.template import ApiKind


class GatewayError(Exception):
    # (status, message, x-amzn-ErrorType) for a REST API, then for an HTTP API.
    rest: tuple[int, str, str] = (500, "Internal server error", "InternalServerErrorException")
    http: tuple[int, str, str] = (500, "Internal Server Error", "")

    def render(self, kind: ApiKind) -> HttpResponse:
        status, message, error_type = self.rest if kind == "rest" else self.http
        request_id = str(uuid.uuid4())
        headers = [("Content-Type", "application/json")]
        if kind == "rest":
            headers.append(("x-amzn-RequestId", request_id))
            if error_type:
                headers.append(("x-amzn-ErrorType", error_type))
        else:
            headers.append(("Apigw-Requestid", request_id))
        return HttpResponse(status, headers, json.dumps({"message": message}).encode())


class MissingRoute(GatewayError):
    # REST answers an unknown path or method as if it were unauthenticated.
    rest = (403, "Missing Authentication Token", "MissingAuthenticationTokenException")
    http = (404, "Not Found", "")


class IntegrationFailure(GatewayError):
    """The function raised, timed out or crashed, or returned a malformed proxy response."""

    rest = (502, "Internal server error", "")
    http = (500, "Internal Server Error", "")


class LambdaThrottled(GatewayError):
    # Behind a proxy integration, Lambda's 429 surfaces as API Gateway's own 500.
    rest = (500, "Internal server error", "")
    http = (500, "Internal Server Error", "")


class LambdaServiceError(GatewayError):
    # Lambda's own failure (ServiceException, 500) surfaces as API Gateway's 500, as a
    # throttle does: the integration failed before the function ran.
    rest = (500, "Internal server error", "")
    http = (500, "Internal Server Error", "")


class IntegrationTimeout(GatewayError):
    # The integration timeout (29 s): REST 504; HTTP APIs answer 503.
    rest = (504, "Endpoint request timed out", "")
    http = (503, "Service Unavailable", "")


class RequestTooLarge(GatewayError):
    rest = (413, "Request Too Long", "RequestTooLongException")
    http = (413, "Request Entity Too Large", "")


class LambdaPayloadTooLarge(GatewayError):
    # Lambda refuses a request over its 6 MB limit; behind a proxy that is a 502 / 500.
    rest = (502, "Internal server error", "")
    http = (500, "Internal Server Error", "")


class HeaderTooLarge(GatewayError):
    rest = (431, "Request Header Fields Too Large", "")
    http = (431, "Request Header Fields Too Large", "")


class BadPath(GatewayError):
    # A path that escapes its route ("..", encoded slashes) never reaches an integration.
    rest = (400, "Bad Request", "BadRequestException")
    http = (400, "Bad Request", "")
