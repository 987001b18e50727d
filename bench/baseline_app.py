"""The floor: a bare FastAPI endpoint on uvicorn calling the echo handler in-process."""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import FastAPI, Request, Response

sys.path.insert(0, str(Path(__file__).parent / "apps" / "echo"))
from app import handler  # noqa: E402

app = FastAPI()


@app.post("/echo")
async def echo(request: Request) -> Response:
    result = handler({"body": (await request.body()).decode()}, None)
    return Response(result["body"], result["statusCode"], result["headers"])


@app.get("/_workbench/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
