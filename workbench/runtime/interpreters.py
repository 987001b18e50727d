"""The Python a function's Runtime names, found on this machine.

Lambda runs `python3.12` functions on CPython 3.12. Here each `pythonX.Y` is looked for in
`WORKBENCH_PYTHON_X_Y`, then every `pythonX.Y` on PATH and `pyenv root`'s versions, the
newest patch release winning, and each candidate is run once to check it really is
CPython X.Y (pyenv shims for versions that are not installed fail, and a `python3.12` can
be anything). A Runtime with no interpreter here runs on the nearest one that is, with a
warning; `strict` refuses.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from workbench import config
from workbench.errors import WorkbenchError

_RUNTIME = re.compile(r"^python3\.(\d+)$")
_PROBE = "import sys; print(sys.implementation.name, *sys.version_info[:3], sys.executable)"
PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: tuple[int, int, int]

    @property
    def minor(self) -> tuple[int, int]:
        return self.version[0], self.version[1]

    @property
    def name(self) -> str:
        return f"python{self.minor[0]}.{self.minor[1]}"

    @property
    def label(self) -> str:
        return "Python " + ".".join(map(str, self.version))


@dataclass(frozen=True)
class Choice:
    """The interpreter a Runtime runs on, and the warning when it is not the Runtime's own."""

    runtime: str
    interpreter: Interpreter
    warning: str | None = None


def runtime_version(runtime: str) -> tuple[int, int]:
    match = _RUNTIME.match(runtime)
    if match is None:
        raise WorkbenchError(f"Runtime {runtime!r} is not a Python runtime (python3.9 .. 3.14)")
    return 3, int(match.group(1))


def choose(runtime: str, *, strict: bool = False) -> Choice:
    """The interpreter for `runtime`: its own, or the nearest installed with a warning."""
    wanted = runtime_version(runtime)
    found = find(wanted)
    if found is not None:
        return Choice(runtime, found)
    installed = installed_versions()
    if strict or not installed:
        where = (f"set WORKBENCH_PYTHON_{wanted[0]}_{wanted[1]}, put python{wanted[0]}."
                 f"{wanted[1]} on PATH or install it with pyenv")
        raise WorkbenchError(f"no Python {wanted[0]}.{wanted[1]} for Runtime {runtime} ({where})"
                             + ("" if installed else "; no other Python 3 was found either"))
    chosen = find(nearest(wanted, installed))
    assert chosen is not None
    return Choice(runtime, chosen,
                  f"Runtime {runtime} has no Python {wanted[0]}.{wanted[1]} here: running on "
                  f"{chosen.label} ({chosen.path}); --strict-runtime makes this an error")


def nearest(wanted: tuple[int, int], installed: list[tuple[int, int]]) -> tuple[int, int]:
    """The installed minor version closest to `wanted`; on a tie the newer one (Python
    keeps old code running more often than it runs code written for a newer version)."""
    return min(installed, key=lambda v: (abs(v[1] - wanted[1]), -v[1]))


@functools.cache
def find(version: tuple[int, int]) -> Interpreter | None:
    """WORKBENCH_PYTHON_X_Y if set (the user's choice), else the newest patch release of
    X.Y on PATH or under pyenv: AWS keeps its runtimes on recent patch releases (a
    python3.11 function may call `tarfile`'s `filter=`, new in 3.11.4)."""
    configured = config.env(f"PYTHON_{version[0]}_{version[1]}")
    if configured and (chosen := probe(configured)) is not None and chosen.minor == version:
        return chosen
    found = [i for c in _candidates(version) if (i := probe(c)) is not None
             and i.minor == version]
    return max(found, key=lambda i: i.version, default=None)


def installed_versions() -> list[tuple[int, int]]:
    return [(3, minor) for minor in range(9, 15) if find((3, minor)) is not None]


@functools.cache
def probe(path: str) -> Interpreter | None:
    """Run `path` once: the CPython version it is, or None if it is not one that runs."""
    try:
        out = subprocess.run([path, "-I", "-S", "-c", _PROBE], capture_output=True, text=True,
                             timeout=PROBE_TIMEOUT_S, env={}, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = out.stdout.split(maxsplit=4)
    if out.returncode != 0 or len(parts) != 5 or parts[0] != "cpython":
        return None
    # The executable itself, not a wrapper that found it: each environment starts from it.
    return Interpreter(parts[4].strip() or path, (int(parts[1]), int(parts[2]), int(parts[3])))


def current() -> Interpreter:
    """The workbench's own interpreter (the dev virtualenv's)."""
    major, minor, micro = sys.version_info[:3]
    return Interpreter(sys.executable, (major, minor, micro))


def _candidates(version: tuple[int, int]) -> list[str]:
    name = f"python{version[0]}.{version[1]}"
    found: list[str] = []
    root = _pyenv_root()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = Path(directory or ".") / name
        # pyenv's shims only lead to its versions folder (read below) and take a second
        # or two to fail for a version that is not installed: skip them.
        if root is not None and path.parent == root / "shims":
            continue
        if os.access(path, os.X_OK) and path.is_file():
            found.append(str(path))
    if root is not None:
        versions = sorted(root.glob(f"versions/{version[0]}.{version[1]}.*/bin/{name}"),
                          key=lambda p: _patch(p.parent.parent.name), reverse=True)
        found += [str(p) for p in versions]
    return list(dict.fromkeys(found))


def _patch(folder: str) -> int:
    tail = folder.split(".")[2] if folder.count(".") >= 2 else ""
    digits = re.match(r"\d+", tail)
    return int(digits.group(0)) if digits else -1


@functools.cache
def _pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv is not None:
        try:
            out = subprocess.run([pyenv, "root"], capture_output=True, text=True,
                                 timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL)
            if out.returncode == 0 and out.stdout.strip():
                return Path(out.stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None
