"""Inside the sandbox: the process that becomes a function's runtime.

It runs on the function's own interpreter (CPython 3.9 .. 3.14) started with `-I -S` and an
empty environment, so nothing of the workbench or of the developer's virtualenv can be
imported: this file uses the standard library only and must parse on Python 3.9.

    python -I -S zygote.py serve FD     the fork server: imports awslambdaric's Python side
                                        once, then forks one environment per request
    python -I -S zygote.py run JSON     one environment in this very process (a fresh
                                        interpreter per environment)
    python -I -S zygote.py probe        what this machine allows (a private /tmp), as JSON

Fork server requests arrive on the Unix socket FD as one JSON line each, with the
environment's output pipe attached (SCM_RIGHTS); replies are JSON lines `{"pid": N}` (in
request order) and `{"exited": N, "status": S, "maxrss_kb": K}`.

Either way the environment first enters its sandbox (`enter`): its cgroups, its own session,
death with its parent, a private tmpfs on /tmp of EphemeralStorage's size (and the package
read-only at /var/task and /opt, where the workbench asks for it), stdio on the
output pipe and no other descriptor, Lambda's environment variables only, and sys.path =
task root, layers, the runtime's own libraries, the standard library. Then it runs
`awslambdaric <handler>`, as Lambda's bootstrap does.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The interpreter's own path without this folder (Python < 3.11 puts the script's folder first).
BASE_PATH = [p for p in sys.path if p and os.path.abspath(p) != HERE]
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 32, 4096, 16384
MS_PRIVATE = 1 << 18
_libc = ctypes.CDLL(None, use_errno=True)


def _call(name: str, *args: object) -> None:
    """A libc call that must succeed; OSError when it fails or does not exist (macOS)."""
    function = getattr(_libc, name, None)
    if function is None:
        raise OSError(0, f"{name}: not available on this system")
    if function(*args) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{name}: {os.strerror(errno)}")


def _prctl(option: int, value: int) -> None:
    try:
        _call("prctl", option, value)
    except OSError:
        pass  # not Linux: the workbench kills the process group instead


def _close_inherited() -> None:
    """Close every descriptor but stdio (listing /proc/self/fd beats closing 1M numbers)."""
    try:
        names = os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else None
    except OSError:
        names = None
    if names is None:
        os.closerange(3, 4096)
        return
    for name in names:
        fd = int(name)
        if fd > 2:
            try:
                os.close(fd)
            except OSError:
                pass  # the descriptor of the listing itself


def private_tmp(size_mb: int, keep: list, mounts: list) -> None:  # type: ignore[type-arg]
    """A mount namespace of our own with a tmpfs of `size_mb` on /tmp: a write past it is
    ENOSPC, as on Lambda, and it disappears with the last process of the environment.
    What the environment needs from under the host's /tmp (a task root there, say) is
    bind-mounted back at the same path. `mounts` put the package where Lambda has it
    first, while the folders they name are still in sight."""
    needed = sorted({os.path.abspath(p) for p in keep if _under_tmp(p) and os.path.exists(p)})
    needed = [p for p in needed if not any(p.startswith(q + "/") for q in needed)]
    _call("unshare", CLONE_NEWNS)
    _call("mount", b"none", b"/", None, MS_REC | MS_PRIVATE, None)
    for where, folders in mounts:
        package_mount(where, folders)
    held = [(path, os.open(path, os.O_PATH)) for path in needed]  # in our own mounts now
    _call("mount", b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV,
          b"size=%dm,mode=1777" % size_mb)
    for path, fd in held:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "a").close()
        _call("mount", f"/proc/self/fd/{fd}".encode(), path.encode(), None, MS_BIND | MS_REC,
              None)
        os.close(fd)


def package_mount(where: str, folders: list) -> None:  # type: ignore[type-arg]
    """`folders` read-only at `where`: one is bound there, several are merged by overlayfs
    (the first listed lowest: a later layer's file wins, as Lambda extracts them in
    order), none is an empty folder (Lambda's /opt without layers; the host's is hidden)."""
    target = where.encode()
    if not folders:
        _call("mount", b"tmpfs", target, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"size=4k")
    elif len(folders) == 1:
        _call("mount", folders[0].encode(), target, None, MS_BIND | MS_REC, None)
        _call("mount", None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY, None)
    else:
        lower = ":".join(reversed(folders)).encode()
        _call("mount", b"overlay", target, b"overlay", MS_RDONLY, b"lowerdir=" + lower)


def read_only(paths: list) -> None:  # type: ignore[type-arg]
    """Lambda's task root and /opt are read-only: so are the function's folders here."""
    for path in paths:
        if os.path.isdir(path):
            _call("mount", path.encode(), path.encode(), None, MS_BIND | MS_REC, None)
            _call("mount", None, path.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY, None)


def _under_tmp(path: str) -> bool:
    absolute = os.path.abspath(path)
    return absolute == "/tmp" or absolute.startswith("/tmp/")


def join(cgroups: list, pid: int) -> None:  # type: ignore[type-arg]
    for procs in cgroups:
        with open(procs, "w") as handle:
            handle.write(str(pid))


def enter(request: dict, out_fd: int = -1) -> None:  # type: ignore[type-arg]
    """Put this process in its sandbox; called before any of the function's code runs."""
    parent = os.getppid()
    if not request.get("joined"):
        join(request.get("cgroups", []), os.getpid())
    try:
        os.setsid()  # its own process group: a kill of the group takes its children
    except PermissionError:
        pass  # already a session leader (started with start_new_session)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the death signal was armed
    if request.get("subreaper"):
        _prctl(PR_SET_CHILD_SUBREAPER, 1)  # detached descendants stay findable
    if request.get("tmp_mb"):
        keep = [*request["path"], *BASE_PATH, str(request["cwd"]), sys.executable,
                *request.get("read_only", []),
                *(request.get("options", {}).get("debug") or {}).get("folders", [])]
        private_tmp(int(request["tmp_mb"]), keep, request.get("mounts", []))
        read_only(request.get("read_only", []))
    if out_fd >= 0:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
    _close_inherited()  # nothing of the workbench's descriptors
    os.chdir(str(request["cwd"]))
    if "env" in request:  # forked: the fork server's environment is empty; else exec'd with it
        os.environ.clear()
        os.environ.update(request["env"])
    import time

    time.tzset()
    sys.path[:] = [*request["path"], *BASE_PATH]
    if "random" in sys.modules:
        sys.modules["random"].seed()  # a fresh interpreter seeds from the OS


def run_runtime(request: dict) -> None:  # type: ignore[type-arg]
    debug = request.get("options", {}).get("debug")
    if debug:  # (issue #16) the IDE joins before the runtime client starts
        import runpy

        runpy.run_path(debug["bootstrap"])["attach"](debug)
    import awslambdaric.__main__ as ric_main

    ric_main.main(["awslambdaric", str(request["handler"])])


# -- the fork server -------------------------------------------------------------------


def _preload(runtime_path: list) -> None:  # type: ignore[type-arg]
    """What awslambdaric needs, imported once. Its C runtime client fixes its endpoint
    (AWS_LAMBDA_RUNTIME_API) when its extension `runtime_client` is loaded (once per
    process), so it, and the modules importing it, are left for each child to import with
    its own endpoint; the C++ library it links, and the standard modules it imports, are
    loaded here (libstdc++ alone was a third of a cold start's cost)."""
    sys.path[:] = [*runtime_path, *BASE_PATH]
    import awslambdaric.lambda_config  # noqa: F401
    import awslambdaric.lambda_context  # noqa: F401
    import awslambdaric.lambda_runtime_exception  # noqa: F401
    import awslambdaric.lambda_runtime_log_utils  # noqa: F401
    import awslambdaric.lambda_runtime_marshaller  # noqa: F401
    try:
        ctypes.CDLL("libstdc++.so.6")
    except OSError:
        pass  # not there (macOS): the extension brings its own when loaded
    import http.client  # noqa: F401
    import importlib  # noqa: F401
    import json  # noqa: F401
    import logging  # noqa: F401
    import traceback  # noqa: F401

    sys.path[:] = BASE_PATH


def _child(request: dict, out_fd: int) -> None:  # type: ignore[type-arg]
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        enter(request, out_fd)
        run_runtime(request)
    except SystemExit as leaving:  # awslambdaric exits 1 after reporting an INIT error
        os._exit(leaving.code if isinstance(leaving.code, int) else 1)
    except BaseException as error:  # noqa: BLE001 - reported on the environment's output
        try:
            os.write(2, f"workbench sandbox: {type(error).__name__}: {error}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(1)


def _reap(control: socket.socket) -> None:
    while True:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        # ru_maxrss (KiB on Linux) is the process's peak resident size: read here because a
        # process that is gone has no /proc entry to read it from.
        message = {"exited": pid, "status": code, "maxrss_kb": usage.ru_maxrss}
        control.sendall(json.dumps(message).encode() + b"\n")


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
        data, fds, _, _ = socket.recv_fds(control, 1 << 20, 16)
        if not data:
            return  # the workbench closed its end: stop (its environments are its to end)
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            control.sendall(json.dumps(_fork(json.loads(line), fds.pop(0), control)).encode()
                            + b"\n")


def _fork(request: dict, out_fd: int, control: socket.socket) -> dict:  # type: ignore[type-arg]
    """Fork an environment and put it in its cgroups before it runs: the child waits on a
    pipe until this process has moved it (a cgroup v1 move waits for an RCU grace period,
    milliseconds that are sandbox creation, not the runtime's INIT)."""
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        control.close()
        os.close(go_w)
        os.read(go_r, 1)
        os.close(go_r)
        _child({**request, "joined": True}, out_fd)
    os.close(go_r)
    os.close(out_fd)
    try:
        join(request.get("cgroups", []), pid)
    except OSError as error:
        os.kill(pid, signal.SIGKILL)
        os.close(go_w)
        return {"error": f"{type(error).__name__}: {error}"}
    os.write(go_w, b"g")
    os.close(go_w)
    return {"pid": pid}


def _quiet_exit(*_: object) -> None:
    # Ctrl-C or SIGTERM ends the fork server without a traceback; the workbench ends the
    # environments themselves (each is in its own session and cgroups).
    os._exit(0)


def probe() -> dict:  # type: ignore[type-arg]
    """Can an environment get its own /tmp here? Tried for real in a child process."""
    pid = os.fork()
    if pid == 0:
        try:
            private_tmp(1, [], [])
            os._exit(0)
        except OSError:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return {"private_tmp": os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0}


def watch(bases: list) -> None:  # type: ignore[type-arg]
    """The workbench's watchdog: when its pipe on our stdin closes (the workbench ended,
    however), kill every process left in its environments' cgroups and remove them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            if not os.read(0, 65536):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    for base in bases:
        children = [os.path.join(base, n) for n in _listdir(base)]
        for group in [*[c for c in children if os.path.isdir(c)], base]:
            _kill_group(group)


def _listdir(path: str) -> list:  # type: ignore[type-arg]
    try:
        return os.listdir(path)
    except OSError:
        return []


def _kill_group(group: str) -> None:
    freezer = os.path.join(group, "freezer.state")
    frozen = _write(freezer, "FROZEN")
    for _ in range(3):  # members that were mid-fork show up on the next read
        for pid in _read(os.path.join(group, "cgroup.procs")).split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
    if frozen:
        _write(freezer, "THAWED")
    for _ in range(2000):  # the kernel empties a killed group within milliseconds
        if not _read(os.path.join(group, "cgroup.procs")).split():
            break
        select.select([], [], [], 0.001)
    try:
        os.rmdir(group)
    except OSError:
        pass


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def _write(path: str, text: str) -> bool:
    try:
        with open(path, "w") as handle:
            handle.write(text)
        return True
    except OSError:
        return False


def main(argv: list) -> None:  # type: ignore[type-arg]
    command = argv[1] if len(argv) > 1 else ""
    if command == "serve":
        signal.signal(signal.SIGINT, _quiet_exit)
        signal.signal(signal.SIGTERM, _quiet_exit)
        _preload(json.loads(argv[3]) if len(argv) > 3 else [])
        serve(socket.socket(fileno=int(argv[2])))
    elif command == "run":
        request = json.loads(argv[2])
        enter(request)
        run_runtime(request)
    elif command == "probe":
        print(json.dumps(probe()))
    elif command == "watch":
        watch(json.loads(argv[2]))
    else:
        sys.stderr.write("usage: zygote.py serve FD PATH_JSON | run JSON | probe | watch DIRS\n")
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
