"""File descriptors: what an execution environment costs the workbench, and running out.

Each environment holds up to seven descriptors in the workbench's process while it lives
(its Runtime API's listening socket, the runtime's connection to it, the read end of its
output pipe, /proc/<pid>/status, its cgroup's memory.stat and pids.current, and a pidfd
when it is a fresh interpreter), and briefly a few more while it starts (the pipe's write
end, /dev/null for the spawn, the fork server's request, /proc/net/tcp on accept). Under a
low RLIMIT_NOFILE (`ulimit -n 256` is macOS's default) a burst of cold starts would
otherwise fail half-way, or worse, start a runtime whose connection the server can no
longer accept. So a cold start first checks the headroom, and any EMFILE/ENFILE while
starting is the same error.
"""

from __future__ import annotations

import errno
import os
import resource

from workbench.errors import ServiceException

HELD_PER_ENVIRONMENT = 7  # measured: see the module docstring
PEAK_PER_START = 9  # while starting, before the spawn's own descriptors are closed again
# Left for the HTTP server to accept connections and open files while environments start.
RESERVE = 16
_FD_DIR = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"


class NoDescriptors(ServiceException):
    """An environment could not be created: the process is out of file descriptors.

    Lambda answers a failure of its own, not the function's, with ServiceException (500,
    "The Lambda service encountered an internal error"; Invoke API reference, Errors)."""

    def __init__(self, function: str, in_use: int | None = None) -> None:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        used = f"{in_use} of {soft}" if in_use is not None else f"all {soft}"
        super().__init__(
            f"Lambda could not create an execution environment for {function}: too many "
            f"open files ({used} descriptors in use; an environment needs "
            f"{HELD_PER_ENVIRONMENT}, see the README's 'File descriptors')")


def exhausted(error: OSError) -> bool:
    return error.errno in (errno.EMFILE, errno.ENFILE)


def check_headroom(function: str, starting: int) -> None:
    """Raise NoDescriptors unless `starting` environments (this one included) can start."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return
    try:
        in_use = len(os.listdir(_FD_DIR))
    except OSError as error:
        if exhausted(error):  # listing the directory needs a descriptor itself
            raise NoDescriptors(function) from None
        return
    if in_use + starting * PEAK_PER_START + RESERVE > soft:
        raise NoDescriptors(function, in_use)


# What an environment still needs once spawned: accepting its runtime's connection, and
# reading /proc/net/tcp and one /proc/<pid>/fd listing to admit it (workbench.runtime.peers).
ACCEPT_SPARE = 3


def require_spare(needed: int = ACCEPT_SPARE) -> None:
    """Raise EMFILE now unless `needed` more descriptors can still be opened: a runtime that
    started but whose connection cannot be accepted would hang its INIT instead."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return
    if len(os.listdir(_FD_DIR)) + needed > soft:  # the listing's own descriptor counts too
        raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
