"""The dev server: HTTP in, API Gateway proxy event to a real environment, HTTP out.

Reads as the flow: the template gives routes and functions; the runtime owns the
environments; each request goes through `proxy.handle` (API routes) or `invoke_api`
(the Lambda Invoke API). AWS's errors become HTTP there and nowhere else. Both are bare
ASGI callables: the gateway needs the request as sent, not a framework's view of it,
and they are the hot paths. FastAPI serves the workbench's own endpoints
(`workbench.server.endpoints`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from workbench import template as templates
from workbench.config import Settings
from workbench.debug import debug_session
from workbench.gateway.access import Access
from workbench.gateway.http import HttpRequest, header_text, traced
from workbench.gateway.routing import Router
from workbench.runtime.pool import Runtime
from workbench.runtime.reload import update_template, watch_code
from workbench.server import endpoints, invoke_api, proxy
from workbench.server.body import read_body
from workbench.server.console import Console
from workbench.server.context import ServerContext
from workbench.server.dashboard import Dashboard
from workbench.server.protocol import header_pairs
from workbench.template.reload import watch_template
from workbench.trace import TraceWriter

# Paths the workbench answers itself; every other path is an API Gateway request.
OWN_PREFIXES = ("/_workbench/", "/2015-03-31/functions/")


def create_app(settings: Settings, *, record_dir: Path | None = None,
               console: Console | None = None) -> DevApp:
    template = templates.load_settings(settings, templates.SERVE_COMMANDS)
    console = console or Console()
    dashboard = Dashboard()
    runtime = Runtime(template, keepalive_s=settings.keepalive_s, region=settings.region,
                      account_id=settings.account_id,
                      account_concurrency=settings.account_concurrency,
                      on_environment=dashboard.environment, mode=settings.mode,
                      strict_runtime=settings.strict_runtime, say=console.note,
                      keep_going=True,  # one function's failed build leaves the rest serving
                      debug=debug_session(template, settings, console.note))
    ctx = ServerContext(settings, template, runtime, Router(template),
                        _access(settings, template, runtime), console,
                        _open_recording(record_dir) if record_dir is not None else None,
                        dashboard=dashboard)
    return DevApp(ctx)


def _access(settings: Settings, template: templates.Template, runtime: Runtime) -> Access:
    return Access(template, runtime, region=settings.region, account_id=settings.account_id,
                  jwks=settings.jwks, api_keys=settings.api_keys)


class DevApp:
    """The ASGI application; `context` is what its parts share (and shutdown drains)."""

    def __init__(self, context: ServerContext) -> None:
        self.context = context
        self.own = endpoints.build(context, self.lifespan)
        self._code_watcher: asyncio.Future[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if not path.startswith(OWN_PREFIXES):
                return await gateway(self.context, scope, receive, send)
            if (name := invoke_api.function_in_path(scope)) is not None:
                return await invoke_api.serve(self.context, name, scope, receive, send)
        await self.own(scope, receive, send)

    @asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        ctx = self.context
        ctx.console.banner(ctx.template, f"http://{ctx.settings.host}:{ctx.settings.port}",
                           {name: pool.placement for name, pool in ctx.runtime.pools.items()},
                           ctx.runtime.not_built)
        await ctx.runtime.start()
        watchers = []
        if ctx.settings.hot_reload:
            self._watch_code()
            watchers.append(asyncio.ensure_future(watch_template(
                ctx.template, lambda: templates.load_settings(ctx.settings,
                                                              templates.SERVE_COMMANDS),
                self._reloaded, ctx.console.note)))
        try:
            yield
        finally:
            # Accepted Event invocations finish (within a deadline) before the runtime goes.
            await ctx.events.drain(ctx.settings.event_drain_s)
            for task in [*ctx.background, *watchers, *filter(None, [self._code_watcher])]:
                task.cancel()
            await ctx.runtime.close()
            ctx.console.flush()
            if ctx.recorder is not None:
                ctx.recorder.close()


    def _watch_code(self) -> None:
        if self._code_watcher is not None:
            self._code_watcher.cancel()
        self._code_watcher = asyncio.ensure_future(
            watch_code(self.context.runtime, self.context.console))

    async def _reloaded(self, fresh: templates.Template) -> None:
        """(templates, #14) The template changed: routes, functions and checks follow it."""
        ctx = self.context
        await update_template(ctx.runtime, fresh)
        ctx.template, ctx.router = fresh, Router(fresh)
        ctx.access = _access(ctx.settings, fresh, ctx.runtime)
        ctx.dashboard.template_changed()
        self._watch_code()  # the code folders may have changed too


async def gateway(ctx: ServerContext, scope: Scope, receive: Receive, send: Send) -> None:
    """An API Gateway request: the HTTP request as sent, through `proxy.handle`."""
    try:
        body = await read_body(scope, receive, limit=proxy.MAX_BODY_BYTES)
    except ClientDisconnect:
        return
    client, server = scope.get("client"), scope.get("server")
    http_request = HttpRequest(
        method=scope["method"],
        raw_path=scope.get("raw_path", b"").decode("latin-1") or scope["path"],
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=traced([(n, header_text(v.encode("latin-1"))) for n, v in header_pairs(scope)]),
        body=body if body is not None else b"",
        source_ip=client[0] if client else "127.0.0.1",
        protocol=f"HTTP/{scope.get('http_version', '1.1')}",
        scheme=scope.get("scheme", "http"), server_port=server[1] if server else None)
    exchange = await proxy.handle(http_request, ctx.router, ctx.runtime, ctx.access,
                                  body_too_large=body is None)
    response = exchange.response
    for authorizer in exchange.side:  # shown with the status its answer led to
        ctx.report(None, authorizer, response.status)
    ctx.report(exchange.record, exchange.result, response.status, exchange.error)
    if exchange.note is not None:
        ctx.console.note(exchange.note)
    headers = [(k.lower().encode("latin-1"), v.encode()) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def _open_recording(directory: Path) -> TraceWriter:
    from workbench.replay.recording import open_recording

    writer: TraceWriter = open_recording(directory)
    return writer
