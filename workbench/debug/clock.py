"""A clock whose timers stand still while the debugger holds the function.

Every deadline of a debugged function (INIT's limit, the function timeout, API Gateway's
29 s) is a timer on this clock. While the environment waits for the IDE, or any of its
threads is stopped at a breakpoint, the timers do not run; they resume with the time
they had left. Time itself (`now`) is the real clock's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from workbench.runtime.types import Clock, Timer


class PausableClock:
    def __init__(self, base: Clock) -> None:
        self.base = base
        self.paused = False
        self._timers: set[_Timer] = set()

    def now(self) -> float:
        return self.base.now()

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Timer:
        timer = _Timer(self, seconds, callback)
        self._timers.add(timer)
        if not self.paused:
            timer.arm()
        return timer

    async def sleep(self, seconds: float) -> None:
        await self.base.sleep(seconds)  # sleeps are not deadlines: they run on

    def pause(self) -> None:
        if not self.paused:
            self.paused = True
            for timer in self._timers:
                timer.disarm()

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            for timer in list(self._timers):
                timer.arm()

    def forget(self, timer: _Timer) -> None:
        self._timers.discard(timer)


class _Timer:
    def __init__(self, clock: PausableClock, seconds: float, callback: Callable[[], object]
                 ) -> None:
        self.clock = clock
        self.left = seconds  # what is left of it when it last stopped
        self.callback = callback
        self._handle: Timer | None = None
        self._armed_at = 0.0

    def arm(self) -> None:
        self._armed_at = self.clock.base.now()
        self._handle = self.clock.base.call_later(max(0.0, self.left), self._fire)

    def disarm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            self.left -= self.clock.base.now() - self._armed_at

    def cancel(self) -> None:
        self.disarm()
        self.clock.forget(self)

    def _fire(self) -> None:
        self._handle = None
        self.clock.forget(self)
        self.callback()


async def within(future: asyncio.Future[Any], seconds: float, clock: Clock) -> bool:
    """Wait for `future` up to `seconds` on `clock`; whether it is done. Neither the
    timeout nor the waiter being cancelled cancels `future`. One done callback and one
    timer: every API Gateway request waits here, and asyncio.wait's sets, extra futures
    and callbacks cost more than the rest of the wait."""
    if future.done():
        return True
    woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake(*_: object) -> None:
        if not woken.done():
            woken.set_result(None)

    future.add_done_callback(wake)
    timer = clock.call_later(seconds, wake)
    try:
        await woken
    finally:
        timer.cancel()
        future.remove_done_callback(wake)
    return future.done()
