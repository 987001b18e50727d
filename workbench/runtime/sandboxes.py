"""What this machine lets the workbench give each environment, and ending one completely.

- Linux, cgroup v1 writable (root): the process tree in cgroups of its own (cgroups.py),
  memory measured over the tree, limited by the kernel as a backstop, everything killed.
- Linux with mount namespaces (root): a private tmpfs on /tmp of EphemeralStorage's size.
- Elsewhere (macOS, no root): the runtime process is a child subreaper where the OS has
  one, the tree is stopped and killed from its root, memory is the runtime process's, and
  /tmp is a TMPDIR of its own whose size is checked after each invocation.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil

from workbench.runtime import cgroups
from workbench.runtime.process import ZYGOTE, Process, kill_tree

TMP_ROOT_NAME = "lambda-workbench"


@functools.cache
def private_tmp_allowed() -> bool:
    """Tried once per workbench process: can a child mount its own /tmp?"""
    if sys.platform != "linux":
        return False
    try:
        out = subprocess.run([sys.executable, "-I", "-S", str(ZYGOTE), "probe"],
                             capture_output=True, text=True, timeout=30, env={},
                             stdin=subprocess.DEVNULL)
        return bool(json.loads(out.stdout).get("private_tmp"))
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return False


def with_link_targets(folders: list[str]) -> tuple[str, ...]:
    """`folders`, and where each link at the top of one points. A private /tmp binds back
    what an environment is told to keep: named this way, a target under the host's /tmp
    (a cache, a virtualenv in a CI clone) is not hidden."""
    found = list(folders)
    for folder in folders:
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            found += [os.path.realpath(e.path) for e in entries if e.is_symlink()]
    return tuple(found)


def package_folders(code_uri: Path, layers: tuple[Path, ...]) -> tuple[str, ...]:
    """The folders a function's package is made of, read-only in its sandbox as Lambda's
    /var/task and /opt are: its task root, its layers, and where a link at the top of one
    points (the default model stays a link into the cache, see build/code.py)."""
    return with_link_targets([str(code_uri), *(str(p) for p in layers)])


@dataclass
class Confinement:
    """One environment's sandbox: its cgroups (or none), and its /tmp."""

    group: cgroups.Group | None
    tmp_mb: int | None  # a private tmpfs of this size on /tmp
    tmpdir: Path | None  # else a folder of its own, named by TMPDIR
    tmp_limit_mb: int

    async def end(self, process: Process | None) -> None:
        """Kill every process of the environment; the runtime process is reaped by its
        spawner, the rest are gone from the cgroup when this returns."""
        if self.group is None:
            if process is not None and process.returncode is None:
                kill_tree(process.pid)
            return
        if process is not None and process.returncode is None:
            # First, by pid: it may not have joined its cgroups yet (it does so before any
            # of the function's code runs, so it has no children then).
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
        await self.group.kill()

    def remove(self) -> None:
        if self.group is not None:
            self.group.remove()
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def tmp_used_mb(self) -> float:
        """TMPDIR's size (only without a private /tmp, where the kernel does not limit it)."""
        if self.tmpdir is None:
            return 0.0
        total = 0
        for root, _, files in os.walk(self.tmpdir):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(root, name)).st_blocks * 512
        return total / (1024 * 1024)


class SandboxHost:
    """Per Runtime: the cgroups it creates environments under, and its TMPDIR folder."""

    def __init__(self) -> None:
        self.hierarchy = cgroups.Hierarchy.open()
        self.private_tmp = private_tmp_allowed()
        self._tmp_root: Path | None = None

    @property
    def description(self) -> str:
        tree = "cgroups (memory, pids, freezer)" if self.hierarchy else "process group"
        tmp = "private tmpfs /tmp" if self.private_tmp else "TMPDIR per environment"
        return f"{tree}, {tmp}"

    def confine(self, env_id: str, memory_mb: int, tmp_mb: int) -> Confinement:
        # (templates, #14) a nested stack's function is "Child/Function": no "/" in a name.
        env_id = env_id.replace("/", "-")
        group = None
        if self.hierarchy is not None:
            # The kernel's limit is a backstop above MemorySize: tmpfs pages are charged to
            # the cgroup although Lambda's /tmp is not memory; the sampler enforces MemorySize.
            group = self.hierarchy.create(env_id, memory_mb + tmp_mb)
        if self.private_tmp:
            return Confinement(group, tmp_mb, None, tmp_mb)
        tmpdir = Path(tempfile.mkdtemp(prefix=f"{env_id}-", dir=self._tmp_folder()))
        return Confinement(group, None, tmpdir, tmp_mb)

    def _tmp_folder(self) -> Path:
        if self._tmp_root is None:
            shared = Path(tempfile.gettempdir()) / TMP_ROOT_NAME
            shared.mkdir(exist_ok=True)
            remove_stale_tmp(shared)
            self._tmp_root = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=shared))
        return self._tmp_root

    async def close(self) -> None:
        if self.hierarchy is not None:
            await self.hierarchy.close()
        if self._tmp_root is not None:
            shutil.rmtree(self._tmp_root, ignore_errors=True)


def remove_stale_tmp(shared: Path) -> None:
    """TMPDIR folders of workbenches that are gone (killed without cleaning up)."""
    for folder in shared.iterdir():
        owner = folder.name.split("-", 1)[0]
        if owner.isdigit() and not psutil.pid_exists(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
