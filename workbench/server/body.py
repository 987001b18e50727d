"""Reading a request body without trusting its size."""

from __future__ import annotations

from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope


async def read_body(scope: Scope, receive: Receive, *, limit: int) -> bytes | None:
    """The body, or None once it passes `limit` bytes (the rest is not read into memory).

    A client that leaves before the end raises ClientDisconnect: nobody is left to answer.
    """
    declared = next((value for name, value in scope["headers"] if name == b"content-length"),
                    b"")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
