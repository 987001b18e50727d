"""`Metadata: BuildMethod: makefile`, run as `sam build` runs it without a container.

aws-lambda-builders' custom_make workflow copies the source folder (without `.aws-sam`
and `.git`) to a scratch folder and runs `make --makefile <source>/Makefile
build-<LogicalId>` there with `ARTIFACTS_DIR` set to the output folder; a layer's
Makefile puts its files under `$(ARTIFACTS_DIR)/python`. The Makefile's commands run on
this machine, as they do under `sam build`; what they make then goes through the same
ELF checks and size limits as any build. The output is cached, keyed by the target and
the source folder's content, so an unchanged layer is not made again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from workbench.build.code import link_tree
from workbench.build.deps import staged
from workbench.build.errors import BuildError
from workbench.build.pip import Say
from workbench.config import cache_dir

EXCLUDED = (".aws-sam", ".git")
FORMAT = "1"  # bump when what a cached folder holds changes


def make(logical_id: str, source: Path, out: Path, say: Say) -> None:
    """Make `build-<logical_id>` from `source` into `out` (cached)."""
    makefile = source / "Makefile"
    if not makefile.is_file():
        raise BuildError(f"{logical_id}: BuildMethod makefile needs {makefile}: no such file")
    target = f"build-{logical_id}"
    folder = cache_dir() / "build" / "make" / f"{logical_id}-{_key(target, source)}"
    if not folder.is_dir():
        _run(target, makefile, source, folder, say)
    else:
        say(f"  make {target}: cached ({folder.name})")
    link_tree(folder, out)


def _run(target: str, makefile: Path, source: Path, folder: Path, say: Say) -> None:
    executable = shutil.which("make")
    if executable is None:
        raise BuildError(f"BuildMethod makefile needs `make` on PATH to build {target} "
                         "(Debian: apt-get install make)")
    say(f"  make {target} (ARTIFACTS_DIR is the build folder)")
    with staged(folder) as partial, \
            tempfile.TemporaryDirectory(prefix="workbench-make-") as scratch:
        partial.mkdir(parents=True)
        shutil.copytree(source, scratch, symlinks=True, dirs_exist_ok=True,
                        ignore=lambda here, names: [n for n in names if n in EXCLUDED])
        done = subprocess.run(
            [executable, "--makefile", str(makefile), target], cwd=scratch,
            env={**os.environ, "ARTIFACTS_DIR": str(partial)}, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, errors="replace", check=False)
        if done.returncode != 0:
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            raise BuildError(f"`make {target}` failed (exit {done.returncode}): {last} "
                             f"(Makefile {makefile})")


def _key(target: str, source: Path) -> str:
    """The target and every file of the source folder (path and content) but the excluded."""
    digest = hashlib.sha256(f"{FORMAT}|{target}".encode())
    for folder, dirs, names in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDED)
        for name in sorted(names):
            path = Path(folder) / name
            digest.update(str(path.relative_to(source)).encode() + b"\0")
            if path.is_file():
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]
