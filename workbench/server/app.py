"""The dev server: HTTP in, API Gateway proxy event to a real environment, HTTP out.

Reads as the flow: the template gives routes and functions; the runtime owns the
environments; each request goes through `proxy.handle` (API routes) or `invoke_api`
(the Lambda Invoke API). AWS's errors become HTTP here and in those two modules only.
API routes are served by a bare ASGI callable: the gateway needs the request as sent,
not a framework's view of it, and it is the hot path. FastAPI serves the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from workbench import template as templates
from workbench.config import Settings
from workbench.errors import RequestTooLarge
from workbench.gateway.http import HttpRequest
from workbench.gateway.routing import Router
from workbench.runtime.pool import MAX_REQUEST_BYTES, Runtime
from workbench.runtime.reload import watch_code
from workbench.runtime.types import InvocationResult
from workbench.server import invoke_api, proxy
from workbench.server.body import read_body
from workbench.server.console import Console
from workbench.server.protocol import header_pairs
from workbench.trace import TraceRecord, TraceWriter

INVOKE_PATH = "/2015-03-31/functions/{name}/invocations"
# Paths the workbench answers itself; every other path is an API Gateway request.
OWN_PREFIXES = ("/_workbench/", "/2015-03-31/functions/")


def create_app(settings: Settings, *, record_dir: Path | None = None,
               console: Console | None = None) -> ASGIApp:
    template = templates.load(settings.template, region=settings.region)
    console = console or Console()
    runtime = Runtime(template, keepalive_s=settings.keepalive_s, region=settings.region,
                      account_id=settings.account_id,
                      account_concurrency=settings.account_concurrency)
    router = Router(template)
    recorder = _open_recording(record_dir) if record_dir is not None else None
    background: set[asyncio.Task[object]] = set()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        console.banner(template, f"http://{settings.host}:{settings.port}")
        await runtime.start()
        watcher = (asyncio.ensure_future(watch_code(runtime, console))
                   if settings.hot_reload else None)
        try:
            yield
        finally:
            for task in [*background, *([watcher] if watcher else [])]:
                task.cancel()
            await runtime.close()
            if recorder is not None:
                recorder.close()

    app = FastAPI(title="Lambda Workbench", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)

    @app.get("/_workbench/health")
    async def health() -> dict[str, object]:
        return {"status": "ok", "functions": sorted(template.functions)}

    @app.get("/_workbench/environments")
    async def environments() -> list[dict[str, object]]:
        return runtime.environments()

    @app.get("/_workbench/logs/{function}")
    async def logs(function: str) -> JSONResponse:
        spec = template.function(function)
        if spec is None:
            return JSONResponse({"message": f"no function {function}"}, status_code=404)
        return JSONResponse({"logGroupName": f"/aws/lambda/{spec.function_name or spec.name}",
                             "streams": runtime.logs.streams(spec.name)})

    @app.post(INVOKE_PATH)
    async def invoke(name: str, request: Request) -> Response:
        body = await read_body(request.scope, request.receive, limit=MAX_REQUEST_BYTES)
        if body is None:
            answer = invoke_api.error_answer(RequestTooLarge(
                f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                "InvokeFunction operation"))
        else:
            answer = await invoke_api.invoke(
                runtime, name, body,
                invocation_type=request.headers.get("x-amz-invocation-type", "RequestResponse"),
                log_type=request.headers.get("x-amz-log-type", "None"),
                qualifier=request.query_params.get("Qualifier"),
                client_context=request.headers.get("x-amz-client-context"),
                background=background)
        _report(console, recorder, answer.record, answer.result, answer.status)
        return Response(answer.body, answer.status, answer.headers)

    async def gateway(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await read_body(scope, receive, limit=proxy.MAX_BODY_BYTES)
        except ClientDisconnect:
            return
        client = scope.get("client")
        http_request = HttpRequest(
            method=scope["method"],
            raw_path=scope.get("raw_path", b"").decode("latin-1") or scope["path"],
            query_string=scope.get("query_string", b"").decode("latin-1"),
            headers=header_pairs(scope), body=body if body is not None else b"",
            source_ip=client[0] if client else "127.0.0.1",
            protocol=f"HTTP/{scope.get('http_version', '1.1')}")
        exchange = await proxy.handle(http_request, router, runtime,
                                      body_too_large=body is None)
        response = exchange.response
        _report(console, recorder, exchange.record, exchange.result, response.status)
        headers = [(k.lower().encode("latin-1"), v.encode()) for k, v in response.headers]
        headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status,
                    "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(OWN_PREFIXES):
            await gateway(scope, receive, send)
        else:
            await app(scope, receive, send)

    return serve


def _report(console: Console, recorder: TraceWriter | None, record: TraceRecord | None,
            result: InvocationResult | None, status: int) -> None:
    if result is not None:
        console.invocation(result, status)
        console.function_log(result.function, result.logs)
    elif record is not None and record.throttled:
        console.throttled(record.function, status)
    if recorder is not None and record is not None:
        recorder.write(record)


def _open_recording(directory: Path) -> TraceWriter:
    from workbench.replay.recording import open_recording

    writer: TraceWriter = open_recording(directory)
    return writer
