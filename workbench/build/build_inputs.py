"""What only a build reads, removed from an installed tree: Lambda never loads it.

- C/C++ headers and `include/` folders, static libraries (`.a`), the sources of compiled
  modules (`.c`, `.cpp`, `.pyx`, `.pxd`...) and type stubs (`.pyi`): what a compiler or a
  type checker reads. Python imports none of them.
- Console scripts (`bin/`): pip wrote their `#!` line with this machine's interpreter,
  a path Lambda does not have, so they cannot run there.
- A build tool that a package declares as a run-time dependency (gluonnlp 0.10.0 declares
  Cython): it compiles to C, and Lambda's images have no C compiler. It is removed with its
  dist-info only when the requirements file does not name it and no module of the tree
  imports it (a `setup.py` is a build script: not counted); the function's own code is
  checked too (`check_code`).

Every RECORD is rewritten to list only what is left. What was removed, and why, is said.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from workbench.build import sizes
from workbench.build.errors import BuildError

BUILD_SUFFIXES = {
    "C/C++ headers": (".h", ".hh", ".hpp", ".hxx", ".cuh", ".inl"),
    "sources of compiled modules": (".c", ".cc", ".cpp", ".cxx", ".pyx", ".pxd", ".pxi"),
    "static libraries": (".a",),
    "type stubs": (".pyi",),
}
WHY = {"console scripts in bin/": "their #! line names this machine's Python"}
# distribution (normalised name) -> the top-level modules that use it
BUILD_TOOLS = {"cython": ("cython", "Cython", "pyximport")}


@dataclass
class Removed:
    notes: list[str] = field(default_factory=list)
    tools: dict[str, list[str]] = field(default_factory=dict)  # distribution -> its modules


def remove(root: Path, direct: set[str]) -> Removed:
    """Remove the build inputs and unused build tools under `root`; `direct` holds the
    (normalised) names the requirements file asks for itself."""
    removed = Removed()
    for name, modules in BUILD_TOOLS.items():
        note = _build_tool(root, name, modules, direct)
        if note:
            removed.notes.append(note)
            removed.tools[name] = list(modules)
    counted = _inputs(root)
    if counted:
        removed.notes.append("removed what only a build reads: " + counted)
    _rewrite_records(root)
    return removed


def check_code(files: list[Path], tools: dict[str, list[str]], where: str) -> None:
    """The function's own code must not import a build tool the slimming removed."""
    for path in files:
        if path.suffix == ".py" and (module := _imports(path, _all(tools))):
            raise BuildError(f"{where}: {path.name} imports {module}, which the slimmed build "
                             "removed as a build tool: name it in requirements.txt to keep it, "
                             "or build with --no-slim")


def _build_tool(root: Path, name: str, modules: tuple[str, ...], direct: set[str]) -> str | None:
    info = next((d for d in root.glob("*.dist-info") if _normalise(d.name.split("-")[0])
                 == name), None)
    if info is None or name in direct:
        return None
    owned = _owned(root, info)
    # A setup.py (numpy ships example ones) is a build script, never imported.
    if any(path not in owned and path.name != "setup.py" and _imports(path, set(modules))
           for path in root.rglob("*.py")):
        return None  # used at run time: kept
    declared = sorted(d.name.split("-")[0] for d in root.glob("*.dist-info")
                      if d != info and _declares(d, name))
    size = sum((sizes.file_size(p, p.name) for p in owned if p.is_file()), sizes.Size())
    for path in owned:
        path.unlink(missing_ok=True)
    shutil.rmtree(info)
    _remove_empty(root)
    return (f"removed {info.name.removesuffix('.dist-info')} ({size.unzipped / sizes.MB:.1f} MB), "
            f"a build tool {' and '.join(declared) or 'a dependency'} declares: nothing here "
            f"imports {', '.join(modules)}, and it needs a C compiler, which Lambda does not "
            "have (name it in requirements.txt, or --no-slim, to keep it)")


def _inputs(root: Path) -> str:
    found: dict[str, list[Path]] = {}
    for path in sizes.files(root):
        what = _kind(path, root)
        if what:
            found.setdefault(what, []).append(path)
    parts = []
    for what, paths in found.items():
        size = sum(p.stat().st_size for p in paths)
        why = f"; {WHY[what]}" if what in WHY else ""
        parts.append(f"{len(paths)} {what} ({size / sizes.MB:.1f} MB{why})")
        for path in paths:
            path.unlink()
    _remove_empty(root)
    return ", ".join(parts)


def _kind(path: Path, root: Path) -> str | None:
    relative = path.relative_to(root).parts
    if any(part.endswith(".dist-info") for part in relative):
        return None
    if relative[0] == "bin":
        return "console scripts in bin/"
    for what, suffixes in BUILD_SUFFIXES.items():
        if path.suffix in suffixes:
            return what
    for depth, part in enumerate(relative[:-1]):
        folder = root.joinpath(*relative[:depth + 1])
        if part == "include" and path.suffix != ".py" and not (folder / "__init__.py").exists():
            return "other files of include/ folders"  # not a Python package of that name
    return None


def _owned(root: Path, info: Path) -> set[Path]:
    """The files a distribution's RECORD lists (console scripts under bin/)."""
    owned = {info / "RECORD"}
    for line in (info / "RECORD").read_text(errors="replace").splitlines():
        relative = line.rsplit(",", 2)[0]
        if relative:
            owned.add(_record_path(root, relative))
    return owned


def _record_path(root: Path, relative: str) -> Path:
    # `pip install --target` records scripts as ../../bin/x: they are in root/bin.
    parts = [p for p in Path(relative).parts if p != ".."]
    return root.joinpath(*parts)


def _rewrite_records(root: Path) -> None:
    for record in root.glob("*.dist-info/RECORD"):
        lines = record.read_text(errors="replace").splitlines()
        kept = [line for line in lines if not line.rsplit(",", 2)[0] or
                _record_path(root, line.rsplit(",", 2)[0]).exists()]
        if len(kept) != len(lines):
            record.write_text("".join(line + "\n" for line in kept))


def _imports(path: Path, modules: set[str]) -> str | None:
    pattern = re.compile(r"^\s*(?:import|from)\s+(" + "|".join(map(re.escape, modules)) +
                         r")\b", re.MULTILINE)
    try:
        found = pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return found.group(1) if found else None


def _declares(info: Path, name: str) -> bool:
    try:
        metadata = (info / "METADATA").read_text(errors="replace")
    except OSError:
        return False
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist:") and "extra ==" not in line:
            requirement = re.split(r"[<>=!~ ;\[(]", line.split(":", 1)[1].strip(), maxsplit=1)[0]
            if _normalise(requirement) == name:
                return True
    return False


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _all(tools: dict[str, list[str]]) -> set[str]:
    return {module for modules in tools.values() for module in modules}


def _remove_empty(root: Path) -> None:
    for folder in sorted((p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()),
                         key=lambda p: -len(p.parts)):
        if not any(folder.iterdir()):
            folder.rmdir()
