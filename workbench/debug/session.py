"""One debugged function: what its timers listen to, and what the console is told.

The function's timers (`clock`) stand still while its environment waits for the IDE or
any of its threads is held at a breakpoint, and run otherwise. The IDE's end (`front`:
the Debug Adapter Protocol for VS Code and other DAP clients, pydevd's for PyCharm) tells
the session what it sees on the wire.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Protocol

from workbench.debug.clock import PausableClock
from workbench.runtime.process import Launch, Process, SpawnRequest, SubprocessSpawner
from workbench.runtime.sandboxes import with_link_targets
from workbench.runtime.types import Clock

BOOTSTRAP = Path(__file__).parent / "bootstrap.py"


class Front(Protocol):
    """How the IDE reaches a debugged environment."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def prepare(self, cwd: Path) -> dict[str, Any]:
        """What the environment's bootstrap is told (besides the handler)."""

    def spawned(self, process: Process) -> None: ...


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


async def until_either(*pumps: Coroutine[Any, Any, None]) -> None:
    """Run both directions of a link until one of them ends; then stop the other."""
    tasks = [asyncio.ensure_future(pump) for pump in pumps]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


class DebugSession:
    def __init__(self, function: str, source: Path, clock: Clock, *, host: str, port: int,
                 say: Callable[[str], None]) -> None:
        self.function = function
        self.source = source  # the CodeUri the user edits
        self.host, self.port = host, port
        self.clock = PausableClock(clock)
        self.threads = Threads(lambda held: self.tell(
            "stopped in the debugger: its timeout and API Gateway's 29 s stand still" if held
            else "running again: its timers resume"))
        self.front: Front | None = None
        self._say = say
        self._waiting = False

    async def start(self) -> None:
        assert self.front is not None
        await self.front.start()

    async def close(self) -> None:
        if self.front is not None:
            await self.front.close()

    def spawner(self) -> DebugSpawner:
        return DebugSpawner(self)

    def waiting(self, what: str) -> None:
        """A new environment waits for the IDE."""
        self._waiting = True
        self.tell(f"{what}: its timeout and API Gateway's 29 s stand still meanwhile")

    def ready(self) -> None:
        self._waiting = False
        self.tell("debugger attached")

    def ended(self) -> None:
        """The environment is gone (or the IDE left): nothing holds the function."""
        self._waiting = False
        self.threads.go(None, everything=True)
        self._update()

    def tell(self, what: str) -> None:
        self._update()
        self._say(f"[{self.function}] {what}")

    def _update(self) -> None:
        if self._waiting or self.threads.held:
            self.clock.pause()
        else:
            self.clock.resume()


class DebugSpawner:
    """Starts each environment of the debugged function as a fresh interpreter (a fork of
    the fork server could not carry the debugger's threads), in the same sandbox as any
    other; the sandbox runs `bootstrap.attach` before the runtime client starts."""

    # frozen standard modules would keep breakpoints in them from being hit (and pydevd
    # says so in the function's log)
    _fresh = SubprocessSpawner(interpreter_flags=("-Xfrozen_modules=off",))

    def __init__(self, session: DebugSession) -> None:
        self.session = session

    async def spawn(self, request: SpawnRequest) -> Process:
        front = self.session.front
        assert front is not None
        await self.session.start()
        debug = {"bootstrap": str(BOOTSTRAP), **await front.prepare(request.cwd)}
        # what its private /tmp keeps: the debugger's folder links to the installed package
        debug["folders"] = list(with_link_targets(
            [str(BOOTSTRAP.parent), debug.get("debugpy") or debug["pydevd"]]))
        process = await self._fresh.spawn(dataclasses.replace(
            request, exec_only=True, options={**request.options, "debug": debug}))
        front.spawned(process)
        return process

    async def prepare(self, launches: list[Launch]) -> None:
        pass

    async def close(self) -> None:
        pass
