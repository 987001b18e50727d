"""Running the dev server: uvicorn with the workbench's protocol, and an orderly stop.

On SIGTERM, or Ctrl-C (the terminal sends SIGINT to its whole process group; the fork
server has a session of its own and never sees it):
1. the listening socket closes, so new connections are refused; idle connections close,
   busy ones after their response;
2. requests in flight get `shutdown_grace_s` to finish (a second Ctrl-C stops waiting);
3. then a request still arriving is answered 503 by the protocol, and one still waiting
   for its function is cancelled and answers with its AWS error (API Gateway's 500, the
   Invoke API's ServiceException), never uvicorn's plain-text 500 and a traceback;
4. the lifespan ends: Event invocations drain, every environment and the fork server are
   stopped, the recording is closed.
"""

from __future__ import annotations

import asyncio
import socket
import time

import uvicorn

from workbench.config import Settings
from workbench.errors import WorkbenchError
from workbench.server.app import DevApp
from workbench.server.protocol import HttpProtocol, Limits

# After the grace period, how long cancelled requests get to send their error answer.
LAST_WORDS_S = 2.0


class DevServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: DevApp, grace_s: float) -> None:
        super().__init__(config)
        self.app = app
        self.grace_s = grace_s

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        ctx = self.app.context
        ctx.dashboard.close()  # its open event streams end now, not at the grace's end
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        pending = set(self.server_state.tasks)
        if pending:
            ctx.console.stopping(len(pending), self.grace_s)
            pending = await self._wait(pending, self.grace_s)
        if pending:
            for connection in list(self.server_state.connections):
                if isinstance(connection, HttpProtocol):
                    connection.stop()
            pending = await self._wait(pending, 0.1)  # those just answered end by themselves
            for task in pending:
                task.cancel()
            await self._wait(pending, LAST_WORDS_S)
        await self.lifespan.shutdown()

    async def _wait(self, tasks: set[asyncio.Task[None]], seconds: float
                    ) -> set[asyncio.Task[None]]:
        """Wait for `tasks` up to `seconds` (less on a second Ctrl-C); return those left."""
        deadline = time.monotonic() + seconds
        while tasks and not self.force_exit and (left := deadline - time.monotonic()) > 0:
            _, tasks = await asyncio.wait(tasks, timeout=min(left, 0.1))
        return tasks


def serve(app: DevApp, settings: Settings, listener: socket.socket) -> bool:
    """Serve on `listener` (see `listen`) until stopped; False if it could not start."""
    server = DevServer(uvicorn.Config(
        app, host=settings.host, port=settings.port,
        http=HttpProtocol.bind(Limits.of(settings)), ws="none", lifespan="on",
        log_level="warning", access_log=False,
        # API Gateway answers without a Server header and takes the client's address from
        # the connection, not from X-Forwarded-For.
        server_header=False, proxy_headers=False), app, settings.shutdown_grace_s)
    server.run(sockets=[listener])
    return server.started


def listen(host: str, port: int) -> socket.socket:
    """The server's socket, made first: an address that cannot be used is one clear error
    before a template is read, a trace file opened or an environment started."""
    listener: socket.socket | None = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)
    except OSError as error:
        if listener is not None:
            listener.close()
        raise WorkbenchError(f"cannot listen on {host}:{port}: {error.strerror or error}"
                             ) from None
    return listener
