"""The runtime's public types: what an invocation returns, and the clock it runs on."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class InvocationResult:
    request_id: str
    payload: bytes  # the function's response, or the error document (JSON) on a function error
    function_error: str | None  # None on success; "Unhandled" as in X-Amz-Function-Error
    error_type: str | None  # e.g. "ValueError", "Runtime.ImportModuleError", "Sandbox.Timedout"
    duration_ms: float
    init_duration_ms: float | None  # set when this invocation was a cold start
    max_memory_used_mb: int
    memory_size_mb: int
    cold: bool
    logs: str  # this invocation's log: START, the function's output, END, REPORT
    environment_id: str
    function: str = ""
    mode: str = ""  # "build" or "dev-venv": what ran the function
    python: str = ""  # the interpreter it ran on, "Python 3.12.1"

    def json(self) -> Any:
        """The payload parsed as JSON (Lambda payloads are JSON documents)."""
        return json.loads(self.payload)


class InitError(Exception):
    """INIT failed (import error, crash or timeout during INIT); its process tree is gone."""

    def __init__(self, error_type: str, message: str, document: bytes, logs: str,
                 init_duration_ms: float, status: str = "error",
                 max_memory_mb: int = 0, exit_description: str | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.document = document  # the error JSON as Lambda returns it
        self.logs = logs  # INIT's output, ending with its INIT_REPORT line
        self.init_duration_ms = init_duration_ms
        self.status = status  # "error" or "timeout", as INIT_REPORT says
        self.max_memory_mb = max_memory_mb
        self.exit_description = exit_description  # "exit status 4" when the process died


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    """Time as the runtime sees it; tests pass a fake one to run timeouts without waiting."""

    def now(self) -> float:
        """Monotonic seconds."""

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Timer: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Timer:
        return asyncio.get_running_loop().call_later(seconds, callback)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that moves only when told: `advance()` runs the timers whose time came.

    Lets tests of timeouts and idle reclaim run without waiting.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._timers: list[_FakeTimer] = []

    def now(self) -> float:
        return self._now

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Timer:
        timer = _FakeTimer(self._now + seconds, callback)
        self._timers.append(timer)
        return timer

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        self.call_later(seconds, wake)
        await future

    @property
    def sleepers(self) -> int:
        """Timers still waiting (sleeps included)."""
        return sum(not timer.cancelled for timer in self._timers)

    def advance(self, seconds: float) -> None:
        self._now += seconds
        due = [t for t in self._timers if t.deadline <= self._now and not t.cancelled]
        self._timers = [t for t in self._timers if t.deadline > self._now and not t.cancelled]
        for timer in due:
            timer.callback()


@dataclass
class _FakeTimer:
    deadline: float
    callback: Callable[[], object]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True
