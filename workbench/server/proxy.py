"""One API Gateway request: route, CORS preflight, access checks, build the proxy event,
invoke, map the answer back.

API Gateway's own failures (no route, refused access, throttle, timeout, function error,
malformed response) become its error answers here, rendered by `workbench.gateway.errors`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.debug.clock import within
from workbench.errors import (
    AwsError,
    NotBuilt,
    RequestTooLarge,
    ServiceException,
    Stopped,
    TooManyRequests,
    ValidationError,
)
from workbench.gateway import cors, function_urls
from workbench.gateway import errors as gw
from workbench.gateway.access import Access
from workbench.gateway.events import build_event
from workbench.gateway.http import TRACE_HEADER, HttpRequest, HttpResponse
from workbench.gateway.limits import MAX_PAYLOAD_BYTES, check_limits
from workbench.gateway.mappings import mapped
from workbench.gateway.responses import from_value, gateway_ids, identified
from workbench.gateway.routing import RouteMatch, Router
from workbench.runtime.pool import Runtime
from workbench.runtime.types import InvocationResult, RealClock
from workbench.template import Api, ApiKind, MockPreflight, Route
from workbench.trace import TraceRecord, payload_bytes, payload_value

# API Gateway's integration timeout (REST and HTTP APIs): 29 s.
INTEGRATION_TIMEOUT_S = 29.0
# Past API Gateway's payload limit the body is not even read.
MAX_BODY_BYTES = MAX_PAYLOAD_BYTES
# The 29 s run on real time (a test's fake runtime clock does not stop them).
WALL_CLOCK = RealClock()


@dataclass
class Exchange:
    """What happened to one request; the server prints and records it."""

    response: HttpResponse
    record: TraceRecord | None = None
    result: InvocationResult | None = None
    error: AwsError | None = None  # Lambda's own failure, when it had one
    # Other invocations it took (Lambda authorizers): printed, not recorded.
    side: list[InvocationResult] = field(default_factory=list)
    note: str | None = None  # a console line: why API Gateway answered it itself


async def handle(request: HttpRequest, router: Router, runtime: Runtime, access: Access,
                 *, timeout_s: float = INTEGRATION_TIMEOUT_S,
                 body_too_large: bool = False) -> Exchange:
    arrival = time.time()
    if (url := function_urls.split(request.raw_path)) is not None:
        return await _function_url(request, runtime, *url, arrival, body_too_large)
    try:
        match = router.match(request.method, request.raw_path)
        if request.method.upper() == "OPTIONS" and not (match and match.route.method == "OPTIONS"):
            preflight = await _preflight(request, router, match, runtime, access)
            if preflight is not None:  # a route of its own for OPTIONS gets the request
                return preflight
    except gw.GatewayError as error:
        return Exchange(_unrouted(error, request, router))
    if match is None:
        return Exchange(_unrouted(router.not_found(), request, router))
    if not match.route.function:
        return await _answered_by_gateway(request, match, runtime, access)
    exchange = await _through(request, match, runtime, access, arrival, timeout_s,
                              body_too_large)
    api = match.api
    if api.kind == "http" and api.cors is not None:
        exchange.response = cors.http_decorate(api.cors, request, exchange.response)
    return exchange


async def _preflight(request: HttpRequest, router: Router, match: RouteMatch | None,
                     runtime: Runtime, access: Access) -> Exchange | None:
    """API Gateway's own answer to an OPTIONS request no OPTIONS route takes: a REST
    API's mock OPTIONS method, or an HTTP API's CORS preflight."""
    if match is not None and match.route.path == "$default":
        return None  # the $default route catches preflights too (http-api-cors.html)
    resource = match if match is not None and match.api.kind == "http" else router.resource(
        request.raw_path)
    if resource is not None and resource.api.kind == "rest":
        mock = resource.api.preflights.get(resource.route.path)
        return None if mock is None else await _mock(request, resource, mock, runtime, access,
                                                     "OPTIONS")
    api = resource.api if resource else next(
        (a for a in router.template.apis.values() if a.kind == "http" and a.cors), None)
    if api is None or api.cors is None or not cors.is_preflight(request):
        return None
    return Exchange(cors.http_preflight(api.cors, request))


async def _answered_by_gateway(request: HttpRequest, match: RouteMatch, runtime: Runtime,
                               access: Access) -> Exchange:
    """A REST method with no function: its static MOCK answer, or, for an integration not
    emulated, API Gateway's answer to an integration that fails (500)."""
    route = match.route
    answer = match.api.mocks[route.method, route.path]
    if isinstance(answer, MockPreflight):
        return await _mock(request, match, answer, runtime, access, route.method)
    return Exchange(gw.GatewayError().render("rest", match.api, request),
                    note=f"{route.method} {route.path} on {match.api.logical_id}: {answer} "
                         "is not emulated: answered 500")


async def _mock(request: HttpRequest, resource: RouteMatch, mock: MockPreflight,
                runtime: Runtime, access: Access, method: str) -> Exchange:
    """A REST mock method: its authorizer and API key first, as any method's."""
    route = Route(resource.api.logical_id, "rest", method, resource.route.path, "", "1.0",
                  authorizer=mock.authorizer, api_key_required=mock.api_key_required)
    match = RouteMatch(route, resource.api, resource.path_parameters)
    ran: list[InvocationResult] = []
    event = build_event(request, match, account_id=runtime.account_id)
    try:
        check_limits(request)
        await access.check(request, match, event, ran)
    except gw.GatewayError as error:
        return Exchange(error.render("rest", resource.api, request, event["requestContext"]),
                        side=ran)
    return Exchange(cors.rest_mock(mock, request), side=ran)


async def _through(request: HttpRequest, match: RouteMatch, runtime: Runtime, access: Access,
                   arrival: float, timeout_s: float, body_too_large: bool) -> Exchange:
    """Limits, access checks, then the integration."""
    kind = match.route.kind
    if body_too_large:
        return Exchange(gw.RequestTooLarge().render(kind, match.api, request))
    event = build_event(request, match, account_id=runtime.account_id)
    ran: list[InvocationResult] = []  # the authorizer invocations, for the console
    try:
        check_limits(request)
        await access.check(request, match, event, ran)
    except gw.GatewayError as error:
        return Exchange(error.render(kind, match.api, request, event["requestContext"]),
                        side=ran)
    exchange = await _integrate(request, match, runtime, event, arrival, timeout_s)
    exchange.side = ran
    exchange.response = identified(exchange.response, gateway_ids(event, kind))
    return exchange


async def _function_url(request: HttpRequest, runtime: Runtime, name: str, path: str,
                        arrival: float, body_too_large: bool) -> Exchange:
    spec = runtime.template.functions.get(name)  # a URL is its function's own: by logical id
    if spec is None or spec.url is None:
        return Exchange(function_urls.error(404, "Not Found"))
    if (preflight := function_urls.preflight(spec, request)) is not None:
        return Exchange(preflight)
    if body_too_large:
        return Exchange(function_urls.error(413, "Request Entity Too Large"))
    event = function_urls.event(spec, request, path, runtime.account_id, runtime.region)
    if event is None:
        return Exchange(function_urls.forbidden())
    match = RouteMatch(Route(spec.name, "http", "ANY", "$default", spec.name, "2.0"),
                       Api(spec.name, "http", "$default"), None)
    # No 29 s integration limit: a URL waits for the function's own timeout.
    exchange = await _integrate(request, match, runtime, event, arrival, spec.timeout_s + 5,
                                render=_url_failure)
    if exchange.record is not None:
        exchange.record.extra["function_url"] = spec.name
    exchange.response = function_urls.decorate(spec, request, exchange.response)
    if exchange.result is not None:
        exchange.response = identified(exchange.response,
                                       [("x-amzn-RequestId", exchange.result.request_id)])
    return exchange


def _url_failure(error: gw.GatewayError) -> HttpResponse:
    # A function error or unusable response behind a URL is 502; a throttle is 429.
    if isinstance(error, gw.LambdaThrottled):
        return function_urls.error(429, "Rate Exceeded.")
    return function_urls.error(502, "Internal Server Error")


async def _integrate(request: HttpRequest, match: RouteMatch, runtime: Runtime,
                     event: dict[str, Any], arrival: float, timeout_s: float,
                     render: Callable[[gw.GatewayError], HttpResponse] | None = None
                     ) -> Exchange:
    kind = match.route.kind
    fail = render or (lambda error: error.render(kind, match.api, request,
                                                 event["requestContext"]))
    if match.route.function in runtime.template.skipped:
        # (templates, #14) A function the workbench does not run (another runtime, an
        # Image, not in the template): API Gateway's answer to an integration that fails.
        return Exchange(fail(gw.IntegrationFailure()))
    record = TraceRecord(time=arrival, function=match.route.function,
                         source="apigw-rest" if kind == "rest" else "apigw-http", event=event)
    invocation = asyncio.ensure_future(
        runtime.invoke(match.route.function, payload_bytes(event),
                       tenant_id=_tenant_id(request, match),
                       trace=request.header(TRACE_HEADER), qualifier=match.route.qualifier))
    try:
        # API Gateway gives up at 29 s; the function itself runs on to its own timeout
        # (`within` neither cancels it then nor when this request is cancelled). For a
        # function being debugged the 29 s stand still while the debugger holds it.
        clock = runtime.debug_clock(match.route.function) or WALL_CLOCK
        if not await within(invocation, timeout_s, clock):
            raise TimeoutError
        result = invocation.result()
    except TooManyRequests:
        record.throttled = True
        return _failed(record, fail(gw.LambdaThrottled()))
    except RequestTooLarge:
        return _failed(record, fail(gw.LambdaPayloadTooLarge()))
    except (ServiceException, ValidationError, NotBuilt) as error:  # Lambda's own refusal
        # "If the Lambda API rejects the invocation request, API Gateway returns a 500"
        # (Lambda dg, services-apigateway-errors.html): a function whose build failed
        # (ResourceConflictException) too, REST and HTTP APIs alike.
        return _service_error(record, fail, error)
    except asyncio.CancelledError:  # the server is stopping and its grace period is over
        runtime.let_run(invocation)
        return _service_error(record, fail, Stopped(match.route.function))
    except TimeoutError:
        runtime.let_run(invocation)
        return _failed(record, fail(gw.IntegrationTimeout()))
    _fill(record, result)
    record.response = payload_value(result.payload)  # parsed once, for both
    if result.function_error is not None:
        response = fail(gw.IntegrationFailure())
    else:
        try:
            response = from_value(record.response, match.route,
                                  accept=request.header("Accept"),
                                  binary_media_types=match.api.binary_media_types)
        except gw.GatewayError as error:
            response = fail(error)
    record.status = response.status
    return Exchange(response, record, result)


def _unrouted(error: gw.GatewayError, request: HttpRequest, router: Router) -> HttpResponse:
    """The answer to a request no route took, by the API whose resource the path is in
    (for its gateway responses), or else the only REST API; with both kinds of API on
    one port and no resource, a REST API's answer (the stricter one)."""
    resource = router.resource(request.raw_path)
    apis = list(router.template.apis.values())
    rest = [api for api in apis if api.kind == "rest"]
    api = resource.api if resource else rest[0] if len(rest) == 1 else None
    kind: ApiKind = api.kind if api else "rest" if rest or not apis else "http"
    return error.render(kind, api, request)


def _tenant_id(request: HttpRequest, match: RouteMatch) -> str | None:
    """The X-Amz-Tenant-Id a REST integration sends Lambda, mapped from the request
    (Lambda dg, tenant-isolation-invoke.html); HTTP APIs cannot send one."""
    mapping = match.route.tenant_id_mapping
    if mapping is None:
        return None
    paths = {f"method.request.path.{k}": v for k, v in (match.path_parameters or {}).items()}
    return mapped(mapping, request, paths)


def _service_error(record: TraceRecord, fail: Callable[[gw.GatewayError], HttpResponse],
                   error: AwsError) -> Exchange:
    record.error_type = error.error_type
    failed = _failed(record, fail(gw.LambdaServiceError()))
    failed.error = error
    return failed


def _failed(record: TraceRecord, response: HttpResponse) -> Exchange:
    record.status = response.status
    return Exchange(response, record)


def _fill(record: TraceRecord, result: InvocationResult) -> None:
    record.duration_ms = round(result.duration_ms, 3)
    record.init_duration_ms = (round(result.init_duration_ms, 3)
                               if result.init_duration_ms is not None else None)
    record.cold = result.cold
    record.error_type = result.error_type
    record.max_memory_used_mb = result.max_memory_used_mb
    record.request_id = result.request_id
