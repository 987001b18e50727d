"""Debugging a function in place: `workbench serve --debug-port 5678 [--debug-function F]`.

The function's environments start under debugpy (`bootstrap.py`, a fresh interpreter
each, with debugpy on that environment's path alone) and wait for the IDE, which attaches
to the workbench's port through a DAP proxy (`dap.py`). The proxy adds the path mappings
from the function's source to the folder it runs from, and sees when the IDE is ready and
when a thread is stopped: while the environment waits for the IDE or is stopped, every
timer of the function (INIT's limit, its timeout, API Gateway's 29 s) stands still
(`clock.PausableClock`), and the console says so. The function's concurrency is 1, as
one debugger holds one environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from workbench import config
from workbench.debug.clock import PausableClock
from workbench.debug.dap import Link, Threads
from workbench.errors import WorkbenchError
from workbench.runtime.process import Process, die_with_parent
from workbench.runtime.types import Clock, RealClock
from workbench.template import Template

BOOTSTRAP = Path(__file__).parent / "bootstrap.py"
CONNECT_RETRY_S = 0.05  # while a starting environment's debugpy is not listening yet


def debug_session(template: Template, settings: config.Settings,
                  say: Callable[[str], None]) -> DebugSession | None:
    """The session `--debug-port` / `--debug-function` ask for, if any."""
    port, name = settings.debug_port, settings.debug_function
    if port is None:
        if name is not None:
            raise WorkbenchError("--debug-function: give --debug-port too")
        return None
    if not 0 < port < 65536 or port == settings.port:
        raise WorkbenchError(f"--debug-port {port}: a free port (1-65535) other than the "
                             "server's")
    names = ", ".join(sorted(template.functions))
    if name is None:
        if len(template.functions) != 1:
            raise WorkbenchError(f"--debug-port: {template.path} has {len(template.functions)} "
                                 f"functions; name one with --debug-function ({names})")
        name = next(iter(template.functions))
    spec = template.function(name)
    if spec is None:
        raise WorkbenchError(f"--debug-function {name}: no such function in {template.path} "
                             f"(it has {names})")
    return DebugSession(spec.name, port, spec.code_uri, RealClock(), host=settings.host,
                        say=say)


class DebugSession:
    def __init__(self, function: str, port: int, source: Path, clock: Clock, *,
                 host: str = "127.0.0.1", say: Callable[[str], None] = print) -> None:
        self.function = function
        self.host, self.port = host, port
        self.source = source  # the CodeUri the user edits
        self.clock = PausableClock(clock)
        self._say = say
        self._waiting = False  # a debuggee is waiting for the IDE
        self._threads = Threads(lambda held: self._changed(
            "stopped in the debugger: its timeout and API Gateway's 29 s stand still" if held
            else "running again: its timers resume"))
        self._debuggee: asyncio.Future[tuple[int, Path, Process]] | None = None
        self._server: asyncio.base_events.Server | None = None
        self._link: asyncio.Task[object] | None = None
        self._watch: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Listen for the IDE (once; the first debugged spawn calls it too)."""
        if self._server is not None:
            return
        try:
            self._server = await asyncio.start_server(self._ide_connected, self.host, self.port)
        except OSError as error:
            raise WorkbenchError(f"--debug-port {self.port}: cannot listen on {self.host}: "
                                 f"{error.strerror or error}") from None
        self._say(f"[{self.function}] debugger: attach your IDE to {self.host}:{self.port} "
                  "(its environments start under debugpy; concurrency 1)")

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._link is not None:
            self._link.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._link

    def spawner(self) -> DebugSpawner:
        return DebugSpawner(self)

    # -- the debuggee ------------------------------------------------------------------

    def started(self, port: int, cwd: Path, process: Process) -> None:
        """An environment of the function started under debugpy, listening on `port`."""
        if self._debuggee is None or self._debuggee.done():
            self._debuggee = asyncio.get_running_loop().create_future()
        debuggee = self._debuggee
        debuggee.set_result((port, cwd, process))
        self._waiting = True
        self._changed(f"waiting for the debugger on {self.host}:{self.port}: its timeout and "
                      "API Gateway's 29 s stand still meanwhile")

        async def ended() -> None:
            await process.wait()
            if self._debuggee is debuggee:
                self._debuggee = None
            self._waiting = False
            self._update()

        self._watch = asyncio.ensure_future(ended())

    def _ready(self) -> None:
        self._waiting = False
        self._changed("debugger attached")

    def _changed(self, what: str) -> None:
        self._update()
        self._say(f"[{self.function}] {what}")

    def _update(self) -> None:
        if self._waiting or self._threads.held:
            self.clock.pause()
        else:
            self.clock.resume()

    # -- the IDE -----------------------------------------------------------------------

    async def _ide_connected(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
        if self._link is not None and not self._link.done():
            self._say(f"[{self.function}] a second debugger connection refused: one at a time")
            writer.close()
            return
        self._link = asyncio.current_task()
        try:
            if self._debuggee is None:
                self._debuggee = asyncio.get_running_loop().create_future()
                self._say(f"[{self.function}] debugger connected: it attaches when the "
                          "function's next environment starts (its next invocation)")
            port, cwd, process = await asyncio.shield(self._debuggee)
            upstream = await _connect(port, process)
            if upstream is None:
                return
            link = Link([(str(self.source), str(cwd))], self._threads, self._ready)
            try:
                await link.run((reader, writer), upstream)
            finally:
                upstream[1].close()
        finally:
            writer.close()


async def _connect(port: int, process: Process
                   ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    """The debuggee's debugpy, once it listens; None if the environment died first."""
    while process.returncode is None:
        try:
            return await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            await asyncio.sleep(CONNECT_RETRY_S)
    return None


class DebugSpawner:
    """Starts each environment of the debugged function as a fresh interpreter running
    `bootstrap.py` (a fork of the fork server could not carry debugpy's threads)."""

    def __init__(self, session: DebugSession, python: str = sys.executable) -> None:
        self.session = session
        self.python = python

    async def spawn(self, handler: str, *, env: dict[str, str], cwd: Path,
                    output_fd: int) -> Process:
        await self.session.start()
        port = _free_port()
        request = {"port": port, "handler": handler, "debugpy": str(debugpy_path())}
        process = await asyncio.create_subprocess_exec(
            self.python, str(BOOTSTRAP), json.dumps(request), cwd=cwd, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=output_fd, stderr=output_fd,
            start_new_session=True, preexec_fn=die_with_parent)
        self.session.started(port, cwd, process)
        return process

    async def prepare(self) -> None:
        pass

    async def close(self) -> None:
        pass


def debugpy_path() -> Path:
    """A folder holding debugpy and nothing else (a link to the installed package), so an
    environment can import it without seeing the rest of the workbench's packages."""
    import debugpy

    folder = config.cache_dir() / f"debugpy-{debugpy.__version__}"
    link = folder / "debugpy"
    if not link.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            link.symlink_to(Path(debugpy.__file__).parent, target_is_directory=True)
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
