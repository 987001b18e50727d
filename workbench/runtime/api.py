"""The Lambda Runtime API, served for one execution environment.

The same protocol AWS serves inside a sandbox (`/2018-06-01/runtime/...`), so the
function runs under AWS's own runtime interface client, unchanged. One server per
environment, on its own loopback port, in the workbench's event loop: the runtime's
long-poll on `/invocation/next` is answered when an invocation arrives.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Literal

import httptools

PREFIX = b"/2018-06-01/runtime"
# Lambda caps a synchronous response at 6 MB; we still read more, to report the size.
MAX_BODY = 64 * 1024 * 1024


@dataclass
class Outcome:
    """What the runtime posted back for one invocation, or for INIT."""

    kind: Literal["response", "error", "init_error"]
    body: bytes
    error_type: str | None = None


@dataclass
class NextEvent:
    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str = ""
    client_context: str | None = None


@dataclass
class RuntimeApiState:
    """What the environment and the server share: the pending event and the outcomes."""

    waiting: asyncio.Event = field(default_factory=asyncio.Event)  # runtime is in /next
    next_event: asyncio.Queue[NextEvent] = field(default_factory=asyncio.Queue)
    outcomes: asyncio.Queue[tuple[str, Outcome]] = field(default_factory=asyncio.Queue)


class _Connection(asyncio.Protocol):
    def __init__(self, state: RuntimeApiState) -> None:
        self.state = state
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.headers: dict[bytes, bytes] = {}
        self.body = bytearray()
        self.pending: asyncio.Task[None] | None = None

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._respond(400, b'{"errorMessage":"bad request"}')
            assert self.transport is not None
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.pending is not None:
            self.pending.cancel()
            self.state.waiting.clear()

    # -- httptools callbacks -----------------------------------------------------------

    def on_message_begin(self) -> None:
        self.url, self.headers, self.body = b"", {}, bytearray()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        if len(self.body) + len(body) <= MAX_BODY:
            self.body += body

    def on_message_complete(self) -> None:
        method = self.parser.get_method()
        path = self.url.split(b"?", 1)[0]
        if not path.startswith(PREFIX):
            self._respond(404, b'{"errorMessage":"unknown path"}')
            return
        route = path[len(PREFIX):]
        if method == b"GET" and route == b"/invocation/next":
            self.pending = asyncio.ensure_future(self._next())
        elif method == b"POST" and route == b"/init/error":
            self._post("", Outcome("init_error", bytes(self.body), self._error_type()))
        elif method == b"POST" and route.startswith(b"/invocation/"):
            request_id, _, action = route[len(b"/invocation/"):].partition(b"/")
            if action == b"response":
                self._post(request_id.decode(), Outcome("response", bytes(self.body)))
            elif action == b"error":
                self._post(request_id.decode(),
                           Outcome("error", bytes(self.body), self._error_type()))
            else:
                self._respond(404, b'{"errorMessage":"unknown path"}')
        else:
            self._respond(404, b'{"errorMessage":"unknown path"}')

    # -- handlers ----------------------------------------------------------------------

    async def _next(self) -> None:
        self.state.waiting.set()
        try:
            event = await self.state.next_event.get()
        finally:
            self.state.waiting.clear()
            self.pending = None
        headers = [
            (b"Content-Type", b"application/json"),
            (b"Lambda-Runtime-Aws-Request-Id", event.request_id.encode()),
            (b"Lambda-Runtime-Deadline-Ms", str(event.deadline_ms).encode()),
            (b"Lambda-Runtime-Invoked-Function-Arn", event.function_arn.encode()),
            (b"Lambda-Runtime-Trace-Id", event.trace_id.encode()),
        ]
        if event.client_context:
            headers.append((b"Lambda-Runtime-Client-Context", event.client_context.encode()))
        self._respond(200, event.payload, headers)

    def _post(self, request_id: str, outcome: Outcome) -> None:
        self.state.outcomes.put_nowait((request_id, outcome))
        self._respond(202, b'{"status":"OK"}')

    def _error_type(self) -> str | None:
        header = self.headers.get(b"lambda-runtime-function-error-type")
        if header:
            return header.decode(errors="replace")
        try:
            document = json.loads(self.body)
            return str(document.get("errorType")) if isinstance(document, dict) else None
        except ValueError:
            return None

    def _respond(self, status: int, body: bytes,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        reason = {200: b"OK", 202: b"Accepted", 400: b"Bad Request", 404: b"Not Found"}[status]
        lines = [b"HTTP/1.1 %d %s" % (status, reason)]
        for name, value in headers or [(b"Content-Type", b"application/json")]:
            lines.append(name + b": " + value)
        lines.append(b"Content-Length: %d" % len(body))
        self.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)


class RuntimeApiServer:
    """Serves the Runtime API for one environment on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        self.state = RuntimeApiState()
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Connection(self.state), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
