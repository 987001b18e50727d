"""The Lambda Runtime API, served for one execution environment.

The same protocol AWS serves inside a sandbox (`/2018-06-01/runtime/...`), so the
function runs under AWS's own runtime interface client, unchanged. One server per
environment, on its own loopback port, in the workbench's event loop: the runtime's
long-poll on `/invocation/next` is answered when an invocation arrives.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import httptools

from workbench.runtime import peers

PREFIX = b"/2018-06-01/runtime"
# Lambda caps a synchronous response at 6 MB; we still read more, to report the size.
MAX_BODY = 64 * 1024 * 1024
# The answer to every posted response or error, made once: it is on every invocation's path.
ACCEPTED = (b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
            b"Content-Length: 15\r\n\r\n{\"status\":\"OK\"}")


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
    tenant_id: str | None = None


class RuntimeApiState:
    """What the environment and the server share: one event at a time, handed straight to
    the runtime's parked `/next` (no task or queue per invocation: this is the warm path),
    and one future per request id for what the runtime posts back."""

    def __init__(self) -> None:
        self.polled = asyncio.Event()  # the runtime reached its first /next: INIT is over
        self._poller: _Connection | None = None  # the connection parked in /next
        self._queued: NextEvent | None = None  # offered before the runtime came back
        self._answers: dict[str, asyncio.Future[Outcome | None]] = {}

    def offer(self, event: NextEvent) -> None:
        if self._poller is not None:
            poller, self._poller = self._poller, None
            poller.send_event(event)
        else:
            self._queued = event

    def expect(self, request_id: str) -> asyncio.Future[Outcome | None]:
        """The future the runtime's answer to `request_id` resolves ("" for INIT errors);
        the environment resolves it with None when the process exits or times out."""
        answer = asyncio.get_running_loop().create_future()
        self._answers[request_id] = answer
        return answer

    def forget(self, request_id: str) -> None:
        self._answers.pop(request_id, None)

    def poll(self, connection: _Connection) -> None:
        self.polled.set()
        if self._queued is not None:
            event, self._queued = self._queued, None
            connection.send_event(event)
        else:
            self._poller = connection

    def deliver(self, request_id: str, outcome: Outcome) -> None:
        # An answer nobody waits for (after a timeout, say) is dropped, as Lambda does.
        answer = self._answers.pop(request_id, None)
        if answer is not None and not answer.done():
            answer.set_result(outcome)

    def disconnected(self, connection: _Connection) -> None:
        if self._poller is connection:
            self._poller = None


class _Connection(asyncio.Protocol):
    def __init__(self, state: RuntimeApiState,
                 members: Callable[[], Iterable[int]] | None = None) -> None:
        self.state = state
        self.members = members
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.headers: dict[bytes, bytes] = {}
        self.body = bytearray()

    # -- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        # On Lambda only the sandbox reaches its Runtime API: refuse everyone else before
        # reading a byte (no event, no answer, no init error can come from them).
        if self.members is not None and not peers.admitted(
                transport.get_extra_info("socket"), self.members()):
            transport.abort()  # type: ignore[attr-defined]  # a stream transport has it
            self.transport = None

    def data_received(self, data: bytes) -> None:
        if self.transport is None:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._respond(400, b'{"errorMessage":"bad request"}')
            assert self.transport is not None
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.state.disconnected(self)

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
            self.state.poll(self)
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

    def send_event(self, event: NextEvent) -> None:
        """Answer the parked /next with the invocation (its head formatted in one go)."""
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Lambda-Runtime-Aws-Request-Id: %s\r\nLambda-Runtime-Deadline-Ms: %d\r\n"
                b"Lambda-Runtime-Invoked-Function-Arn: %s\r\nLambda-Runtime-Trace-Id: %s\r\n"
                % (event.request_id.encode(), event.deadline_ms, event.function_arn.encode(),
                   event.trace_id.encode()))
        if event.client_context:
            head += b"Lambda-Runtime-Client-Context: %s\r\n" % event.client_context.encode()
        if event.tenant_id is not None:  # a tenant-isolated function's: context.tenant_id
            head += b"Lambda-Runtime-Aws-Tenant-Id: %s\r\n" % event.tenant_id.encode()
        self._write(head + b"Content-Length: %d\r\n\r\n" % len(event.payload) + event.payload)

    def _post(self, request_id: str, outcome: Outcome) -> None:
        self.state.deliver(request_id, outcome)
        self._write(ACCEPTED)

    def _error_type(self) -> str | None:
        header = self.headers.get(b"lambda-runtime-function-error-type")
        if header:
            return header.decode(errors="replace")
        try:
            document = json.loads(self.body)
            return str(document.get("errorType")) if isinstance(document, dict) else None
        except ValueError:
            return None

    def _respond(self, status: int, body: bytes) -> None:
        reason = {400: b"Bad Request", 404: b"Not Found"}[status]
        self._write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (status, reason, len(body), body))

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


class RuntimeApiServer:
    """Serves the Runtime API for one environment on 127.0.0.1:<free port>, to the processes
    `members()` lists only (all local processes when it is None)."""

    def __init__(self, members: Callable[[], Iterable[int]] | None = None) -> None:
        self.state = RuntimeApiState()
        self.members = members
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    async def start(self) -> None:
        # The socket is made here, not by create_server: out of descriptors, uvloop's
        # create_server returns a server without sockets instead of raising.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", 0))
            sock.listen(16)
            self.port = sock.getsockname()[1]
            loop = asyncio.get_running_loop()
            self._server = await loop.create_server(
                lambda: _Connection(self.state, self.members), sock=sock)
        except BaseException:
            sock.close()
            raise

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
