"""Debugging a function in place: `workbench serve --debug-port 5678 [--debug-function F]`.

The function's environments start under a debugger (`bootstrap.py`, a fresh interpreter
each, with the debugger on that environment's path alone) and wait for the IDE: VS Code
and other Debug Adapter Protocol clients attach to debugpy through the workbench
(`dap.py`), PyCharm's Python Debug Server is reached with pydevd (`pydevd.py`, `--debug-ide
pycharm`). Either way the workbench reads the wire: while the environment waits for the
IDE or a thread is stopped, every timer of the function (INIT's limit, its timeout, API
Gateway's 29 s) stands still (`session.DebugSession`), and the console says so. Breakpoints
set in the source the user edits work: the path mappings to the folder the function runs
from are added for the IDE. The function's concurrency is 1: one debugger, one environment.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from workbench import config
from workbench.debug.dap import DapFront
from workbench.debug.pydevd import PydevdFront
from workbench.debug.session import DebugSession, DebugSpawner
from workbench.errors import WorkbenchError
from workbench.runtime.types import RealClock
from workbench.template import Template

Ide = Literal["dap", "pycharm"]
IDES = ("dap", "pycharm")

__all__ = ["DebugSession", "DebugSpawner", "debug_session"]


def debug_session(template: Template, settings: config.Settings,
                  say: Callable[[str], None]) -> DebugSession | None:
    """The session `--debug-port` / `--debug-function` / `--debug-ide` ask for, if any."""
    port, name = settings.debug_port, settings.debug_function
    if port is None:
        if name is not None:
            raise WorkbenchError("--debug-function: give --debug-port too")
        return None
    if not 0 < port < 65536 or port == settings.port:
        raise WorkbenchError(f"--debug-port {port}: a free port (1-65535) other than the "
                             "server's")
    if settings.debug_ide not in IDES:
        raise WorkbenchError(f"--debug-ide: one of {', '.join(IDES)}, not "
                             f"{settings.debug_ide!r}")
    names = ", ".join(sorted(template.functions))
    if name is None:
        if len(template.functions) != 1:
            raise WorkbenchError(f"--debug-port: {template.path} has {len(template.functions)} "
                                 f"functions; name one with --debug-function ({names})")
        name = next(iter(template.functions))
    spec = template.function(name)
    if spec is None:
        raise WorkbenchError(f"--debug-function {name}: no such function in {template.path} "
                             f"(it has {names})")
    session = DebugSession(spec.name, spec.code_uri, RealClock(), host=settings.host,
                           port=port, say=say)
    session.front = (PydevdFront(session, pydevd_path()) if settings.debug_ide == "pycharm"
                     else DapFront(session, debugpy_path()))
    return session


def debugpy_path() -> Path:
    """A folder holding debugpy and nothing else (a link to the installed package), so an
    environment can import it without seeing the rest of the workbench's packages."""
    import debugpy

    return _only(f"debugpy-{debugpy.__version__}", [Path(debugpy.__file__).parent])


def pydevd_path() -> Path:
    """Where an environment finds pydevd for PyCharm: PyCharm's own `pydevd-pycharm` when
    installed beside the workbench (it should match the IDE's build), else the copy of
    pydevd that ships inside debugpy."""
    from importlib import metadata

    try:
        files = metadata.distribution("pydevd-pycharm").files or []
    except metadata.PackageNotFoundError:
        files = []
    tops = sorted({Path(f.parts[0]) for f in files if not f.parts[0].endswith(
        (".dist-info", ".egg-info", "__pycache__")) and f.parts[0] != ".."})
    if tops:
        root = Path(str(files[0].locate())).parents[len(files[0].parts) - 1]
        version = metadata.version("pydevd-pycharm")
        return _only(f"pydevd-pycharm-{version}", [root / top for top in tops])
    spec = importlib.util.find_spec("debugpy")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "_vendored" / "pydevd"


def _only(name: str, entries: list[Path]) -> Path:
    """A folder under the cache with links to `entries` and nothing else. A link left by
    another virtualenv (since removed, perhaps) is pointed at ours, atomically."""
    folder = config.cache_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        link = folder / entry.name
        if link.is_symlink() and os.readlink(link) == str(entry):
            continue
        fresh = folder / f".{entry.name}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            fresh.unlink()
        fresh.symlink_to(entry, target_is_directory=entry.is_dir())
        os.replace(fresh, link)
    return folder
