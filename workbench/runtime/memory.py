"""The memory limit: MemorySize enforced on the process, peak use measured.

Lambda kills a sandbox that goes over its MemorySize and reports Max Memory Used as the
peak. Here the kernel's own high-water mark (VmHWM) is the peak, read once per
invocation, so a spike between two samples is still caught after the fact; sampling the
resident size (statm, cheap) every 10 ms while busy kills a runaway early. Both /proc
files stay open for the process's life: a re-read from offset 0 costs half a fresh open,
and an fd cannot be fooled by the pid being reused.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable

from workbench.runtime.descriptors import exhausted

SAMPLE_INTERVAL_S = 0.01
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class _ProcFile:
    def __init__(self, path: str) -> None:
        try:
            self.fd = os.open(path, os.O_RDONLY)
        except OSError as error:
            if exhausted(error):  # the environment cannot be watched: it must not start
                raise
            self.fd = -1

    def read(self) -> bytes:
        if self.fd < 0:
            return b""
        try:
            return os.pread(self.fd, 4096, 0)
        except OSError:  # the process is gone
            return b""

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class MemoryWatch:
    def __init__(self, pid: int, limit_mb: int, on_exceeded: Callable[[], None]) -> None:
        self.limit_kb = limit_mb * 1024
        self.on_exceeded = on_exceeded
        self.exceeded = False
        self._peak_kb = 0
        self._statm = _ProcFile(f"/proc/{pid}/statm")
        try:
            self._status = _ProcFile(f"/proc/{pid}/status")
        except OSError:
            self._statm.close()
            raise
        self._timer: asyncio.TimerHandle | None = None
        self.watch()  # INIT counts too

    def watch(self) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(SAMPLE_INTERVAL_S, self._sample)

    def unwatch(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def stop(self) -> None:
        self.unwatch()
        self._statm.close()
        self._status.close()

    def resident_kb(self) -> int:
        try:
            return int(self._statm.read().split()[1]) * PAGE_KB
        except (ValueError, IndexError):
            return 0

    def _sample(self) -> None:
        # A fast invocation ends before the first sample: its peak is checked after.
        self._timer = None
        if self.resident_kb() > self.limit_kb:
            self.exceeded = True
            self.on_exceeded()
        else:
            self.watch()

    def check_peak(self) -> bool:
        """Read the peak; True (and marked exceeded) if it went over the limit unseen."""
        data = self._status.read()
        try:
            start = data.index(b"VmHWM:") + 6
            self._peak_kb = max(self._peak_kb, int(data[start:data.index(b"kB", start)]))
        except ValueError:
            pass
        if self._peak_kb > self.limit_kb and not self.exceeded:
            self.exceeded = True
            return True
        return False

    def peak_mb(self) -> int:
        """The peak as of the last check (Max Memory Used)."""
        return math.ceil(self._peak_kb / 1024)
