"""The workbench's side of the fork servers (`sandbox/zygote.py serve`): a Spawner.

One fork server per interpreter and import path (so a python3.12 function forks from a
Python 3.12 that has imported only awslambdaric), started on first use with an empty
environment and in its own session, so neither the developer's variables (not even in
/proc/self/environ) nor a Ctrl-C at the terminal reach it or its children.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

from workbench.runtime.process import (
    ZYGOTE,
    ExitedProcess,
    Launch,
    Process,
    SpawnRequest,
    SubprocessSpawner,
)


class _Zygote:
    def __init__(self, launch: Launch) -> None:
        self.launch = launch
        self.process: asyncio.subprocess.Process | None = None
        self.socket: socket.socket | None = None
        self.pending: list[asyncio.Future[int]] = []
        self.exits: dict[int, asyncio.Future[tuple[int, int]]] = {}
        self.early: dict[int, tuple[int, int]] = {}  # exits read before the spawn took them
        self.buffer = b""
        self.lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None \
            and self.socket is not None

    async def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = await asyncio.create_subprocess_exec(
                self.launch.python.path, "-I", *self.launch.flags(), str(ZYGOTE), "serve",
                str(theirs.fileno()), json.dumps(list(self.launch.runtime_path)),
                pass_fds=[theirs.fileno()], stdin=asyncio.subprocess.DEVNULL, env={},
                start_new_session=True)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self.socket = ours
        asyncio.get_running_loop().add_reader(ours.fileno(), self._read)

    async def fork(self, request: SpawnRequest) -> int:
        async with self.lock:
            if not self.running:
                await self.start()
            assert self.socket is not None
            pid_future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self.pending.append(pid_future)
            message = json.dumps({**request.sandbox(), "env": request.env}).encode()
            socket.send_fds(self.socket, [message + b"\n"], [request.output_fd])
            return await pid_future

    def take_exit(self, pid: int) -> asyncio.Future[tuple[int, int]]:
        """The future of `pid`'s exit; each pid is taken once, right after its fork."""
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        if pid in self.early:
            future.set_result(self.early.pop(pid))
        else:
            self.exits[pid] = future
        return future

    def _read(self) -> None:
        assert self.socket is not None
        try:
            data = self.socket.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.closed()
            return
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            message: dict[str, Any] = json.loads(line)
            if "pid" in message:
                self.pending.pop(0).set_result(message["pid"])
            elif "error" in message:  # it could not put the environment in its cgroups
                self.pending.pop(0).set_exception(OSError(message["error"]))
            else:
                result = (int(message["status"]), int(message.get("maxrss_kb", 0)))
                future = self.exits.pop(message["exited"], None)
                if future is None:
                    self.early[message["exited"]] = result
                elif not future.done():
                    future.set_result(result)

    def closed(self) -> None:
        if self.socket is not None:
            asyncio.get_running_loop().remove_reader(self.socket.fileno())
            self.socket.close()
            self.socket = None
        for future in self.pending:
            if not future.done():
                future.set_exception(OSError("the fork server exited"))
        for exit_ in self.exits.values():
            if not exit_.done():
                exit_.set_result((-9, 0))  # without the fork server no exit status is known
        self.pending.clear()
        self.exits.clear()

    async def close(self) -> None:
        if self.process is not None and self.process.returncode is None:
            if self.socket is not None:
                self.socket.shutdown(socket.SHUT_WR)  # the fork server stops on EOF
            await self.process.wait()
        if self.socket is not None:
            self.closed()


class ForkServerSpawner:
    """Forks environments from a pre-imported interpreter per Launch; an environment that
    needs settings read when an interpreter starts gets a fresh one instead."""

    def __init__(self) -> None:
        self._fallback = SubprocessSpawner()
        self._zygotes: dict[tuple[str, bool, tuple[str, ...]], _Zygote] = {}

    def _zygote(self, launch: Launch) -> _Zygote:
        key = (launch.python.path, launch.site, launch.runtime_path)
        if key not in self._zygotes:
            self._zygotes[key] = _Zygote(launch)
        return self._zygotes[key]

    async def spawn(self, request: SpawnRequest) -> Process:
        if request.exec_only:
            return await self._fallback.spawn(request)
        zygote = self._zygote(request.launch)
        pid = await zygote.fork(request)
        return ExitedProcess(pid, zygote.take_exit(pid))

    async def prepare(self, launches: list[Launch]) -> None:
        for launch in launches:
            zygote = self._zygote(launch)
            async with zygote.lock:
                if not zygote.running:
                    await zygote.start()

    async def close(self) -> None:
        await asyncio.gather(*(z.close() for z in self._zygotes.values()))
        self._zygotes.clear()
