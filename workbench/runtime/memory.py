"""The memory limit: MemorySize enforced on the process, peak use measured.

Lambda kills a sandbox that goes over its MemorySize and reports Max Memory Used as the
peak. Here the kernel's own high-water mark (VmHWM) is the peak, so a spike between two
samples is still caught after the fact; sampling VmRSS while busy kills a runaway early.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path

SAMPLE_INTERVAL_S = 0.01


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class MemoryWatch:
    def __init__(self, pid: int, limit_mb: int, on_exceeded: Callable[[], None]) -> None:
        self.pid = pid
        self.limit_kb = limit_mb * 1024
        self.on_exceeded = on_exceeded
        self.exceeded = False
        self._last_peak_kb = 0
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
        while True:
            if _status_kb(self.pid, "VmRSS") > self.limit_kb:
                self.exceeded = True
                self.on_exceeded()
                return
            await asyncio.sleep(SAMPLE_INTERVAL_S)

    def check_peak(self) -> bool:
        """True (and marked exceeded) if the peak went over the limit since the last look."""
        peak = _status_kb(self.pid, "VmHWM")
        self._last_peak_kb = max(self._last_peak_kb, peak)
        if peak > self.limit_kb and not self.exceeded:
            self.exceeded = True
            return True
        return False

    def peak_mb(self) -> int:
        self._last_peak_kb = max(self._last_peak_kb, _status_kb(self.pid, "VmHWM"))
        return math.ceil(self._last_peak_kb / 1024)
