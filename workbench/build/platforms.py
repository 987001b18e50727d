"""What a function is built for: its Runtime and Architecture as Lambda runs them.

The glibc of each runtime's image decides which manylinux wheels it can load. From AWS's
runtimes table (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html):
python3.9, 3.10 and 3.11 run on Amazon Linux 2 (glibc 2.26), python3.12 and later on
Amazon Linux 2023 (glibc 2.34).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from workbench.build.errors import BuildError

AMAZON_LINUX_2_GLIBC = (2, 26)
AMAZON_LINUX_2023_GLIBC = (2, 34)
# Each image's libstdc++.so.6: Amazon Linux 2 has GCC 7.3's (its FAQ,
# https://aws.amazon.com/amazon-linux-2/faqs/), Amazon Linux 2023 GCC 11's (its user guide,
# https://docs.aws.amazon.com/linux/al2023/ug/core-toolchain.html). The symbol versions
# each provides, from libstdc++'s ABI policy
# (https://gcc.gnu.org/onlinedocs/libstdc++/manual/abi.html): GCC 7.2+ libstdc++.so.6.0.24,
# GLIBCXX_3.4.24 and CXXABI_1.3.11; GCC 11.1+ libstdc++.so.6.0.29, GLIBCXX_3.4.29, CXXABI_1.3.13.
LIBSTDCXX: dict[tuple[int, int], tuple[str, dict[str, tuple[int, ...]]]] = {
    AMAZON_LINUX_2_GLIBC: ("GCC 7", {"GLIBCXX": (3, 4, 24), "CXXABI": (1, 3, 11)}),
    AMAZON_LINUX_2023_GLIBC: ("GCC 11", {"GLIBCXX": (3, 4, 29), "CXXABI": (1, 3, 13)})}
# The manylinux a wheel built here claims at least (manylinux2014 = manylinux_2_17, PEP 599).
OLDEST_MANYLINUX = 17
# PEP 600 tags start at glibc 2.5; the legacy names are aliases pip does not expand:
# manylinux1 = 2_5 (PEP 513), manylinux2010 = 2_12 (PEP 571), manylinux2014 = 2_17.
FIRST_GLIBC_TAG = 5
LEGACY_ALIASES = {5: "manylinux1", 12: "manylinux2010", 17: "manylinux2014"}
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}  # Lambda's names -> ELF/wheel names


@dataclass(frozen=True)
class Target:
    runtime: str  # "python3.11"
    architecture: str  # Lambda's name: "x86_64" | "arm64"

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def abi(self) -> str:
        return "cp" + self.python_version.replace(".", "")

    @property
    def machine(self) -> str:
        return MACHINES[self.architecture]

    @property
    def glibc(self) -> tuple[int, int]:
        minor = int(self.python_version.split(".")[1])
        return AMAZON_LINUX_2_GLIBC if minor <= 11 else AMAZON_LINUX_2023_GLIBC

    @property
    def image(self) -> str:
        return "Amazon Linux 2" if self.glibc == AMAZON_LINUX_2_GLIBC else "Amazon Linux 2023"

    @property
    def libstdcxx(self) -> tuple[str, dict[str, tuple[int, ...]]]:
        """The GCC whose libstdc++ the image has, and the newest versions it provides."""
        return LIBSTDCXX[self.glibc]

    @property
    def platforms(self) -> tuple[str, ...]:
        """Every manylinux tag up to the runtime's glibc, newest first. pip expands none of
        them: `manylinux2014` alone holds versions back (no manylinux_2_24+ wheels), and
        `manylinux_2_17` alone misses wheels tagged only `manylinux2014` (mxnet 1.9.1)."""
        tags = []
        for minor in range(self.glibc[1], FIRST_GLIBC_TAG - 1, -1):
            tags.append(f"manylinux_2_{minor}_{self.machine}")
            if minor in LEGACY_ALIASES and (minor == 17 or self.machine == "x86_64"):
                tags.append(f"{LEGACY_ALIASES[minor]}_{self.machine}")
        return tuple(tags)

    @property
    def minor(self) -> int:
        return int(self.python_version.split(".")[1])

    def describe(self) -> str:
        return (f"{self.runtime} {self.architecture} "
                f"(glibc {self.glibc[0]}.{self.glibc[1]}, {self.image})")

    def interpreter(self) -> Path | None:
        """A CPython of the runtime's version, from PATH or pyenv's versions; None when
        there is none. pip installs wheels for any version without one: only building an
        sdist and compiling pyc files (a pyc's magic number is per version) need it."""
        return _interpreter(self.python_version)

    def require_interpreter(self, why: str) -> Path:
        """The runtime's interpreter, or one line saying that `why` needs it."""
        found = self.interpreter()
        if found is None:
            raise BuildError(f"{why} needs Python {self.python_version}, which is not installed "
                             f"here (PATH or `pyenv root`): install it (`pyenv install "
                             f"{self.python_version}`)")
        return found


@cache
def _interpreter(version: str) -> Path | None:
    candidates = [shutil.which(f"python{version}")]
    root = os.environ.get("PYENV_ROOT") or _pyenv_root()
    if root:
        versions = sorted(Path(root, "versions").glob(f"{version}.*"), reverse=True)
        candidates += [str(v / "bin" / f"python{version}") for v in versions]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and _reports(candidate, version):
            return Path(candidate)
    return None


def _pyenv_root() -> str | None:
    if shutil.which("pyenv") is None:
        return None
    done = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or None


def _reports(python: str, version: str) -> bool:
    """pyenv's shims answer for versions that are not selected: ask the interpreter."""
    done = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=False)
    return done.returncode == 0 and done.stdout.strip() == version
