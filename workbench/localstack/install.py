"""LocalStack's own virtualenv: an interpreter >= 3.12, its pinned dependencies, our executor.

LocalStack 4.14 needs Python >= 3.12 (PEP 695 generics) and its exact dependency set, while
the workbench and the handlers run on 3.11, so LocalStack gets a virtualenv of its own. It
is cached under ~/.cache/lambda-workbench keyed by a hash of the constraints, so a fresh
clone reuses it; the executor plugin is reinstalled whenever its source changes.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from workbench import config
from workbench.errors import WorkbenchError

VERSION = "4.14.0"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = PROJECT_ROOT / "localstack" / "constraints.txt"
EXECUTOR = PROJECT_ROOT / "localstack" / "executor"
EXECUTOR_FILES = (EXECUTOR / "pyproject.toml", EXECUTOR / "workbench_executor.py")
MIN_PYTHON = (3, 12)
CANDIDATES = ("python3.13", "python3.12")


def _digest(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _version(python: str) -> tuple[int, int] | None:
    """The interpreter's version, or None when it does not run (a pyenv shim without a
    selected version prints an error instead)."""
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def _pyenv_pythons() -> list[str]:
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
    versions = sorted(Path(root, "versions").glob("3.1[2-9]*"), reverse=True) if root else []
    return [str(p) for v in versions for p in v.glob("bin/python3.1[2-9]")]


def find_python() -> str:
    """An interpreter LocalStack can run on: $WORKBENCH_LOCALSTACK_PYTHON, python3.13 or
    python3.12 on PATH, or one pyenv has installed."""
    chosen = config.env("LOCALSTACK_PYTHON")
    if chosen:
        version = _version(chosen)
        if version is None:
            raise WorkbenchError(f"WORKBENCH_LOCALSTACK_PYTHON={chosen} does not run")
        if version < MIN_PYTHON:
            raise WorkbenchError(
                f"WORKBENCH_LOCALSTACK_PYTHON={chosen} is Python {version[0]}.{version[1]}; "
                f"LocalStack {VERSION} needs Python >= 3.12")
        return chosen
    candidates = [p for name in CANDIDATES if (p := shutil.which(name))] + _pyenv_pythons()
    for python in candidates:
        version = _version(python)
        if version is not None and version >= MIN_PYTHON:
            return python
    raise WorkbenchError(
        f"LocalStack {VERSION} needs Python >= 3.12 and none was found (looked for "
        "python3.13/python3.12 on PATH and under `pyenv root`): install one, e.g. "
        "`pyenv install 3.13`, or set WORKBENCH_LOCALSTACK_PYTHON")


def venv_dir() -> Path:
    return config.cache_dir() / f"localstack-{VERSION}-{_digest(CONSTRAINTS)}"


def ensure_installed(*, quiet: bool = False) -> Path:
    """LocalStack's virtualenv with the executor plugin; returns its python."""
    venv = venv_dir()
    python = venv / "bin" / "python"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / ".localstack-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two clones installing at once share one venv
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            interpreter = find_python()
            _say(f"==> LocalStack {VERSION}: virtualenv on {interpreter} at {venv}", quiet)
            _run([interpreter, "-m", "venv", str(venv)])
            _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "-c", str(CONSTRAINTS), f"localstack-core[runtime]=={VERSION}"])
            (venv / ".complete").touch()
        stamp = venv / f".executor-{_digest(*EXECUTOR_FILES)}"
        if not stamp.exists():
            _say("==> LocalStack: installing the workbench runtime executor", quiet)
            _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                  "--no-deps", "--force-reinstall", str(EXECUTOR)])
            for old in venv.glob(".executor-*"):
                old.unlink()
            stamp.touch()
    return python


def _run(command: list[str]) -> None:
    # Never LocalStack's install from inside the repo: its `localstack/` folder is not the package.
    done = subprocess.run(command, cwd=config.cache_dir(), capture_output=True, text=True,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise WorkbenchError(f"installing LocalStack failed ({' '.join(command[:3])} ...): "
                             + " | ".join(tail))


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)
