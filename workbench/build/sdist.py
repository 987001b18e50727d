"""A requirement with no wheel for Lambda's platform, built from its sdist.

The runtime's own CPython (X.Y, found on PATH or in pyenv) builds it on this machine, so
its binaries link against this machine's glibc; the wheel is accepted only when every
binary in it passes the same checks as a downloaded one (GLIBC_ versions no newer than
the runtime's, NEEDED libraries in the wheel or provided by Lambda's image). It is then
tagged with the manylinux tag its binaries prove (as auditwheel would) and kept in the
build cache's wheel folder, where pip finds it the next time. Without an interpreter of
the runtime's version here (python3.14 on a machine that has none) the sdist cannot be
built: the build stops with one line naming it.
"""

from __future__ import annotations

import platform
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from workbench.build import checks
from workbench.build.errors import BuildError
from workbench.build.pip import NETWORK, NO_MATCH, Say, failure
from workbench.build.platforms import OLDEST_MANYLINUX, Target


def build_wheel(requirement: str, target: Target, wheel_dir: Path, say: Say) -> bool:
    """Build `requirement` into a checked wheel in `wheel_dir`; False when it has no sdist."""
    with tempfile.TemporaryDirectory(prefix="workbench-sdist-") as scratch:
        work = Path(scratch)
        source = _download(requirement, target, work / "sdist")
        if source is None:
            return False
        if target.machine != platform.machine():
            raise BuildError(f"{requirement} has no wheel for {target.describe()}, only an sdist,"
                             f" which cannot be built for {target.machine} on this "
                             f"{platform.machine()} machine: build it on one")
        python = target.require_interpreter(
            f"{requirement} has no wheel for {target.describe()}, only an sdist "
            f"({source.name}); building it")
        say(f"    building {source.name} into a wheel with Python {target.python_version} "
            f"(no wheel for {target.describe()})")
        built = subprocess.run([str(python), "-m", "pip", "wheel", "--no-deps", "--no-input",
                                "--wheel-dir", str(work / "wheel"), str(source)],
                               capture_output=True, text=True, check=False)
        if built.returncode != 0:
            tail = (built.stdout + built.stderr).strip().splitlines()[-1:] or ["no output"]
            raise BuildError(f"{source.name}: building a wheel from the sdist failed with "
                             f"Python {target.python_version}: {tail[0]}")
        (wheel,) = list((work / "wheel").glob("*.whl"))
        tagged = _check_and_tag(wheel, target, work / "unpacked")
        wheel_dir.mkdir(parents=True, exist_ok=True)
        tagged.rename(wheel_dir / tagged.name)
        say(f"    built {tagged.name} (cached in {wheel_dir})")
    return True


def _download(requirement: str, target: Target, dest: Path) -> Path | None:
    """The requirement's sdist for the runtime's Python version (its Requires-Python), by
    the workbench's own pip, which needs no interpreter of that version; None if none."""
    # Only this project from source: its build dependencies (setuptools, Cython, numpy)
    # come as wheels for this machine when it is built, as any local pip build gets them.
    name = re.split(r"[<>=!~ ;\[]", requirement, maxsplit=1)[0]
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-input",
                           "--progress-bar", "off", "--no-binary", name, "--implementation",
                           "cp", "--python-version", target.python_version, "--dest", str(dest),
                           requirement], capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        missing = NO_MATCH.search(output)
        if missing is not None and missing.group(1) == requirement:
            return None
        if missing is None or NETWORK.search(output):
            raise failure(output, None, target, what=requirement)
        raise BuildError(f"{requirement}: pip could not read its sdist's metadata (its build "
                         f"needs {missing.group(1)}, which pip could not find)")
    (source,) = list(dest.iterdir())
    return source


def _check_and_tag(wheel: Path, target: Target, unpacked: Path) -> Path:
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(unpacked)
    if wheel.name.endswith("-any.whl"):
        return wheel  # pure Python: nothing to check or tag
    report = checks.check([unpacked], target)
    if report.problems:
        raise BuildError(f"{wheel.name} (built from its sdist) cannot run on {target.runtime}: "
                         f"{report.problems[0]}")
    minor = max(OLDEST_MANYLINUX, report.newest_glibc[1] if report.newest_glibc else 0)
    tag = f"manylinux_2_{minor}_{target.machine}"
    done = subprocess.run([sys.executable, "-m", "wheel", "tags", "--remove",
                           "--platform-tag", tag, str(wheel)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildError(f"{wheel.name}: could not tag it {tag}: {done.stderr.strip()}")
    return wheel.with_name(done.stdout.strip().splitlines()[-1])
