"""The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`), as boto3 calls it.

Status codes, headers and error bodies follow the Lambda API reference, so
`boto3.client("lambda", endpoint_url=...)` behaves as against AWS: 200 with
X-Amz-Function-Error for a function error, 202 for Event, 204 for DryRun, and the
service's errors (404, 400, 413, 429) as `x-amzn-ErrorType` plus a JSON message.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from workbench import ids
from workbench.errors import (
    AwsError,
    InvalidRequestContent,
    NotBuilt,
    RequestTooLarge,
    ServiceException,
    Stopped,
    TooManyRequests,
)
from workbench.runtime.pool import MAX_REQUEST_BYTES, Runtime, check_tenant
from workbench.runtime.types import InvocationResult
from workbench.server import function_names
from workbench.server.body import read_body
from workbench.server.context import ServerContext
from workbench.server.event_invocations import ACCEPTED, EventInvocations
from workbench.trace import TraceRecord, payload_value

PATH_PREFIX = b"/2015-03-31/functions/"
PATH_SUFFIX = b"/invocations"

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
# X-Amz-Log-Result carries the last 4 KB of the invocation's log.
LOG_TAIL_BYTES = 4096


@dataclass
class InvokeAnswer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    record: TraceRecord | None = None
    result: InvocationResult | None = None
    error: AwsError | None = None  # Lambda's own failure, when it had one


def function_in_path(scope: Scope) -> str | None:
    """The FunctionName of `POST /2015-03-31/functions/{name}/invocations`, as sent
    (percent-decoded), or None for any other request."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    if (scope["method"] != "POST" or not raw.startswith(PATH_PREFIX)
            or not raw.endswith(PATH_SUFFIX)):
        return None
    name = raw[len(PATH_PREFIX):-len(PATH_SUFFIX)]
    return None if b"/" in name else unquote(name.decode("latin-1"))


async def serve(ctx: ServerContext, name: str, scope: Scope, receive: Receive,
                send: Send) -> None:
    """The Invoke API over ASGI: read the request, invoke, report, answer."""
    try:
        body = await read_body(scope, receive, limit=MAX_REQUEST_BYTES)
    except ClientDisconnect:
        return
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    if body is None:
        answer = error_answer(RequestTooLarge(
            f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
            "InvokeFunction operation"))
    else:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        answer = await invoke(
            ctx.runtime, name, body,
            invocation_type=headers.get("x-amz-invocation-type", "RequestResponse"),
            log_type=headers.get("x-amz-log-type", "None"),
            qualifier=query["Qualifier"][-1] if "Qualifier" in query else None,
            client_context=headers.get("x-amz-client-context"), events=ctx.events,
            tenant_id=headers.get("x-amz-tenant-id"), trace=headers.get("x-amzn-trace-id"))
    ctx.report(answer.record, answer.result, answer.status, answer.error)
    out = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()]
    if answer.status != 204:  # a 204 has no Content-Length (RFC 9110, 8.6)
        out.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": out})
    await send({"type": "http.response.body", "body": answer.body})


def error_answer(error: AwsError) -> InvokeAnswer:
    # "Type" says whose fault it was: the caller's, or (5xx) the service's own.
    body: dict[str, str] = {"Type": "Service" if error.status >= 500 else "User",
                            "message": error.message}
    if isinstance(error, TooManyRequests):
        body["Reason"] = error.reason
    return InvokeAnswer(error.status, json.dumps(body).encode(),
                        {"x-amzn-ErrorType": error.error_type,
                         "Content-Type": "application/json",
                         "x-amzn-RequestId": ids.request_id()})


async def invoke(runtime: Runtime, name: str, payload: bytes, *, invocation_type: str,
                 log_type: str, qualifier: str | None, client_context: str | None,
                 events: EventInvocations, tenant_id: str | None = None,
                 trace: str | None = None) -> InvokeAnswer:
    try:
        return await _invoke(runtime, name, payload, invocation_type, log_type, qualifier,
                             _decode_client_context(client_context), events, tenant_id, trace)
    except AwsError as error:
        answer = error_answer(error)
        if isinstance(error, TooManyRequests | ServiceException | NotBuilt):
            spec = runtime.template.function(name)
            answer.record = TraceRecord(
                time=time.time(), function=spec.name if spec else name, source="invoke",
                event=_event(payload), status=error.status,
                throttled=isinstance(error, TooManyRequests),
                error_type=None if isinstance(error, TooManyRequests) else error.error_type)
            answer.error = None if isinstance(error, TooManyRequests) else error
        return answer


async def _invoke(runtime: Runtime, name: str, payload: bytes, invocation_type: str,
                  log_type: str, qualifier: str | None, client_context: str | None,
                  events: EventInvocations, tenant_id: str | None,
                  trace: str | None) -> InvokeAnswer:
    target = function_names.resolve(name, qualifier, runtime.template, region=runtime.region,
                                    account_id=runtime.account_id)
    spec = target.spec
    if invocation_type not in INVOCATION_TYPES:
        raise InvalidRequestContent(f"1 validation error detected: Value '{invocation_type}' at "
                                    "'invocationType' failed to satisfy constraint: Member must "
                                    f"satisfy enum value set: [{', '.join(INVOCATION_TYPES)}]")
    payload = payload or b"{}"  # an invoke without a payload hands the handler {}
    _check_json(payload)
    check_tenant(spec, tenant_id)  # X-Amz-Tenant-Id: before Event is accepted, too
    # Its build failed: Lambda refuses every invocation type of a function in state
    # Failed (ResourceConflictException, 409; Invoke API reference, Errors).
    runtime.check_built(spec.name)
    if invocation_type == "DryRun":
        return InvokeAnswer(204, b"")
    if invocation_type == "Event":
        # Run in the background; printed, recorded and drained on shutdown by `events`.
        events.submit(runtime, spec.name, payload, _event(payload), tenant_id)
        return InvokeAnswer(ACCEPTED, b"")
    arrival = time.time()
    invocation = asyncio.ensure_future(
        runtime.invoke(spec.name, payload, client_context=client_context,
                       tenant_id=tenant_id, trace=trace, qualifier=target.qualifier))
    try:
        result = await asyncio.shield(invocation)
    except asyncio.CancelledError:  # the server is stopping and its grace period is over
        runtime.let_run(invocation)
        raise Stopped(spec.name) from None
    # x-amzn-RequestId: the invocation's request id (API_Invoke; boto3's ResponseMetadata)
    headers = {"X-Amz-Executed-Version": "$LATEST", "Content-Type": "application/json",
               "x-amzn-RequestId": result.request_id}
    if result.function_error:
        headers["X-Amz-Function-Error"] = result.function_error
    if log_type == "Tail":
        tail = result.logs.encode()[-LOG_TAIL_BYTES:]
        headers["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
    record = TraceRecord(
        time=arrival, function=spec.name, source="invoke", event=_event(payload),
        response=_event(result.payload), status=200, duration_ms=round(result.duration_ms, 3),
        init_duration_ms=result.init_duration_ms, cold=result.cold,
        error_type=result.error_type, max_memory_used_mb=result.max_memory_used_mb,
        request_id=result.request_id)
    return InvokeAnswer(200, result.payload, headers, record, result)


def _decode_client_context(header: str | None) -> str | None:
    """X-Amz-Client-Context is base64 JSON; the runtime receives the JSON itself."""
    if not header:
        return None
    try:
        text = base64.b64decode(header, validate=True).decode("utf-8")
        json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequestContent("Client context must be a valid Base64-encoded JSON "
                                    "object") from None
    return text


def _check_json(payload: bytes) -> None:
    try:
        json.loads(payload)
    except UnicodeDecodeError:
        raise InvalidRequestContent("Could not parse request body into json: "
                                    "Invalid UTF-8 middle byte") from None
    except ValueError as exc:
        raise InvalidRequestContent(f"Could not parse request body into json: Could not parse "
                                    f"payload into json: {exc}") from None


def _event(payload: bytes) -> object:
    return payload_value(payload)
