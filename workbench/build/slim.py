"""Slimming an installed dependency tree without changing what it does on Lambda.

- Shared objects are stripped (`strip --strip-unneeded`: debug sections and the symbol
  table, which only debuggers read; the dynamic symbols the loader binds stay), except
  those under `*.libs/` folders: auditwheel rewrote those with patchelf, and strip breaks
  them ("ELF load command address/offset not page-aligned").
- `__pycache__` folders are dropped, and so are the dependencies' `tests` folders.
- What only a build reads goes (`build_inputs`: headers, include/, static libraries,
  sources, stubs, console scripts, build tools nothing imports), each removal said.
- Every module is compiled with the runtime's own interpreter, `--invalidation-mode
  unchecked-hash`: Lambda's task root and /opt are read-only, so without pyc files every
  cold start compiles (`import spacy` 1.5-2.5 s instead of 0.57 s), and mtime-based pyc
  files go stale when a deploy resets the times.
- `*.dist-info` stays (RECORD lists what is left): spaCy finds installed pipelines through
  it (E050 without it), and entry points live there.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from pathlib import Path

from workbench.build import build_inputs, elf
from workbench.build.errors import BuildError
from workbench.build.pip import Say
from workbench.build.platforms import Target

PRUNED_FOLDERS = ("__pycache__", "tests")


def slim(root: Path, target: Target, direct: set[str],
         say: Say) -> tuple[list[str], dict[str, list[str]]]:
    """Slim the tree in place (`direct`: the names the requirements file asks for); the
    notes saying what was removed or could not be done, and the build tools removed."""
    stripped = _strip(root, target, say)
    pruned = _prune(root)
    say(f"    slimmed: {stripped} binaries stripped, {pruned} __pycache__ and tests folders "
        "dropped")
    removed = build_inputs.remove(root, direct)
    notes = list(removed.notes)
    skipped = compile_pyc(root, target)
    notes += [skipped] if skipped else []
    for note in notes:
        say(f"    {note}")
    return notes, removed.tools


def _strip(root: Path, target: Target, say: Say) -> int:
    tool = _strip_tool(target)
    if tool is None:
        say(f"    no strip for {target.machine} binaries on this machine: debug symbols kept")
        return 0
    count = 0
    for path in elf.elf_files(root):
        if any(part.endswith(".libs") for part in path.relative_to(root).parts[:-1]):
            continue
        before = path.stat().st_size
        done = subprocess.run([tool, "--strip-unneeded", str(path)], capture_output=True,
                              text=True, check=False)
        if done.returncode == 0 and path.stat().st_size < before:
            count += 1
    return count


def _strip_tool(target: Target) -> str | None:
    if target.machine == platform.machine():
        return shutil.which("strip")
    return shutil.which(f"{target.machine}-linux-gnu-strip")


def _prune(root: Path) -> int:
    count = 0
    for folder in sorted(root.rglob("*"), key=lambda p: len(p.parts)):
        if folder.name in PRUNED_FOLDERS and folder.is_dir() and \
                not any(p.endswith(".dist-info") for p in folder.relative_to(root).parts) \
                and folder.exists():
            shutil.rmtree(folder)
            count += 1
    return count


def compile_pyc(root: Path, target: Target) -> str | None:
    """Compile every module with the runtime's interpreter; without one, the note saying
    that none were compiled (a pyc file holds its Python version's magic number, so no
    other interpreter can write one that the runtime would use)."""
    python = target.interpreter()
    if python is None:
        return (f"no pyc compiled: there is no Python {target.python_version} here and a pyc "
                f"loads only on the version that wrote it; on Lambda each cold start compiles "
                f"what it imports (in memory: /var/task is read-only)")
    done = subprocess.run([str(python), "-m", "compileall", "-q", "-j", "0",
                           "--invalidation-mode", "unchecked-hash", str(root)],
                          capture_output=True, text=True, check=False)
    # compileall exits 1 when a file does not compile (a Python 2 file some packages still
    # ship, a template with .py suffix): those stay source-only, as on Lambda.
    if done.returncode not in (0, 1):
        raise BuildError(f"compiling pyc files in {root} failed: {done.stderr.strip()[-300:]}")
    return None
