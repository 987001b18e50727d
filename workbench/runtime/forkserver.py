"""The workbench's side of the fork server (`workbench.runtime.zygote`): a Spawner."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

from workbench.runtime.process import Process, SubprocessSpawner, die_with_parent

# awslambdaric reads these at import; an environment that sets them gets its own interpreter.
IMPORT_TIME_SETTINGS = ("AWS_LAMBDA_LOG_FORMAT", "AWS_LAMBDA_LOG_LEVEL")


class ForkedProcess:
    def __init__(self, pid: int, exited: asyncio.Future[int]) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._exited = exited

    async def wait(self) -> int:
        self.returncode = await asyncio.shield(self._exited)
        return self.returncode


class ForkServerSpawner:
    """Forks environments from one pre-imported interpreter; falls back to a subprocess
    for environments whose settings awslambdaric reads at import."""

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self._fallback = SubprocessSpawner(python)
        self._zygote: asyncio.subprocess.Process | None = None
        self._socket: socket.socket | None = None
        self._pending: list[asyncio.Future[int]] = []
        self._exits: dict[int, asyncio.Future[int]] = {}
        self._buffer = b""
        self._lock = asyncio.Lock()

    async def spawn(self, handler: str, *, env: dict[str, str], cwd: Path,
                    output_fd: int) -> Process:
        if any(env.get(key, "") != os.environ.get(key, "") for key in IMPORT_TIME_SETTINGS):
            return await self._fallback.spawn(handler, env=env, cwd=cwd, output_fd=output_fd)
        async with self._lock:
            if self._zygote is None or self._zygote.returncode is not None:
                await self._start()
            assert self._socket is not None
            pid_future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            self._pending.append(pid_future)
            message = json.dumps({"handler": handler, "env": env, "cwd": str(cwd)}).encode()
            socket.send_fds(self._socket, [message + b"\n"], [output_fd])
            pid = await pid_future
        return ForkedProcess(pid, self._exit_future(pid))

    async def prepare(self) -> None:
        async with self._lock:
            if self._zygote is None:
                await self._start()

    async def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._zygote = await asyncio.create_subprocess_exec(
            self.python, "-m", "workbench.runtime.zygote", str(theirs.fileno()),
            pass_fds=[theirs.fileno()], stdin=asyncio.subprocess.DEVNULL,
            # Its own session: Ctrl-C (SIGINT to the terminal's process group) must not end
            # it, and its environments, before the server's grace period; close() ends it.
            start_new_session=True, preexec_fn=die_with_parent)
        theirs.close()
        ours.setblocking(False)
        self._socket = ours
        asyncio.get_running_loop().add_reader(ours.fileno(), self._read)

    def _read(self) -> None:
        assert self._socket is not None
        try:
            data = self._socket.recv(65536)
        except BlockingIOError:
            return
        if not data:
            self._closed()
            return
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            message = json.loads(line)
            if "pid" in message:
                self._pending.pop(0).set_result(message["pid"])
            else:
                future = self._exit_future(message["exited"])
                if not future.done():
                    future.set_result(message["status"])

    def _exit_future(self, pid: int) -> asyncio.Future[int]:
        if pid not in self._exits:
            self._exits[pid] = asyncio.get_running_loop().create_future()
        return self._exits[pid]

    def _closed(self) -> None:
        if self._socket is not None:
            asyncio.get_running_loop().remove_reader(self._socket.fileno())
            self._socket.close()
            self._socket = None
        for future in [*self._pending, *self._exits.values()]:
            if not future.done():
                future.set_result(-9)  # without the zygote no exit status can be known

    async def close(self) -> None:
        if self._zygote is not None and self._zygote.returncode is None:
            if self._socket is not None:
                self._socket.shutdown(socket.SHUT_WR)  # the zygote stops on EOF
            await self._zygote.wait()
        if self._socket is not None:
            self._closed()
