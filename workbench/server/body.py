"""Reading a request body without trusting its size."""

from __future__ import annotations

from fastapi import Request


async def read_body(request: Request, *, limit: int) -> bytes | None:
    """The body, or None once it passes `limit` bytes (the rest is not read into memory)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
