"""uvicorn's HTTP protocol with the limits a production server has, header names as sent.

Header names: ASGI lower-cases them; API Gateway's REST (v1) events keep the client's
case (`Content-Type`), and handlers that index `event["headers"]["Content-Type"]` work
on AWS. The original names ride along in the scope's `extensions`, in the same order.

Limits (`Limits`, from the settings; defaults and reasons in `workbench.config`):
- idle: a connection with no request in progress closes after `idle_timeout_s`, a new
  one included (uvicorn arms its keep-alive timer only after a response);
- headers: from a request's first byte, its request line and headers must all arrive
  within `header_timeout_s` (a slowloris client), else 408;
- body: the body must arrive within `body_timeout_s` of the headers (a body shorter
  than its Content-Length), else 408;
- size: request line and headers over `max_header_bytes` are 431 on every route, before
  anything reads them whole; HTTP/1.1 without exactly one Host is 400 (RFC 9112, 3.2);
- connections: a request on a connection opened while `max_connections` were already
  open is answered 503.
Each of these answers is JSON `{"message": ...}` with `Connection: close`, and the
connection closes lingering: shut for writing, what the client still sends is read and
dropped until it closes (or LINGER_S), so a client mid-send reads the answer instead of
a connection reset.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from workbench import config

EXTENSION = "workbench.header_names"
LINGER_S = 2.0
Phase = Literal["idle", "headers", "body", "app"]


@dataclass(frozen=True)
class Limits:
    header_timeout_s: float = config.DEFAULT_HEADER_TIMEOUT_S
    body_timeout_s: float = config.DEFAULT_BODY_TIMEOUT_S
    idle_timeout_s: float = config.DEFAULT_IDLE_TIMEOUT_S
    max_connections: int = 1024
    max_header_bytes: int = config.DEFAULT_MAX_HEADER_BYTES

    @classmethod
    def of(cls, settings: config.Settings) -> Limits:
        return cls(settings.header_timeout_s, settings.body_timeout_s, settings.idle_timeout_s,
                   settings.max_connections, settings.max_header_bytes)


class HttpProtocol(HttpToolsProtocol):
    limits: ClassVar[Limits] = Limits()

    @classmethod
    def bind(cls, limits: Limits) -> type[HttpProtocol]:
        """This protocol with `limits` (uvicorn constructs protocols itself)."""
        return type(cls.__name__, (cls,), {"limits": limits})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout_keep_alive = self.limits.idle_timeout_s  # type: ignore[assignment]
        self._phase: Phase = "idle"
        self._received = 0  # bytes of the request line and headers so far
        self._deadline: asyncio.TimerHandle | None = None
        self._over_limit = False
        self._lingering = False

    # -- the connection ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = _OneWritePerResponse(transport, self.loop)
        self._over_limit = len(self.connections) > self.limits.max_connections
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # the answer is out; what the client still sends is dropped
        if self._phase in ("idle", "headers"):
            self._received += len(data)
        super().data_received(data)
        if self._lingering:
            return
        if self._phase == "headers":
            if self._received > self.limits.max_header_bytes:
                self._refuse(431, "Request Header Fields Too Large")
            elif self._deadline is None:
                self._deadline = self.loop.call_later(self.limits.header_timeout_s,
                                                      self._timed_out)
        elif self._phase == "body" and self._deadline is None:
            self._deadline = self.loop.call_later(self.limits.body_timeout_s, self._timed_out)

    def send_400_response(self, msg: str) -> None:
        """httptools could not parse the request: the same answer as the other refusals."""
        self._refuse(400, "Bad Request")

    def stop(self) -> None:
        """The server's grace period is over: a request still arriving is answered 503 here;
        one the app is working on is the server's to cancel."""
        if self._phase in ("headers", "body") and not self._lingering:
            self._refuse(503, "Service Unavailable")

    # -- httptools callbacks -----------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {EXTENSION: []}  # type: ignore[dict-item]
        self._phase = "headers"

    def on_header(self, name: bytes, value: bytes) -> None:
        names: list[str] = self.scope["extensions"][EXTENSION]  # type: ignore[assignment]
        names.append(name.decode("latin-1"))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        self._phase = "body"
        if self._lingering:
            return
        size, hosts = len(self.url) + 12, 0
        for name, value in self.headers:
            size += len(name) + len(value) + 4
            hosts += name == b"host"
        if size > self.limits.max_header_bytes:
            self._refuse(431, "Request Header Fields Too Large")
        elif hosts != 1 and self.parser.get_http_version() == "1.1":
            self._refuse(400, "Bad Request")
        elif self._over_limit:
            self._refuse(503, "Service Unavailable")
        else:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._lingering:
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._cancel_deadline()
        self._phase, self._received = "app", 0
        if not self._lingering:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        if self._phase == "app":
            self._phase = "idle"
        assert isinstance(self.transport, _OneWritePerResponse)
        self.transport.flush()
        super().on_response_complete()

    # -- refusing ----------------------------------------------------------------------

    def _timed_out(self) -> None:
        self._deadline = None
        if self._phase in ("headers", "body"):
            self._refuse(408, "Request Timeout")

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` and close, lingering; the request (if any) never reaches the app,
        and an app still reading its body sees the client gone."""
        self._cancel_deadline()
        self._unset_keepalive_if_required()
        self._lingering = True
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
            if cycle.response_started:  # too late for an answer of our own
                self.transport.close()
                return
        if self.transport.is_closing():
            return
        body = json.dumps({"message": message}).encode()
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head.append(b"content-type: application/json\r\ncontent-length: %d\r\n"
                    b"connection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._deadline = self.loop.call_later(LINGER_S, self.transport.close)


class _OneWritePerResponse(asyncio.Transport):
    """The connection's transport, holding a response's head back until its body follows.

    uvicorn writes the status line and headers as soon as the app starts its response and
    the body on the next message; two writes cost two system calls and wake the client
    twice. The first write of each response is held and goes out with the next one, or
    when the response completes or the connection closes."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held = b""
        self._hold = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._hold:
            self._hold = False
            self._held = bytes(data)
            # A streamed response (or a 100 Continue) has no next write soon: at the latest
            # it goes out once the code that wrote it yields to the loop.
            self._loop.call_soon(self._send_held)
            return
        if self._held:
            data, self._held = self._held + data, b""
        self._transport.write(data)

    def flush(self) -> None:
        """The response is complete: send what is held; hold the next response's head."""
        self._send_held()
        self._hold = True

    def close(self) -> None:
        self._send_held()
        self._transport.close()

    def _send_held(self) -> None:
        if self._held and not self._transport.is_closing():
            self._transport.write(self._held)
        self._held = b""

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def write_eof(self) -> None:
        self._send_held()
        self._transport.write_eof()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def abort(self) -> None:
        self._transport.abort()


def header_pairs(scope: MutableMapping[str, Any]) -> list[tuple[str, str]]:
    """The request's headers, in order, with their original names where known."""
    names = scope.get("extensions", {}).get(EXTENSION)
    headers = scope["headers"]
    if names is None or len(names) != len(headers):
        names = [name.decode("latin-1") for name, _ in headers]
    values = [value.decode("latin-1") for _, value in headers]
    return list(zip(names, values, strict=True))
