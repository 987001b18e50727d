"""The IDE's end of a debugging session for DAP clients (VS Code, ...): a proxy.

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
import contextlib
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.debug.session import DebugSession, Threads, until_either
from workbench.errors import WorkbenchError
from workbench.runtime.process import Process

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
        try:
            await until_either(self._pump(ide[0], debuggee[1], self._from_ide),
                               self._pump(debuggee[0], ide[1], self._from_debuggee))
        finally:
            self.threads.go(None, everything=True)  # the IDE left: nothing holds the function

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


class DapFront:
    """Listens for the IDE on the debug port; each environment's debugpy listens on a
    loopback port of its own, which the IDE's connection is joined to."""

    def __init__(self, session: DebugSession, debugpy: Path) -> None:
        self.session = session
        self.debugpy = debugpy
        self._server: asyncio.base_events.Server | None = None
        self._debuggee: asyncio.Future[tuple[int, Path, Process]] | None = None
        self._pending: tuple[int, Path] | None = None
        self._link: asyncio.Task[Any] | None = None
        self._watch: asyncio.Future[None] | None = None

    async def start(self) -> None:
        if self._server is not None:
            return
        session = self.session
        try:
            self._server = await asyncio.start_server(self._ide_connected, session.host,
                                                      session.port)
        except OSError as error:
            raise WorkbenchError(f"--debug-port {session.port}: cannot listen on "
                                 f"{session.host}: {error.strerror or error}") from None
        session.tell(f"debugger: attach your IDE to {session.host}:{session.port} (its "
                     "environments start under debugpy; concurrency 1)")

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._link is not None:
            self._link.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._link

    async def prepare(self, cwd: Path) -> dict[str, Any]:
        port = free_port()
        self._pending = (port, cwd)
        return {"debugpy": str(self.debugpy), "port": port}

    def spawned(self, process: Process) -> None:
        assert self._pending is not None
        if self._debuggee is None or self._debuggee.done():
            self._debuggee = asyncio.get_running_loop().create_future()
        debuggee = self._debuggee
        debuggee.set_result((*self._pending, process))
        session = self.session
        session.waiting(f"waiting for the debugger on {session.host}:{session.port}")

        async def ended() -> None:
            await process.wait()
            if self._debuggee is debuggee:
                self._debuggee = None
            session.ended()

        self._watch = asyncio.ensure_future(ended())

    async def _ide_connected(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
        if self._link is not None and not self._link.done():
            self.session.tell("a second debugger connection refused: one at a time")
            writer.close()
            return
        self._link = asyncio.current_task()
        try:
            if self._debuggee is None:
                self._debuggee = asyncio.get_running_loop().create_future()
                self.session.tell("debugger connected: it attaches when the function's next "
                                  "environment starts (its next invocation)")
            port, cwd, process = await asyncio.shield(self._debuggee)
            upstream = await connect_while_alive(port, process)
            if upstream is None:
                return
            link = Link([(str(self.session.source), str(cwd))], self.session.threads,
                        self.session.ready)
            try:
                await link.run((reader, writer), upstream)
            finally:
                upstream[1].close()
        finally:
            writer.close()


CONNECT_RETRY_S = 0.05  # while a starting environment's debugger is not listening yet


async def connect_while_alive(port: int, process: Process, host: str = "127.0.0.1",
                              limit: int = 2 ** 16
                              ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    """A connection to host:port once something listens there; None if `process` (whose
    debugger it is, or which waits for it) died first."""
    while process.returncode is None:
        try:
            return await asyncio.open_connection(host, port, limit=limit)
        except ConnectionRefusedError:
            await asyncio.sleep(CONNECT_RETRY_S)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
