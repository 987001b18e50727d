"""Starting the OS process of an environment, and reading what it prints.

Spawners are pluggable (a Protocol) and take one `SpawnRequest`: the handler, Lambda's
environment variables, the interpreter and what it may import (`Launch`), and the sandbox
(cgroups to join, a private /tmp). Both spawners start `sandbox/zygote.py` on the
function's interpreter, which enters the sandbox before any of the function's code runs:
this one as a fresh interpreter per environment (`zygote.py run`), the fork server by
forking a pre-imported one (forkserver.py).

Extra per-spawn options (a debugger, say) go in `SpawnRequest.options`: a JSON-able dict the
sandbox script receives with the rest of the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psutil

from workbench.runtime.interpreters import Interpreter

ZYGOTE = Path(__file__).parent / "sandbox" / "zygote.py"
Mounts = tuple[tuple[str, tuple[str, ...]], ...]  # (where, the folders mounted there)


@dataclass(frozen=True)
class Launch:
    """The interpreter an environment runs on, and what it may import."""

    python: Interpreter
    path: tuple[str, ...]  # sys.path before the standard library: task root, layers, runtime
    runtime_path: tuple[str, ...] = ()  # where awslambdaric is (the fork server imports it)
    site: bool = False  # the interpreter's site-packages too (the unfaithful dev-venv mode)
    mode: str = "build"  # "build" or "dev-venv", as the console and results name it

    def flags(self) -> list[str]:
        # -s: no user site; -S: no site-packages at all (only `path` and the stdlib).
        return ["-s"] if self.site else ["-s", "-S"]


@dataclass(frozen=True)
class SpawnRequest:
    handler: str
    env: dict[str, str]
    cwd: Path
    launch: Launch
    output_fd: int
    cgroups: tuple[str, ...] = ()  # cgroup.procs files the process joins first
    tmp_mb: int | None = None  # a private tmpfs on /tmp of this size (a mount namespace)
    read_only: tuple[str, ...] = ()  # folders mounted read-only in it (task root, layers)
    mounts: Mounts = ()  # the package where Lambda has it (lambda_paths.py), read-only
    subreaper: bool = False  # no cgroups: keep detached descendants under the process
    exec_only: bool = False  # needs its own exec (settings read at interpreter start)
    options: dict[str, Any] = field(default_factory=dict)  # e.g. a debugger's (issue #16)

    def sandbox(self) -> dict[str, Any]:
        """What the sandbox script is told (JSON), besides the environment variables."""
        return {"handler": self.handler, "cwd": str(self.cwd), "path": list(self.launch.path),
                "cgroups": list(self.cgroups), "tmp_mb": self.tmp_mb,
                "read_only": list(self.read_only),
                "mounts": [[where, list(folders)] for where, folders in self.mounts],
                "subreaper": self.subreaper, "options": self.options}


class Process(Protocol):
    pid: int

    @property
    def returncode(self) -> int | None: ...

    @property
    def maxrss_kb(self) -> int:
        """The process's peak resident size, known once it exited (0 before)."""

    async def wait(self) -> int: ...


class Spawner(Protocol):
    async def spawn(self, request: SpawnRequest) -> Process: ...

    async def prepare(self, launches: list[Launch]) -> None:
        """Get ready to spawn quickly (called once when the runtime starts)."""

    async def close(self) -> None: ...


class ExitedProcess:
    """A child whose exit is delivered to a future (by the fork server or by `watch_exit`)."""

    def __init__(self, pid: int, exited: asyncio.Future[tuple[int, int]]) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.maxrss_kb = 0
        self._exited = exited

    async def wait(self) -> int:
        returncode, self.maxrss_kb = await asyncio.shield(self._exited)
        self.returncode = returncode
        return returncode


class SubprocessSpawner:
    """A new interpreter per environment: the honest cold start."""

    def __init__(self, interpreter_flags: tuple[str, ...] = ()) -> None:
        self.interpreter_flags = interpreter_flags  # e.g. a debugger's -X options

    async def spawn(self, request: SpawnRequest) -> Process:
        launch = request.launch
        argv = [launch.python.path, *launch.flags(), *self.interpreter_flags, str(ZYGOTE),
                "run", json.dumps(request.sandbox())]
        devnull = os.open(os.devnull, os.O_RDONLY)
        try:
            pid = os.posix_spawn(argv[0], argv, request.env, setsid=True, file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0),
                (os.POSIX_SPAWN_DUP2, request.output_fd, 1),
                (os.POSIX_SPAWN_DUP2, request.output_fd, 2)])
        finally:
            os.close(devnull)
        return ExitedProcess(pid, watch_exit(pid))

    async def prepare(self, launches: list[Launch]) -> None:
        pass

    async def close(self) -> None:
        pass


def watch_exit(pid: int) -> asyncio.Future[tuple[int, int]]:
    """A future for (returncode, peak RSS in KiB) of our child `pid`, from wait4."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[tuple[int, int]] = loop.create_future()

    def reaped(status: int, rusage: Any) -> None:
        if not future.done():
            future.set_result((_returncode(status), int(rusage.ru_maxrss)))

    pidfd = _pidfd(pid)
    if pidfd is None:  # no pidfd (not Linux): a thread blocks in wait4 instead
        def wait() -> None:
            _, status, rusage = os.wait4(pid, 0)
            loop.call_soon_threadsafe(reaped, status, rusage)

        threading.Thread(target=wait, name=f"wait-{pid}", daemon=True).start()
        return future

    def readable() -> None:
        with contextlib.suppress(ChildProcessError):
            got, status, rusage = os.wait4(pid, os.WNOHANG)
            if got == 0:
                return
            reaped(status, rusage)
        loop.remove_reader(pidfd)
        os.close(pidfd)

    loop.add_reader(pidfd, readable)
    return future


def _pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return int(opener(pid))
    except OSError:
        return None


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (without cgroups, the environment's processes)."""
    try:
        root = psutil.Process(pid)
        return [pid, *(child.pid for child in root.children(recursive=True))]
    except psutil.Error:
        return []


def kill_tree(pid: int) -> None:
    """Without cgroups: stop the process and every descendant, then SIGKILL them all (a
    stopped process cannot fork meanwhile). The process is a subreaper, so children it
    left are still its descendants while it lives."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        tree = []
    for process in tree:
        with contextlib.suppress(psutil.Error):
            process.send_signal(signal.SIGSTOP)
    for process in tree:
        with contextlib.suppress(psutil.Error):
            process.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def exit_description(returncode: int) -> str:
    """How Lambda words a runtime's exit (its Go-based service prints it this way)."""
    if returncode < 0:
        names = {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault",
                 signal.SIGABRT: "aborted", signal.SIGTERM: "terminated",
                 signal.SIGBUS: "bus error", signal.SIGILL: "illegal instruction"}
        name = names.get(signal.Signals(-returncode), signal.Signals(-returncode).name)
        return f"signal: {name}"
    return f"exit status {returncode}"


class OutputReader:
    """Reads an environment's stdout+stderr pipe without blocking the event loop.

    `drain()` reads whatever is already in the pipe: a runtime prints before it posts its
    response, so draining when the response arrives puts every line in its invocation.
    """

    def __init__(self, on_data: Callable[[bytes], None]) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self._on_data = on_data
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.read_fd, self.drain)
        self.closed = False

    def drain(self) -> None:
        while not self.closed:
            try:
                chunk = os.read(self.read_fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self.close()
                return
            self._on_data(chunk)

    def close_write_end(self) -> None:
        """After spawning: only the child holds the write end, so EOF means it exited."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._loop.remove_reader(self.read_fd)
        os.close(self.read_fd)
        self.close_write_end()
