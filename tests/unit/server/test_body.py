"""read_body over ASGI messages: limits, chunked bodies, a client that leaves mid-body."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.requests import ClientDisconnect

from workbench.server.body import read_body


def read(messages: list[dict[str, Any]], *, limit: int = 100,
         content_length: int | None = None) -> bytes | None:
    pending = list(messages)
    received = []

    async def receive() -> dict[str, Any]:
        received.append(pending[0])
        return pending.pop(0)

    headers = [] if content_length is None else [(b"content-length", str(content_length).encode())]
    return asyncio.run(read_body({"headers": headers}, receive, limit=limit))


def chunk(body: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.request", "body": body, "more_body": more}


def test_chunks_are_joined() -> None:
    assert read([chunk(b"ab", more=True), chunk(b"cd")]) == b"abcd"


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    assert read([], limit=10, content_length=11) is None


def test_a_body_growing_past_the_limit_is_refused() -> None:
    assert read([chunk(b"x" * 8, more=True), chunk(b"x" * 8)], limit=10) is None


def test_a_client_leaving_mid_body_raises_instead_of_passing_half_a_body() -> None:
    with pytest.raises(ClientDisconnect):
        read([chunk(b"half", more=True), {"type": "http.disconnect"}])
