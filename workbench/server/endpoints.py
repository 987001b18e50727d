"""The workbench's own endpoints under /_workbench/: health, environments, logs, and the
dashboard's (`workbench.server.dashboard`).

These are not AWS APIs, so FastAPI serves them (the hot paths, API Gateway routes and
the Invoke API, are bare ASGI callables in `workbench.server.app` and `invoke_api`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from workbench.errors import AmbiguousFunction
from workbench.server.context import ServerContext


def build(ctx: ServerContext,
          lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]]) -> FastAPI:
    app = FastAPI(title="Lambda Workbench", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    ctx.dashboard.add_routes(app, lambda: ctx.template, lambda: ctx.runtime.not_built,
                             ctx.runtime.environments)

    @app.get("/_workbench/health")
    async def health() -> dict[str, object]:
        # not_built: the functions whose build failed (not run), with the build's error.
        return {"status": "ok", "functions": sorted(ctx.template.functions),
                "not_built": dict(ctx.runtime.not_built)}

    @app.get("/_workbench/environments")
    async def environments() -> list[dict[str, object]]:
        return ctx.runtime.environments()

    @app.get("/_workbench/logs/{function}")
    async def logs(function: str) -> JSONResponse:
        try:
            spec = ctx.template.function(function)
        except AmbiguousFunction as error:
            return JSONResponse({"message": str(error)}, status_code=404)
        if spec is None:
            return JSONResponse({"message": f"no function {function}"}, status_code=404)
        return JSONResponse({"logGroupName": f"/aws/lambda/{spec.function_name or spec.name}",
                             "streams": ctx.runtime.logs.streams(spec.name)})

    return app
