"""The runtime's public types: what an invocation returns, and the clock it runs on."""

from __future__ import annotations

import asyncio
import json
import time
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

    def json(self) -> Any:
        """The payload parsed as JSON (Lambda payloads are JSON documents)."""
        return json.loads(self.payload)


class InitError(Exception):
    """INIT failed (import error, crash or timeout during INIT); the environment is gone."""

    def __init__(self, error_type: str, message: str, document: bytes, logs: str,
                 init_duration_ms: float) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.document = document  # the error JSON as Lambda returns it
        self.logs = logs
        self.init_duration_ms = init_duration_ms


class Clock(Protocol):
    """Time as the runtime sees it; tests pass a fake one to run timeouts without waiting."""

    def now(self) -> float:
        """Monotonic seconds."""

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FakeClock:
    """A clock that moves only when told: `advance()` wakes the sleepers whose time came.

    Lets tests of timeouts and idle reclaim run without waiting.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, future))
        await future

    @property
    def sleepers(self) -> int:
        return sum(not future.done() for _, future in self._sleepers)

    def advance(self, seconds: float) -> None:
        self._now += seconds
        waiting = []
        for deadline, future in self._sleepers:
            if future.done():
                continue
            if deadline <= self._now:
                future.set_result(None)
            else:
                waiting.append((deadline, future))
        self._sleepers = waiting
