"""A REST API's customised gateway responses: API Gateway's own answers (401, 403, 5xx...)
with the status, headers and body template the API gives its response type, or its
DEFAULT_4XX / DEFAULT_5XX (developer guide, api-gateway-gatewayResponse-definition.html,
supported-gateway-response-types.html). The default body template is
`{"message":$context.error.messageString}`, which the uncustomised answer already is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from workbench.gateway.http import HttpRequest, HttpResponse
from workbench.gateway.mappings import fill, mapped
from workbench.template import Api


@dataclass(frozen=True)
class Failure:
    message: str | None
    request_id: str


def customised(response: HttpResponse, api: Api, response_type: str, failure: Failure,
               request: HttpRequest | None) -> HttpResponse:
    custom = api.gateway_responses.get(response_type) or api.gateway_responses.get(
        "DEFAULT_4XX" if response.status < 500 else "DEFAULT_5XX")
    if custom is None:
        return response
    values = {"context.error.message": failure.message or "",
              "context.error.messageString": json.dumps(failure.message),
              "context.error.responseType": response_type,
              "context.requestId": failure.request_id,
              "context.extendedRequestId": failure.request_id, "context.stage": api.stage,
              **{f"stageVariables.{k}": v for k, v in api.stage_variables.items()}}
    headers = list(response.headers)
    for name, mapping in custom.headers:
        value = mapped(mapping, request, values)
        if value is not None:
            headers = [(k, v) for k, v in headers if k.lower() != name.lower()]
            headers.append((name, value))
    template = custom.templates.get("application/json",
                                    next(iter(custom.templates.values()), None))
    body = response.body if template is None else fill(template, values).encode()
    return HttpResponse(custom.status or response.status, headers, body)
