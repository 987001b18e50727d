"""The memory limit: MemorySize enforced on the process, peak use measured.

Lambda kills a sandbox that goes over its MemorySize and reports Max Memory Used as the
peak. Here the kernel's own high-water mark (VmHWM) is the peak, read once per
invocation, so a spike between two samples is still caught after the fact; sampling the
resident size (statm, cheap) every 10 ms while busy kills a runaway early.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable

SAMPLE_INTERVAL_S = 0.01
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def resident_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def peak_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            data = status.read()
        start = data.index(b"VmHWM:") + 6
        return int(data[start:data.index(b"kB", start)])
    except (OSError, ValueError):
        return 0


class MemoryWatch:
    def __init__(self, pid: int, limit_mb: int, on_exceeded: Callable[[], None]) -> None:
        self.pid = pid
        self.limit_kb = limit_mb * 1024
        self.on_exceeded = on_exceeded
        self.exceeded = False
        self._peak_kb = 0
        self._task: asyncio.Task[None] | None = None
        self.watch()  # INIT counts too

    def watch(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._sample())

    def unwatch(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def stop(self) -> None:
        self.unwatch()

    async def _sample(self) -> None:
        # A fast invocation ends before the first sample: its peak is checked after.
        while True:
            await asyncio.sleep(SAMPLE_INTERVAL_S)
            if resident_kb(self.pid) > self.limit_kb:
                self.exceeded = True
                self.on_exceeded()
                return

    def check_peak(self) -> bool:
        """Read the peak; True (and marked exceeded) if it went over the limit unseen."""
        self._peak_kb = max(self._peak_kb, peak_kb(self.pid))
        if self._peak_kb > self.limit_kb and not self.exceeded:
            self.exceeded = True
            return True
        return False

    def peak_mb(self) -> int:
        """The peak as of the last check (Max Memory Used)."""
        return math.ceil(self._peak_kb / 1024)
