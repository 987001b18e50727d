"""The IDE's end of a debugging session: a Debug Adapter Protocol proxy.

The IDE attaches to the workbench's debug port; the proxy connects it to the debugged
environment's debugpy (on a loopback port of its own, one environment at a time) and
passes every message through, reading a few on the way:
- `attach` from the IDE gets the path mappings from the source the user edits to the
  folder the function runs from, ahead of any the IDE sent, so breakpoints set in the
  source are hit;
- `configurationDone` answered: the IDE is ready, the environment stops waiting;
- `stopped` / `continued` events (and answered continue and step requests): whether any
  thread is held at a breakpoint, which is when the function's timers stand still.
Messages are framed as DAP says: `Content-Length: N` headers, a blank line, N bytes of JSON.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

Message = dict[str, Any]
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
RESUMING = {"continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue", "goto"}


async def read_message(reader: asyncio.StreamReader) -> Message | None:
    """One DAP message, or None at the end of the stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = None
    for line in head.decode("ascii", errors="replace").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length" and value.strip().isdigit():
            length = int(value)
    if length is None or length > MAX_MESSAGE_BYTES:
        return None
    try:
        message = json.loads(await reader.readexactly(length))
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        return None
    return message if isinstance(message, dict) else None


def frame(message: Message) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Threads:
    """Which threads the debugger holds; `on_change(held)` when that flips."""

    def __init__(self, on_change: Callable[[bool], None]) -> None:
        self.stopped: set[object] = set()
        self.all_stopped = False
        self._on_change = on_change

    @property
    def held(self) -> bool:
        return self.all_stopped or bool(self.stopped)

    def stop(self, thread: object, everything: bool) -> None:
        before = self.held
        self.stopped.add(thread)
        self.all_stopped = self.all_stopped or everything
        self._tell(before)

    def go(self, thread: object, everything: bool) -> None:
        before = self.held
        self.stopped = set() if everything else self.stopped - {thread}
        self.all_stopped = self.all_stopped and bool(self.stopped)
        self._tell(before)

    def _tell(self, before: bool) -> None:
        if self.held != before:
            self._on_change(self.held)


class Link:
    """One IDE connected to one debuggee, both ways."""

    def __init__(self, mappings: list[tuple[str, str]], threads: Threads,
                 on_ready: Callable[[], None]) -> None:
        self.mappings = mappings
        self.threads = threads
        self.on_ready = on_ready
        self._requests: dict[object, Message] = {}  # the IDE's requests by seq

    async def run(self, ide: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                  debuggee: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        up = asyncio.ensure_future(self._pump(ide[0], debuggee[1], self._from_ide))
        down = asyncio.ensure_future(self._pump(debuggee[0], ide[1], self._from_debuggee))
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            up.cancel()
            down.cancel()
            self.threads.go(None, everything=True)  # nobody holds the function any more

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    look: Callable[[Message], Message]) -> None:
        while (message := await read_message(reader)) is not None:
            writer.write(frame(look(message)))
            await writer.drain()

    def _from_ide(self, message: Message) -> Message:
        if message.get("type") == "request":
            self._requests[message.get("seq")] = message
            if message.get("command") == "attach":
                arguments = message.setdefault("arguments", {})
                theirs = arguments.get("pathMappings") or []
                ours = [{"localRoot": local, "remoteRoot": remote}
                        for local, remote in self.mappings]
                arguments["pathMappings"] = [*ours, *theirs]  # the most specific first
        return message

    def _from_debuggee(self, message: Message) -> Message:
        kind, body = message.get("type"), message.get("body") or {}
        if kind == "event" and message.get("event") == "stopped":
            self.threads.stop(body.get("threadId"), bool(body.get("allThreadsStopped")))
        elif kind == "event" and message.get("event") == "continued":
            self.threads.go(body.get("threadId"), body.get("allThreadsContinued", True))
        elif kind == "response":
            request = self._requests.pop(message.get("request_seq"), {})
            command = request.get("command")
            if command == "configurationDone" and message.get("success"):
                self.on_ready()
            elif command in RESUMING and message.get("success"):
                arguments = request.get("arguments") or {}
                self.threads.go(arguments.get("threadId"),
                                not arguments.get("singleThread", False))
        return message
