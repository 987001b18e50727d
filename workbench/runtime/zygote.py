"""The fork server: a process that has imported awslambdaric once and forks environments.

Starting a Python interpreter and importing the runtime interface client costs ~50 ms
per environment, which Lambda's own runtime does not spend on the user's behalf in the
same way. Each environment is still a fresh OS process whose handler module is imported
from scratch (the INIT being measured); only the runtime client's import is shared.

Run as `python -m workbench.runtime.zygote <fd>`: requests arrive on the Unix socket `fd`
as one JSON line each with the environment's output fd attached (SCM_RIGHTS); replies
are JSON lines `{"pid": N}` (in request order) and `{"exited": N, "status": S}`.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys

# What awslambdaric needs, imported once. Its C runtime client fixes its endpoint when
# its C extension `runtime_client` is loaded (once per process), so it, and the modules
# importing it, are left for each child to import with its own endpoint.
import awslambdaric.lambda_config  # noqa: F401
import awslambdaric.lambda_context  # noqa: F401
import awslambdaric.lambda_runtime_log_utils  # noqa: F401
import awslambdaric.lambda_runtime_marshaller  # noqa: F401

from workbench.runtime.process import die_with_parent

BASE_PATH = sys.path[1:]  # without this module's own directory entry


def _child(request: dict[str, object], out_fd: int, control: socket.socket) -> None:
    control.close()
    os.setsid()
    die_with_parent()  # the zygote is the parent; it dies with the workbench
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    os.close(devnull)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    env = dict(request["env"])  # type: ignore[call-overload]
    cwd = str(request["cwd"])
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    import time

    time.tzset()
    # What `python -m awslambdaric` would see: its cwd first, then PYTHONPATH, then site.
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = [cwd, *extra, *BASE_PATH]
    if "random" in sys.modules:
        sys.modules["random"].seed()  # a fresh interpreter seeds from the OS
    try:
        import awslambdaric.__main__ as ric_main

        ric_main.main(["awslambdaric", str(request["handler"])])
    finally:
        os._exit(1)


def _reap(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        control.sendall(json.dumps({"exited": pid, "status": code}).encode() + b"\n")


def serve(control: socket.socket) -> None:
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    buffer = b""
    while True:
        ready, _, _ = select.select([control.fileno(), wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 4096)
            _reap(control)
        if control.fileno() not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(control, 1 << 20, 4)
        if not data:
            return  # the workbench went away: stop; children are their own sessions
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            out_fd = fds.pop(0)
            pid = os.fork()
            if pid == 0:
                _child(json.loads(line), out_fd, control)
            os.close(out_fd)
            control.sendall(json.dumps({"pid": pid}).encode() + b"\n")


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))
