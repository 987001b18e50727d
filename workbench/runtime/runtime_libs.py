"""What AWS's Python runtime itself provides a function: awslambdaric, boto3, botocore
and pip.

On Lambda these live beside the interpreter (/var/runtime, /var/lang/lib/.../site-packages);
a function imports them without packaging them, and nothing else. pip is there because
Lambda's /var/lang is a CPython built from source, whose install puts ensurepip's pip in
site-packages (the base images' Dockerfiles run it: aws/aws-lambda-base-images#8); here it
is the same wheel, the one the interpreter's own ensurepip carries. Here they are installed
once per interpreter version with its own pip (`pip install --target`, so dependency
markers are that version's) into a folder under the workbench cache, keyed by the pins
and the version; an environment's sys.path holds that folder and no virtualenv.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from workbench import config
from workbench.errors import WorkbenchError
from workbench.runtime.interpreters import Interpreter

# AWS publishes no fixed SDK version per runtime: "The version of the AWS SDK included in
# the Python runtime depends on the runtime version and your AWS Region" (AWS Lambda
# Developer Guide, "Building Lambda functions with Python", Runtime-included SDK versions,
# which gives a handler printing boto3.__version__ to find out). 1.38.36 is what such a
# function printed on the python3.12 and python3.13 runtimes in August 2025
# (github.com/terricain/aioboto3/issues/381); the older runtimes are updated alongside.
BOTO3_VERSION = "1.38.36"
BOTOCORE_VERSION = "1.38.36"
# The runtime interface client the workbench runs every function under; 4.0.4 is the last
# release with a CPython 3.9 wheel.
AWSLAMBDARIC = {(3, 9): "4.0.4"}
AWSLAMBDARIC_DEFAULT = "4.2.2"
INSTALL_TIMEOUT_S = 900


def pins(version: tuple[int, int]) -> list[str]:
    ric = AWSLAMBDARIC.get(version, AWSLAMBDARIC_DEFAULT)
    return [f"awslambdaric=={ric}", f"boto3=={BOTO3_VERSION}", f"botocore=={BOTOCORE_VERSION}"]


def bundled_pip(interpreter: Interpreter) -> Path | None:
    """The pip wheel of the interpreter's ensurepip, or None (a distribution's Python may
    ship without ensurepip)."""
    major, minor = interpreter.minor
    bundled = (Path(interpreter.path).resolve().parent.parent / "lib" / f"python{major}.{minor}"
               / "ensurepip" / "_bundled")
    wheels = sorted(bundled.glob("pip-*.whl")) if bundled.is_dir() else []
    return wheels[-1] if wheels else None


def _wanted(interpreter: Interpreter) -> list[str]:
    pip = bundled_pip(interpreter)
    return [*pins(interpreter.minor), *([str(pip)] if pip is not None else [])]


def folder(interpreter: Interpreter) -> Path:
    names = [Path(item).name for item in _wanted(interpreter)]
    key = hashlib.sha256(" ".join([interpreter.name, *names]).encode())
    return config.cache_dir() / "runtimes" / f"{interpreter.name}-{key.hexdigest()[:12]}"


def ensure(interpreter: Interpreter, say: Callable[[str], None] = print) -> Path:
    """The runtime folder for `interpreter`, installed on first use (a minute at most)."""
    target = folder(interpreter)
    if (target / ".complete").exists():
        return target
    wanted = _wanted(interpreter)
    shown = ", ".join(Path(item).name for item in wanted)
    say(f"==> {interpreter.name} runtime: installing {shown} into {target} (once)")
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    command = [*_pip(interpreter), "install", "--quiet", "--disable-pip-version-check",
               "--root-user-action=ignore",
               "--no-warn-script-location", "--only-binary", ":all:", "--target", str(partial),
               *wanted]
    try:
        done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              timeout=INSTALL_TIMEOUT_S, env=_pip_environment())
    except subprocess.TimeoutExpired:
        shutil.rmtree(partial, ignore_errors=True)
        raise WorkbenchError(f"{interpreter.name} runtime: pip did not finish in "
                             f"{INSTALL_TIMEOUT_S} s") from None
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise WorkbenchError(f"{interpreter.name} runtime: installing {' '.join(wanted)} "
                             f"failed: {' / '.join(detail)}")
    (partial / ".complete").write_text(" ".join(wanted) + "\n")
    try:
        partial.rename(target)
    except OSError:  # another workbench finished first: its copy is as good
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _pip(interpreter: Interpreter) -> list[str]:
    """The interpreter's own pip; else the workbench's, driving it (pip >= 22.3)."""
    own = subprocess.run([interpreter.path, "-m", "pip", "--version"], capture_output=True,
                         stdin=subprocess.DEVNULL, env=_pip_environment())
    if own.returncode == 0:
        return [interpreter.path, "-m", "pip"]
    return [sys.executable, "-m", "pip", "--python", interpreter.path]


def _pip_environment() -> dict[str, str]:
    # pip's own settings (index, cache, proxy) pass; nothing that changes what is importable.
    env = {k: v for k, v in os.environ.items()
           if k.startswith("PIP_") or k in ("PATH", "HOME", "LANG", "SSL_CERT_FILE",
                                             "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY")}
    return env
