"""A requirements file installed for a target, checked, slimmed and cached.

The cache key is what the install is built from: the requirements file (and the files it
includes with -r/-c), the runtime, the architecture, slim or not, and FORMAT (bumped when
the build's output changes). A code-only change therefore reuses the install: linking it
into the build folder takes a fraction of a second. An install is built in a `.partial`
folder and renamed when complete, so an interrupted build is never taken for a cached one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from workbench.build import checks, local_wheels, pip, sizes, slim, vendor
from workbench.build.errors import BuildError
from workbench.build.platforms import Target
from workbench.config import cache_dir

# 2: build inputs and unused build tools removed (build_inputs); 3: the note on binary
# modules for the runtime's CPython alone is the function's (assemble), not the install's
FORMAT = "3"


@dataclass
class Installed:
    """One cached install: its folder and what was learnt building it."""

    path: Path
    size: sizes.Size = sizes.Size()
    packages: dict[str, sizes.Size] = field(default_factory=dict)  # distribution -> size
    notes: list[str] = field(default_factory=list)  # vendored libraries, built sdists
    # build tools the slimming removed -> their modules (the function's code must not use them)
    removed_tools: dict[str, list[str]] = field(default_factory=dict)

    def save(self) -> None:
        meta = {"size": asdict(self.size), "notes": self.notes,
                "packages": {k: asdict(v) for k, v in self.packages.items()},
                "removed_tools": self.removed_tools}
        (self.path / "build.json").write_text(json.dumps(meta, indent=1))

    @classmethod
    def load(cls, path: Path) -> Installed:
        meta = json.loads((path / "build.json").read_text())
        return cls(path, sizes.Size(**meta["size"]),
                   {k: sizes.Size(**v) for k, v in meta["packages"].items()}, meta["notes"],
                   meta["removed_tools"])

    @property
    def site(self) -> Path:
        return self.path / "site"


def key(requirements: Path, target: Target, slimmed: bool,
        uploaded_prior_to: str | None = None) -> str:
    # Without the runtime's interpreter no pyc are compiled: once one is installed, the
    # install is made again with them.
    no_pyc = "" if target.interpreter() else "|no-pyc"
    prior = f"|{uploaded_prior_to}" if uploaded_prior_to else ""
    digest = hashlib.sha256(f"{FORMAT}|{target.runtime}|{target.architecture}|{slimmed}"
                            f"{no_pyc}{prior}".encode())
    for path in _included(requirements):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure(requirements: Path, target: Target, *, slimmed: bool, say: pip.Say,
           uploaded_prior_to: str | None = None) -> Installed:
    """The install of `requirements` for `target` (of what the index had before
    `uploaded_prior_to`, when given), from the cache or made now."""
    folder = cache_dir() / "build" / "deps" / f"{target.abi}-{target.machine}-" \
        f"{key(requirements, target, slimmed, uploaded_prior_to)}"
    if (folder / "build.json").exists():
        say(f"  dependencies: cached ({folder.name})")
        return Installed.load(folder)
    say(f"  dependencies: installing {requirements.name} for {target.describe()}")
    started = time.monotonic()
    with staged(folder) as partial:
        installed = _build(requirements, target, slimmed, partial, say, uploaded_prior_to)
    installed.path = folder
    say(f"  dependencies: {installed.size.text()} in {time.monotonic() - started:.0f} s")
    return installed


def _build(requirements: Path, target: Target, slimmed: bool, partial: Path,
           say: pip.Say, uploaded_prior_to: str | None) -> Installed:
    installed = Installed(partial)
    names = requirement_names(requirements)
    wheels = [cache_dir() / "build" / "wheels" / f"{target.abi}-{target.machine}",
              local_wheels.ensure_for(names, say)]
    # pip compiles with its own interpreter: right only for a runtime of the same version.
    same_python = target.python_version == "{}.{}".format(*sys.version_info[:2])
    pip.install(requirements, target, installed.site, find_links=wheels,
                compile_pyc=not slimmed and same_python, say=say,
                uploaded_prior_to=uploaded_prior_to)
    report = checks.check([installed.site], target)
    if report.missing:
        installed.notes += vendor.vendor(report.missing, installed.site, target, say)
        report = checks.check([installed.site], target)
    if report.problems:
        more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
        raise BuildError(f"{requirements}: {report.problems[0]}{more}")
    if slimmed:
        notes, installed.removed_tools = slim.slim(installed.site, target, names, say)
        installed.notes += notes
    installed.packages = sizes.by_distribution(installed.site)
    installed.size = sum(installed.packages.values(), sizes.Size())
    installed.save()
    return installed


@contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A cache folder made atomically: the block fills the partial folder it is given,
    which becomes `folder` when the block ends and is removed if it fails; a killed
    run's partial folders are removed by the next."""
    remove_stale(folder.parent, f"{folder.name}.partial-")
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    try:
        yield partial
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def remove_stale(parent: Path, prefix: str) -> None:
    """Folders `<prefix><pid>` left by a build that was killed (its pid is gone)."""
    for stale in parent.glob(f"{prefix}*"):
        pid = stale.name.removeprefix(prefix)
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)


def requirement_names(requirements: Path) -> set[str]:
    """The projects the file (and those it includes) asks for, names normalised."""
    names = set()
    for path in _included(requirements):
        text = path.read_text(encoding="utf-8", errors="replace")
        names |= {re.sub(r"[-_.]+", "_", m).lower() for m in
                  re.findall(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text, re.MULTILINE)}
    return names


def _included(requirements: Path) -> list[Path]:
    """The file and those it pulls in with -r / -c (pip's nested requirement files)."""
    found: list[Path] = []
    pending = [requirements]
    while pending:
        path = pending.pop()
        if path in found:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BuildError(f"{path}: cannot read: {exc}") from None
        found.append(path)
        for line in text.splitlines():
            parts = line.split("#")[0].split()
            if len(parts) == 2 and parts[0] in ("-r", "-c", "--requirement", "--constraint"):
                pending.append((path.parent / parts[1]).resolve())
    return found
