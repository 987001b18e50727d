"""The IDE's end of a debugging session for PyCharm: the pydevd protocol.

PyCharm's "Python Debug Server" listens; a debugged process connects to it with
`pydevd_pycharm.settrace`. Here the environment connects to a loopback port of the
workbench's, and the workbench to PyCharm, passing every message through and reading,
on the way, `CMD_RUN` from the IDE (it is ready: the environment stops waiting) and the
thread suspend / run notices from the environment (whether a thread is held). Messages
are lines: `id<TAB>seq<TAB>text`, the text URL-quoted. Path mappings from the source to
the folder the function runs from are set in the environment (pydevd's
PATHS_FROM_ECLIPSE_TO_PYTHON), so PyCharm needs none.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from workbench.debug.dap import connect_while_alive
from workbench.debug.session import DebugSession, Threads, until_either
from workbench.runtime.process import Process

# pydevd's command ids (pydevd_comm_constants).
CMD_RUN, CMD_THREAD_SUSPEND, CMD_THREAD_RUN = 101, 105, 106
MAX_LINE_BYTES = 64 * 1024 * 1024
_THREAD = re.compile(r'<thread id="([^"]+)"')


class LineLink:
    """One environment connected to PyCharm, both ways."""

    def __init__(self, threads: Threads, on_ready: Callable[[], None]) -> None:
        self.threads = threads
        self.on_ready = on_ready

    async def run(self, debuggee: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                  ide: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        try:
            await until_either(self._pump(debuggee[0], ide[1], self.from_debuggee),
                               self._pump(ide[0], debuggee[1], self.from_ide))
        finally:
            self.threads.go(None, everything=True)

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    look: Callable[[bytes], None]) -> None:
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            look(line)
            writer.write(line)
            await writer.drain()

    def from_ide(self, line: bytes) -> None:
        if _command(line)[0] == CMD_RUN:
            self.on_ready()

    def from_debuggee(self, line: bytes) -> None:
        command, text = _command(line)
        if command == CMD_THREAD_SUSPEND and (found := _THREAD.search(unquote_plus(text))):
            self.threads.stop(found.group(1), everything=False)
        elif command == CMD_THREAD_RUN:
            self.threads.go(unquote_plus(text).split("\t", 1)[0], everything=False)


def _command(line: bytes) -> tuple[int | None, str]:
    head, _, rest = line.decode("utf-8", errors="replace").rstrip("\r\n").partition("\t")
    _, _, text = rest.partition("\t")
    return (int(head) if head.isdigit() else None), text


class PydevdFront:
    """Each environment connects to a loopback listener of its own; that connection is
    joined to PyCharm's debug server on the debug port (retried until PyCharm listens)."""

    def __init__(self, session: DebugSession, pydevd: Path) -> None:
        self.session = session
        self.pydevd = pydevd
        self._listener: asyncio.base_events.Server | None = None
        self._process: Process | None = None
        self._links: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        session = self.session
        session.tell(f"debugger: start PyCharm's Python Debug Server on "
                     f"{session.host}:{session.port}; the function's environments connect "
                     "to it (concurrency 1)")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
        for task in list(self._links):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def prepare(self, cwd: Path) -> dict[str, Any]:
        if self._listener is not None:
            self._listener.close()
        self._listener = await asyncio.start_server(self._debuggee_connected, "127.0.0.1", 0,
                                                    limit=MAX_LINE_BYTES)
        port = self._listener.sockets[0].getsockname()[1]
        return {"pydevd": str(self.pydevd), "port": port,
                "mappings": [[str(self.session.source), str(cwd)]]}

    def spawned(self, process: Process) -> None:
        self._process = process
        session = self.session
        session.waiting(f"waiting for PyCharm's Python Debug Server on "
                        f"{session.host}:{session.port}")

        async def ended() -> None:
            await process.wait()
            session.ended()

        self._links.add(asyncio.ensure_future(ended()))

    async def _debuggee_connected(self, reader: asyncio.StreamReader,
                                  writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._links.add(task)
        process = self._process
        try:
            if self._listener is not None:
                self._listener.close()  # one connection per environment
            ide = None if process is None else await connect_while_alive(
                self.session.port, process, self.session.host, MAX_LINE_BYTES)
            if ide is None:
                return
            try:
                await LineLink(self.session.threads, self.session.ready).run(
                    (reader, writer), ide)
            finally:
                ide[1].close()
        finally:
            writer.close()
            if task is not None:
                self._links.discard(task)
