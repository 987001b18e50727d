"""The memory limit: MemorySize enforced on the sandbox, peak use measured over its tree.

Lambda kills a sandbox that goes over its MemorySize and reports Max Memory Used as the
peak. Here the memory of an environment is the runtime process's resident size plus the
anonymous memory its descendants allocated (what the environment's memory cgroup holds
beyond the runtime's own; counted once however many processes share it). /tmp's pages do
not count, as on Lambda, where /tmp is a disk: written with write(), they are in no
process's resident size and not in the cgroup's anonymous memory.

It is sampled every 10 ms while the function runs, so a runaway allocation is killed
promptly; the kernel's own high-water mark of the runtime process (VmHWM while it runs,
wait4's ru_maxrss once it is gone) catches a spike between two samples after the fact.
The /proc and cgroup files stay open for the environment's life: a re-read from offset 0
costs half a fresh open, and an fd cannot be fooled by the pid being reused.
"""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Callable
from pathlib import Path

from workbench.runtime.descriptors import exhausted

SAMPLE_INTERVAL_S = 0.01


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
            return os.pread(self.fd, 8192, 0)
        except OSError:  # the process is gone
            return b""

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def field_kb(data: bytes, name: bytes) -> int:
    """`name:  123 kB` (or a bare number, as Threads:) in /proc/<pid>/status (0 if absent)."""
    start = data.find(name)
    if start < 0:
        return 0
    end = data.find(b"\n", start)
    try:
        return int(data[start + len(name):end if end >= 0 else len(data)].split()[0])
    except (ValueError, IndexError):
        return 0


def stat_bytes(data: bytes, name: bytes) -> int:
    """`name 123` at the start of a line of a cgroup's memory.stat (0 when absent)."""
    at = (b"\n" + data).find(b"\n" + name + b" ")  # where the line starts in `data`
    if at < 0:
        return 0
    end = data.find(b"\n", at)
    try:
        return int(data[at + len(name) + 1:end if end >= 0 else len(data)])
    except ValueError:
        return 0


class MemoryWatch:
    def __init__(self, pid: int, limit_mb: int, on_exceeded: Callable[[], None],
                 cgroup: dict[str, Path] | None = None) -> None:
        self.limit_kb = limit_mb * 1024
        self.on_exceeded = on_exceeded
        self.exceeded = False
        self._peak_kb = 0
        self._status = _ProcFile(f"/proc/{pid}/status")
        self._stat = self._tasks = None
        self._timer: asyncio.TimerHandle | None = None
        # Read only when the sampler runs or the process died: opened each time, not held.
        self._oom_control = cgroup["memory"] / "memory.oom_control" if cgroup else None
        if cgroup is not None:
            try:
                self._stat = _ProcFile(str(cgroup["memory"] / "memory.stat"))
                self._tasks = _ProcFile(str(cgroup["pids"] / "pids.current"))
            except OSError:
                self.stop()
                raise
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
        for handle in (self._status, self._stat, self._tasks):
            if handle is not None:
                handle.close()

    def used_kb(self, status: bytes) -> int:
        """The environment's memory now: the runtime's resident size plus what its
        descendants allocated (the cgroup's anonymous memory beyond the runtime's own).
        The cgroup's memory.stat is read only when the cgroup holds more tasks than the
        runtime's own threads (this is on the warm path; pids.current is the cheap file)."""
        used = field_kb(status, b"VmRSS:")
        if self._stat is not None and self._tasks is not None:
            try:
                tasks = int(self._tasks.read() or 0)
            except ValueError:
                tasks = 0
            if tasks > field_kb(status, b"Threads:"):
                tree_anon = stat_bytes(self._stat.read(), b"rss") // 1024
                used += max(0, tree_anon - field_kb(status, b"RssAnon:"))
        return used

    def _sample(self) -> None:
        # A fast invocation ends before the first sample: its peak is checked after.
        self._timer = None
        used = self.used_kb(self._status.read())
        self._peak_kb = max(self._peak_kb, used)
        if used > self.limit_kb or self.kernel_killed():
            self.exceeded = True
            self.on_exceeded()
        else:
            self.watch()

    def kernel_killed(self) -> bool:
        """The kernel's OOM killer struck inside the cgroup (its limit is a backstop)."""
        if self._oom_control is None:
            return False
        try:
            data = self._oom_control.read_bytes()
        except OSError:
            return False
        start = data.find(b"oom_kill ")
        return start >= 0 and data[start + 9:].split(b"\n", 1)[0].strip() not in (b"0", b"")

    def out_of_memory(self) -> bool:
        """Was the environment killed for memory, by the sampler or by the kernel?"""
        return self.exceeded or self.kernel_killed()

    def check_peak(self) -> bool:
        """Read the peak; True (and marked exceeded) if it went over the limit unseen."""
        status = self._status.read()
        self._peak_kb = max(self._peak_kb, field_kb(status, b"VmHWM:"), self.used_kb(status))
        if self._peak_kb > self.limit_kb and not self.exceeded:
            self.exceeded = True
            return True
        return False

    def exited(self, maxrss_kb: int) -> None:
        """The runtime process is gone: its peak as wait4 reported it."""
        self._peak_kb = max(self._peak_kb, maxrss_kb)

    def peak_mb(self) -> int:
        """The peak as of the last check (Max Memory Used)."""
        return math.ceil(self._peak_kb / 1024)
