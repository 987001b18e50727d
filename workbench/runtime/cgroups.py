"""Each environment's process tree in cgroups of its own: counted, limited and ended together.

Lambda meters and discards the whole sandbox, every process in it. On Linux with cgroup v1
(memory, pids and freezer controllers, writable: root, or a delegated hierarchy) each
environment gets a child of the cgroup the workbench itself runs in, named after it:

    <mount>/<controller>/<the workbench's cgroup>/lambda-workbench-<pid>/<environment id>

The environment's first act is to join them (see sandbox/zygote.py), so every descendant,
detached or not, is a member. Ending it freezes the group, SIGKILLs every member, thaws it
and waits until it is empty; nothing forked in between escapes. A watchdog process (its own
session) does the same for all of them if the workbench dies without closing, and a
workbench that starts removes what a dead one left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil

from workbench.runtime.process import ZYGOTE

CONTROLLERS = ("memory", "pids", "freezer")
PREFIX = "lambda-workbench-"
# Lambda quotas: "Execution processes/threads: 1,024" per execution environment.
PROCESS_LIMIT = 1024
FREEZE_WAIT_S = 2.0
_serial = itertools.count(1)


def own_cgroups() -> dict[str, Path]:
    """controller -> the directory of the cgroup this process is in (cgroup v1 only)."""
    try:
        return parse_membership(Path("/proc/self/mountinfo").read_text(),
                                Path("/proc/self/cgroup").read_text())
    except OSError:
        return {}


def parse_membership(mountinfo: str, membership: str) -> dict[str, Path]:
    """From /proc/self/mountinfo and /proc/self/cgroup: controller -> our cgroup's folder."""
    roots: dict[str, tuple[str, str]] = {}  # controller -> (mount root, mount point)
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] != "cgroup":
            continue
        for option in tail[2].split(","):
            if option in CONTROLLERS:
                roots[option] = (fields[3], fields[4])
    found: dict[str, Path] = {}
    for line in membership.splitlines():
        _, names, path = line.split(":", 2)
        for name in names.split(","):
            if name in roots:
                root, point = roots[name]
                root = root.rstrip("/")
                inside = path == root or path.startswith(root + "/")
                relative = path[len(root):] if inside else path
                found[name] = Path(point + relative.rstrip("/"))
    return found


def available() -> bool:
    """Can this process create the cgroups an environment needs (without creating any)?"""
    own = own_cgroups()
    return sys.platform == "linux" and set(own) == set(CONTROLLERS) and all(
        os.access(directory, os.W_OK) for directory in own.values())


@dataclass
class Group:
    """One environment's cgroups."""

    dirs: dict[str, Path]

    @property
    def procs_files(self) -> tuple[str, ...]:
        return tuple(str(d / "cgroup.procs") for d in self.dirs.values())

    def pids(self) -> list[int]:
        try:
            text = (self.dirs["pids"] / "cgroup.procs").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def memory_file(self, name: str) -> str:
        return str(self.dirs["memory"] / name)

    async def kill(self) -> None:
        """SIGKILL every process in the group, frozen first so none can fork meanwhile."""
        freezer = self.dirs["freezer"] / "freezer.state"
        with contextlib.suppress(OSError):
            freezer.write_text("FROZEN")
            await _wait_for(lambda: freezer.read_text().strip() == "FROZEN")
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            freezer.write_text("THAWED")  # a frozen process cannot act on its SIGKILL
        await _wait_for(lambda: not self.pids())

    def remove(self) -> None:
        for directory in self.dirs.values():
            with contextlib.suppress(OSError):
                directory.rmdir()


class Hierarchy:
    """The workbench's own cgroups (one per Runtime), under which environments get theirs."""

    def __init__(self, base: dict[str, Path]) -> None:
        self.base = base
        self._watchdog: subprocess.Popen[bytes] | None = None

    @classmethod
    def open(cls) -> Hierarchy | None:
        """None when this machine gives us no writable memory, pids and freezer cgroups."""
        own = own_cgroups()
        if set(own) != set(CONTROLLERS) or sys.platform != "linux":
            return None
        for parent in own.values():
            remove_stale(parent)
        suffix = f"{PREFIX}{os.getpid()}-{next(_serial)}"
        base = {name: own[name] / suffix for name in own}
        try:
            for directory in base.values():
                directory.mkdir()
        except OSError:
            for directory in base.values():
                with contextlib.suppress(OSError):
                    directory.rmdir()
            return None
        hierarchy = cls(base)
        hierarchy._start_watchdog()
        return hierarchy

    def create(self, name: str, memory_limit_mb: int) -> Group:
        dirs = {controller: base / name for controller, base in self.base.items()}
        for directory in dirs.values():
            directory.mkdir(exist_ok=True)
        memory = dirs["memory"]
        limit = str(memory_limit_mb * 1024 * 1024)
        (memory / "memory.limit_in_bytes").write_text(limit)
        for optional, value in (("memory.memsw.limit_in_bytes", limit),
                                ("memory.swappiness", "0")):
            with contextlib.suppress(OSError):  # swap accounting may be off
                (memory / optional).write_text(value)
        (dirs["pids"] / "pids.max").write_text(str(PROCESS_LIMIT))
        return Group(dirs)

    async def close(self) -> None:
        """Every environment is gone by now; remove the folders, stop the watchdog."""
        for controller, base in self.base.items():
            for child in _children(base):
                await Group({c: self.base[c] / child.name for c in self.base}).kill()
                Group({controller: child}).remove()
            with contextlib.suppress(OSError):
                base.rmdir()
        if self._watchdog is not None and self._watchdog.stdin is not None:
            self._watchdog.stdin.close()
            self._watchdog.wait()

    def _start_watchdog(self) -> None:
        # Its stdin is a pipe from us: end of file, however we died, makes it kill and
        # remove what is left under our folders. Its own session: a signal to our
        # process group does not take it first.
        self._watchdog = subprocess.Popen(
            [sys.executable, "-I", "-S", str(ZYGOTE), "watch",
             json.dumps([str(self.base[c]) for c in ("freezer", "pids", "memory")])],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, env={})


def remove_stale(parent: Path) -> None:
    """Folders a workbench that is gone left behind: end their processes, remove them."""
    for base in parent.glob(f"{PREFIX}*"):
        owner = base.name[len(PREFIX):].split("-", 1)[0]
        if owner.isdigit() and psutil.pid_exists(int(owner)):
            continue
        for child in [*_children(base), base]:
            _kill_members(child)
            with contextlib.suppress(OSError):
                child.rmdir()


def _kill_members(directory: Path) -> None:
    with contextlib.suppress(OSError):
        for pid in (directory / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


def _children(base: Path) -> list[Path]:
    with contextlib.suppress(OSError):
        return [p for p in base.iterdir() if p.is_dir()]
    return []




async def _wait_for(done: object, deadline_s: float = FREEZE_WAIT_S) -> None:
    """Poll a condition the kernel settles within milliseconds (freezing, exiting)."""
    assert callable(done)
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while not done() and loop.time() < end:
        await asyncio.sleep(0.001)
