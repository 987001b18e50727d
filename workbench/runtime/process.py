"""Starting the OS process of an environment, and reading what it prints.

Spawners are pluggable (a Protocol): the default starts a fresh interpreter running
AWS's runtime interface client, `python -m awslambdaric <handler>`, as Lambda does.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

PR_SET_PDEATHSIG = 1


class Process(Protocol):
    pid: int

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...


class Spawner(Protocol):
    async def spawn(self, handler: str, *, env: dict[str, str], cwd: Path,
                    output_fd: int) -> Process: ...

    async def prepare(self) -> None:
        """Get ready to spawn quickly (called once when the runtime starts)."""

    async def close(self) -> None: ...


@dataclass(frozen=True)
class SubprocessSpawner:
    """A new interpreter per environment: the honest cold start."""

    python: str = sys.executable

    async def spawn(self, handler: str, *, env: dict[str, str], cwd: Path,
                    output_fd: int) -> Process:
        return await asyncio.create_subprocess_exec(
            self.python, "-m", "awslambdaric", handler,
            cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=output_fd, stderr=output_fd,
            start_new_session=True,  # its own process group: kill takes its children too
            preexec_fn=die_with_parent,
        )

    async def prepare(self) -> None:
        pass

    async def close(self) -> None:
        pass


def die_with_parent() -> None:
    """In a child: be killed when the parent goes, so no environment outlives a killed
    workbench (Linux's PR_SET_PDEATHSIG; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def kill(process: Process) -> None:
    """SIGKILL the process group; a process that is already gone is fine."""
    if process.returncode is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


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
