"""API Gateway's own answers, when it does not pass the function's response through.

Each error knows its status and message per kind of API: REST APIs (payload v1) and
HTTP APIs (v2) word and number some failures differently. The one place they become
HTTP is `render`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from workbench import ids
from workbench.gateway.custom_responses import Failure, customised
from workbench.gateway.http import HttpRequest, HttpResponse
from workbench.template import Api, ApiKind


class GatewayError(Exception):
    # (status, message, x-amzn-ErrorType) for a REST API, then for an HTTP API. A message
    # of None is sent as JSON null, as API Gateway does for AuthorizerConfigurationException.
    rest: tuple[int, str | None, str] = (500, "Internal server error",
                                         "InternalServerErrorException")
    http: tuple[int, str | None, str] = (500, "Internal Server Error", "")

    def __init__(self, message: str | None = None,
                 headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message or type(self).__name__)
        self.message = message  # overrides both kinds' message when given
        self.headers = headers  # extra response headers (WWW-Authenticate)

    # The gateway response type a REST API may customise (supported-gateway-response-
    # types.html); None: DEFAULT_4XX or DEFAULT_5XX, by the status.
    response_type: str | None = None

    def render(self, kind: ApiKind, api: Api | None = None,
               request: HttpRequest | None = None,
               context: Mapping[str, Any] | None = None) -> HttpResponse:
        """The answer, with the REST API's customised gateway response when it has one.
        `context` is the requestContext of the event built for this request, if one was:
        the answer carries its ids, as API Gateway's answers carry the request's."""
        status, message, error_type = self.rest if kind == "rest" else self.http
        message = self.message if self.message is not None else message
        if context is not None:
            request_id, extended_id = context["requestId"], context.get("extendedRequestId")
        else:
            request_id = ids.request_id() if kind == "rest" else ids.extended_request_id()
            extended_id = ids.extended_request_id()
        headers = [("Content-Type", "application/json"), *self.headers]
        if kind == "rest":
            headers.append(("x-amzn-RequestId", request_id))
            headers.append(("x-amz-apigw-id", extended_id or ids.extended_request_id()))
            if error_type:
                headers.append(("x-amzn-ErrorType", error_type))
        else:
            headers.append(("Apigw-Requestid", request_id))
        response = HttpResponse(status, headers, json.dumps({"message": message}).encode())
        if kind != "rest" or api is None or not api.gateway_responses:
            return response
        kind_of = self.response_type or ("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX")
        return customised(response, api, kind_of, Failure(message, request_id), request)


class MissingRoute(GatewayError):
    # REST answers an unknown path or method as if it were unauthenticated.
    response_type = "MISSING_AUTHENTICATION_TOKEN"
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
    response_type = "INTEGRATION_TIMEOUT"
    rest = (504, "Endpoint request timed out", "")
    http = (503, "Service Unavailable", "")


class RequestTooLarge(GatewayError):
    response_type = "REQUEST_TOO_LARGE"
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


# Gateway responses of the access controls (developer guide, supported-gateway-response-
# types.html; messages as LocalStack's AWS-recorded snapshots and SAM CLI's tests show them).

class Unauthorized(GatewayError):
    """No identity (a missing or empty identity source), or a token that is not valid."""

    response_type = "UNAUTHORIZED"
    rest = (401, "Unauthorized", "UnauthorizedException")
    http = (401, "Unauthorized", "")


class AccessDenied(GatewayError):
    """A Lambda authorizer's policy denied the method, or allowed nothing that matches."""

    response_type = "ACCESS_DENIED"
    rest = (403, "User is not authorized to access this resource", "AccessDeniedException")
    http = (403, "Forbidden", "")


class AuthorizerConfiguration(GatewayError):
    """The authorizer failed (raised, timed out, crashed) or answered something unusable."""

    response_type = "AUTHORIZER_CONFIGURATION_ERROR"
    rest = (500, None, "AuthorizerConfigurationException")
    http = (500, "Internal Server Error", "")


class InvalidApiKey(GatewayError):
    response_type = "INVALID_API_KEY"
    rest = (403, "Forbidden", "ForbiddenException")
    http = (403, "Forbidden", "")


class MissingSignature(GatewayError):
    """An AWS_IAM route called without a SigV4 signature."""

    response_type = "MISSING_AUTHENTICATION_TOKEN"
    rest = (403, "Missing Authentication Token", "MissingAuthenticationTokenException")
    http = (403, "Forbidden", "")


class BadRequestParameters(GatewayError):
    response_type = "BAD_REQUEST_PARAMETERS"
    rest = (400, "Missing required request parameters", "BadRequestException")
    http = (400, "Bad Request", "")


class BadRequestBody(GatewayError):
    response_type = "BAD_REQUEST_BODY"
    rest = (400, "Invalid request body", "BadRequestException")
    http = (400, "Bad Request", "")
