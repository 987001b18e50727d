"""`GET /_workbench/events`: the event buffer as JSON lines, or as server-sent events.

One line per event, oldest first, from `?since=SEQ` (exclusive); as SSE, one message per
batch (a JSON array, its id the last seq in it, which a reconnecting EventSource sends
back as `Last-Event-ID`). Without `follow` the
response ends after what is buffered; with it (and always for SSE) it stays open and
sends new events as they come. A watcher is woken by the buffer, then waits `interval_s`
(`COALESCE_S` unless asked) before sending, so a burst of requests costs it one write,
not one each; with `detail` each batch is `events.digest`ed, so what a watcher parses
and draws is bounded however fast requests come. With `environments`, the stream also
carries the environments as `/_workbench/environments` lists them, whenever they changed:
after the hello, in a batch, and every `interval_s` while one is starting or busy (busy
and idle are not events: that would cost the request path), so a page need not poll.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from workbench.server.dashboard.events import Event, EventLog, digest

COALESCE_S = 0.25
HEARTBEAT_S = 15.0  # an SSE comment now and then: proxies keep the stream, dead peers show
SSE_RETRY_MS = 1000
UNSETTLED = ("starting", "busy")  # states that change with no event
Environments = Callable[[], list[dict[str, Any]]]


class EventStream(Response):
    """A response streaming the buffer; ends when the client leaves or `closing` is set."""

    def __init__(self, log: EventLog, closing: asyncio.Event, *, since: int, follow: bool,
                 sse: bool, server_id: str, detail: int | None = None,
                 interval_s: float = COALESCE_S, environments: Environments | None = None
                 ) -> None:
        super().__init__()
        self.log = log
        self.closing = closing
        # A cursor past the newest event is from before a restart: start over.
        self.cursor = since if since <= log.last_seq else 0
        self.follow = follow or sse
        self.sse = sse
        self.server_id = server_id
        self.detail = detail
        self.interval_s = interval_s
        self.environments = environments
        self._shown: list[dict[str, Any]] | None = None  # the environments last sent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        media = "text/event-stream" if self.sse else "application/x-ndjson"
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", media.encode() + b"; charset=utf-8"),
            (b"cache-control", b"no-store"), (b"x-accel-buffering", b"no")]})
        if self.sse:
            hello = {"kind": "hello", "server": self.server_id, "last_seq": self.log.last_seq}
            await self._send(send, f"retry: {SSE_RETRY_MS}\ndata: "
                                   f"{_json([hello, *self._changed_environments()])}\n\n")
        left = asyncio.ensure_future(_disconnected(receive))
        closing = asyncio.ensure_future(self.closing.wait())
        try:
            await self._pump(send, {left, closing})
        finally:
            left.cancel()
            closing.cancel()
        if not left.done():
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pump(self, send: Send, stop: set[asyncio.Future[Any]]) -> None:
        loop = asyncio.get_running_loop()
        sent = loop.time()
        while True:
            events, missed = self.log.since(self.cursor)
            if events or missed:
                self.cursor = events[-1]["seq"] if events else self.log.last_seq
            batch = self._batch(events, missed)
            if batch:
                await self._send(send, self._format(batch))
                sent = loop.time()
            if not self.follow:
                return
            arrived = asyncio.ensure_future(self.log.wait(self.cursor))
            done, _ = await asyncio.wait({arrived, *stop}, timeout=self._quiet_s(),
                                         return_when=asyncio.FIRST_COMPLETED)
            arrived.cancel()
            if done & stop:
                return
            if not done:  # nothing new: a look at the environments, or a heartbeat
                if self.sse and loop.time() - sent >= HEARTBEAT_S:
                    await self._send(send, ": keep-alive\n\n")
                    sent = loop.time()
                continue
            done, _ = await asyncio.wait(stop, timeout=self.interval_s)
            if done:
                return

    def _quiet_s(self) -> float:
        """How long to wait for an event: a heartbeat's time, or the interval while an
        environment shown is in a state that changes without one."""
        if self._shown is not None and any(e.get("state") in UNSETTLED for e in self._shown):
            return self.interval_s
        return HEARTBEAT_S

    def _changed_environments(self) -> list[Event]:
        if self.environments is None:
            return []
        now = self.environments()
        if now == self._shown:
            return []
        self._shown = now
        return [{"kind": "environments", "environments": now}]

    def _batch(self, events: list[Event], missed: int) -> list[Event]:
        if self.detail is not None:
            events = digest(events, self.detail)
        gap = [{"kind": "gap", "missed": missed}] if missed else []
        # the environments before the events: the last is still the newest event
        return [*gap, *self._changed_environments(), *events]

    def _format(self, batch: list[Event]) -> str:
        if self.sse:  # one message per batch: one parse for the page, however many events
            return f"id: {self.cursor}\ndata: {_json(batch)}\n\n"
        return "".join(_json(event) + "\n" for event in batch)

    @staticmethod
    async def _send(send: Send, text: str) -> None:
        await send({"type": "http.response.body", "body": text.encode(), "more_body": True})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)
