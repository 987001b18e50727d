"""The dashboard: what the dev server is doing, live, as a page and as a stream.

The server hands every request that reached Lambda to `Dashboard.invocation`, and the
runtime tells `Dashboard.environment` when an environment starts, is ready or dies;
both only append to a bounded buffer (`events.EventLog`). `add_routes` serves:

  GET /_workbench/                     the page (self-contained: its own JS and CSS)
  GET /_workbench/events               the buffer as JSON lines (?since=SEQ, ?follow=true),
                                       or server-sent events (Accept: text/event-stream);
                                       ?detail=N digests each batch, ?interval=S paces it,
                                       ?environments=true adds the environments as changed
  GET /_workbench/functions            functions with their settings and routes
  GET /_workbench/logs/{function}/{request_id}   one invocation's log
  GET /_workbench/reports[/{path}]     replay and simulation reports in the working folder
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from workbench.runtime.environment import Environment
from workbench.runtime.types import InvocationResult
from workbench.server.dashboard import reports
from workbench.server.dashboard.events import (
    CAPACITY,
    EventLog,
    environment_event,
    invocation_event,
)
from workbench.server.dashboard.stream import COALESCE_S, Environments, EventStream
from workbench.template import Template
from workbench.trace import TraceRecord

STATIC = Path(__file__).parent / "static"
ASSETS = {"app.js": "text/javascript", "style.css": "text/css"}
# The page loads nothing from anywhere else: it works offline, and a log line that looks
# like HTML can never run as script (all text goes in through textContent).
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
               "img-src 'self' data:; base-uri 'none'; form-action 'none'")
CHANGES = {"starting": "starting", "idle": "ready", "dead": "stopped", "failed-init": "init_failed"}


class Dashboard:
    def __init__(self, workdir: Path | None = None) -> None:
        self.events = EventLog()
        self.closing = asyncio.Event()  # set when the server begins to shut down
        self.workdir = (workdir or Path.cwd()).resolve()
        self.server_id = secrets.token_hex(6)

    def invocation(self, record: TraceRecord | None, result: InvocationResult | None,
                   status: int) -> None:
        event = invocation_event(record, result, status)
        if event is not None:
            self.events.append(event, result.logs if result is not None else None)

    def environment(self, env: Environment) -> None:
        change = CHANGES.get(env.state, env.state)
        self.events.append(environment_event(env.describe(), change))

    def template_changed(self) -> None:
        """The template was reloaded: the page lists the functions again."""
        self.events.append({"kind": "template", "time": time.time()})

    def close(self) -> None:
        """End every open stream (the server is going away)."""
        self.closing.set()

    def add_routes(self, app: FastAPI, template: Callable[[], Template],
                   not_built: Callable[[], dict[str, str]], environments: Environments) -> None:
        """`template()` is the template now (hot reload may replace it), `not_built()` the
        functions whose build failed, each with the build's error, `environments()` the
        environments alive (as `/_workbench/environments` lists them)."""
        @app.get("/_workbench/")
        async def page() -> Response:
            return FileResponse(STATIC / "index.html", media_type="text/html",
                                headers={"Content-Security-Policy": PAGE_POLICY,
                                         "Cache-Control": "no-cache"})

        @app.get("/_workbench/static/{name}")
        async def asset(name: str) -> Response:
            if name not in ASSETS:
                return _not_found(f"no asset {name}")
            return FileResponse(STATIC / name, media_type=ASSETS[name],
                                headers={"Cache-Control": "no-cache"})

        @app.get("/_workbench/events")
        async def events(request: Request) -> Response:
            query = request.query_params
            sse = "text/event-stream" in request.headers.get("accept", "")
            since = (request.headers.get("last-event-id") if sse else None) \
                or query.get("since", "0")
            follow, with_environments = _flag(query, "follow"), _flag(query, "environments")
            detail = query.get("detail")  # none: every event
            interval = _seconds(query.get("interval", str(COALESCE_S)))
            if not since.isdigit() or len(since) > 18 or follow is None \
                    or with_environments is None \
                    or interval is None or detail is not None and not (
                        detail.isdigit() and len(detail) <= 6
                        and 0 < int(detail) <= MAX_DETAIL):
                return JSONResponse({"message": (
                    "since must be an event number (seq), follow and environments true or "
                    f"false, detail 1-{MAX_DETAIL} invocations and interval "
                    f"{MIN_INTERVAL_S}-{MAX_INTERVAL_S} seconds")}, status_code=400)
            return EventStream(self.events, self.closing, since=int(since),
                               follow=follow, sse=sse, server_id=self.server_id,
                               detail=int(detail) if detail is not None else None,
                               interval_s=interval,
                               environments=environments if with_environments else None)

        @app.get("/_workbench/functions")
        async def functions() -> list[dict[str, Any]]:
            return describe_functions(template(), not_built())

        @app.get("/_workbench/logs/{function}/{request_id}")
        async def invocation_log(function: str, request_id: str) -> Response:
            log = self.events.log(function, request_id)
            if log is None:
                return _not_found(f"no log kept for request {request_id} (throttled calls "
                                  "have none; older ones make room for newer)")
            return PlainTextResponse(log)

        @app.get("/_workbench/reports")
        def report_list() -> list[dict[str, Any]]:
            return reports.find(self.workdir)

        @app.get("/_workbench/reports/{path:path}")
        def report(path: str) -> Response:
            found = reports.resolve(self.workdir, path)
            if found is None:
                return _not_found(f"no report {path}")
            return FileResponse(found, media_type="text/html")


MAX_DETAIL = CAPACITY
MIN_INTERVAL_S, MAX_INTERVAL_S = 0.05, 10.0


def _seconds(text: str) -> float | None:
    """An interval in seconds within the bounds, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if MIN_INTERVAL_S <= value <= MAX_INTERVAL_S else None


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _flag(query: Mapping[str, str], name: str) -> bool | None:
    """A true/false query parameter (false when absent), or None when it is neither."""
    return _BOOLEANS.get(query.get(name, "false").lower())


def describe_functions(template: Template, not_built: dict[str, str]) -> list[dict[str, Any]]:
    """Each function's settings and routes, as the page lists them (no environment
    variable values: they may hold secrets), and the build's error if it is not run."""
    rows = []
    for spec in template.functions.values():
        routes = [{"method": r.method, "path": r.path, "api": r.api_id, "kind": r.kind,
                   "payload_version": r.payload_version}
                  for r in template.routes if r.function == spec.name]
        rows.append({
            "name": spec.name, "function_name": spec.function_name or spec.name,
            "handler": spec.handler, "runtime": spec.runtime, "code_uri": str(spec.code_uri),
            "memory_mb": spec.memory_mb, "timeout_s": spec.timeout_s,
            "reserved_concurrency": spec.reserved_concurrency,
            "provisioned_concurrency": spec.provisioned_concurrency,
            "architecture": spec.architecture, "ephemeral_storage_mb": spec.ephemeral_storage_mb,
            "layers": [str(layer) for layer in spec.layers],
            "environment_variables": sorted(spec.environment), "routes": routes,
            "not_built": not_built.get(spec.name)})
    return rows


def _not_found(message: str) -> Response:
    return JSONResponse({"message": message}, status_code=404)
