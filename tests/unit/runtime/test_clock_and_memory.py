"""The fake clock's timers, and the memory watch's reads of /proc."""

from __future__ import annotations

import asyncio
import os

from workbench.runtime.memory import MemoryWatch
from workbench.runtime.types import FakeClock


def test_fake_clock_runs_due_timers_only_and_skips_cancelled_ones() -> None:
    clock = FakeClock()
    fired: list[str] = []
    clock.call_later(1.0, lambda: fired.append("one"))
    clock.call_later(5.0, lambda: fired.append("five"))
    clock.call_later(2.0, lambda: fired.append("cancelled")).cancel()
    clock.advance(2.0)
    assert fired == ["one"] and clock.sleepers == 1
    clock.advance(3.0)
    assert fired == ["one", "five"] and clock.sleepers == 0


def test_fake_clock_sleep_wakes_on_advance() -> None:
    async def main() -> bool:
        clock = FakeClock()
        sleeper = asyncio.ensure_future(clock.sleep(10.0))
        await asyncio.sleep(0)
        clock.advance(9.0)
        await asyncio.sleep(0)
        early = sleeper.done()
        clock.advance(1.0)
        await sleeper
        return early

    assert asyncio.run(main()) is False


def test_memory_watch_reads_a_live_process_and_survives_a_missing_one() -> None:
    async def main() -> tuple[int, int, bool]:
        alive = MemoryWatch(os.getpid(), 1_000_000, lambda: None)
        missing = MemoryWatch(2**22 + 1, 128, lambda: None)  # above the largest pid Linux allows
        exceeded = alive.check_peak() or missing.check_peak()
        result = alive.peak_mb(), missing.peak_mb(), exceeded
        alive.stop()
        missing.stop()
        return result

    peak, missing, exceeded = asyncio.run(main())
    assert peak > 0 and missing == 0 and not exceeded
