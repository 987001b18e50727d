"""Will every binary of a package load on Lambda? The checks ld.so would make there.

For each ELF file under the package's roots (the task root, or a layer's folders):
- its machine is the function's architecture;
- it needs no `GLIBC_` version newer than the runtime image's glibc, and no `GLIBCXX_`
  or `CXXABI_` version newer than the image's libstdc++ provides (unless the package
  brings its own libstdc++.so.6 where the loader finds it);
- each NEEDED library is provided by the image (`workbench.build.libraries`) or found
  where the loader would look on Lambda: the file's own DT_RUNPATH/DT_RPATH, the DT_RPATH
  of a library that loads it, and Lambda's LD_LIBRARY_PATH folders that a package can
  fill (`/var/task`, `/var/task/lib`, `/opt/lib`: the roots and their `lib/`);
  or it is the SONAME of a library in the same folder: auditwheel's `*.libs/` copies need
  one another by SONAME, and ld.so matches a NEEDED name against the SONAMEs already
  loaded (the extension that needs them all loads them first, through its RPATH).
A missing library is reported with the folder it should go in (the first folder of its
loader's search path inside the package), which is where vendoring puts it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from workbench.build import elf, libraries
from workbench.build.platforms import Target


@dataclass(frozen=True)
class Missing:
    library: str  # the NEEDED name, "libgomp.so.1"
    needed_by: Path
    place: Path  # where a copy would be found by the loader


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    newest_glibc: tuple[int, int] | None = None


def check(roots: list[Path], target: Target, *, lib_roots: list[Path] | None = None,
          only: Collection[Path] | None = None) -> Report:
    """Check the ELF files under `roots` (or only those in `only`), resolving libraries
    against all of them and against `lib_roots` (layers' folders whose `lib/` is on
    LD_LIBRARY_PATH). Missing libraries are listed in `missing`, every other problem
    (and each missing library, too) in `problems`."""
    infos = [info for root in roots for path in elf.elf_files(root)
             if (info := elf.read(path)) is not None]
    library_dirs = [d for root in [*roots, *(lib_roots or [])] for d in (root, root / "lib")]
    loaders: dict[str, list[elf.ElfInfo]] = {}
    for info in infos:
        for name in info.needed:
            loaders.setdefault(name, []).append(info)
    siblings: dict[Path, set[str]] = {}
    for info in infos:
        if info.soname:
            siblings.setdefault(info.path.parent, set()).add(info.soname)
    report = Report()
    for info in infos:
        if only is not None and info.path not in only:
            continue
        _check_one(info, target, loaders, library_dirs, siblings, report, roots)
    return report


def _check_one(info: elf.ElfInfo, target: Target, loaders: dict[str, list[elf.ElfInfo]],
               library_dirs: list[Path], siblings: dict[Path, set[str]], report: Report,
               roots: list[Path]) -> None:
    where = _relative(info.path, roots)
    if info.machine != target.machine:
        report.problems.append(f"{where} is built for {info.machine}, the function for "
                               f"{target.architecture}: use a wheel for {target.machine}")
        return
    if info.glibc and (report.newest_glibc is None or info.glibc > report.newest_glibc):
        report.newest_glibc = info.glibc
    if info.glibc and info.glibc > target.glibc:
        report.problems.append(
            f"{where} needs GLIBC_{info.glibc[0]}.{info.glibc[1]}, newer than the "
            f"{target.glibc[0]}.{target.glibc[1]} of {target.runtime}'s {target.image}: use a "
            f"version with a manylinux_2_{target.glibc[1]} (or older) wheel, or a newer runtime")
    inherited = [d for parent in _loaders_of(info, loaders) for d in parent.search_dirs(own=False)]
    dirs = [*info.search_dirs(), *inherited]
    if not any((d / elf.LIBSTDCXX).exists() for d in [*dirs, *library_dirs]):
        _check_libstdcxx(info, target, where, report)  # the image's libstdc++ serves it
    for name in info.needed:
        if libraries.provided(name) or name in siblings.get(info.path.parent, ()):
            continue
        if any((d / name).exists() for d in [*dirs, *library_dirs]):
            continue
        inside = [d for d in dirs if any(d.is_relative_to(r) for r in roots)]
        place = inside[0] if inside else roots[0] / "lib"
        report.missing.append(Missing(name, info.path, place))
        report.problems.append(
            f"{where} needs {name}, which {target.runtime}'s {target.image} image does not "
            f"provide and the package does not hold: add it beside the file "
            f"({_relative(place, roots)}/) or in a layer's lib/")


def _check_libstdcxx(info: elf.ElfInfo, target: Target, where: str, report: Report) -> None:
    gcc, provided = target.libstdcxx
    for name, needed in sorted(info.libstdcxx.items()):
        if needed > provided[name]:
            report.problems.append(
                f"{where} needs {name}_{_dotted(needed)}, newer than the "
                f"{name}_{_dotted(provided[name])} of the {gcc} libstdc++ in {target.runtime}'s "
                f"{target.image}: use a manylinux wheel of it, or build it with {gcc} or older")


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def _loaders_of(info: elf.ElfInfo, loaders: dict[str, list[elf.ElfInfo]]) -> list[elf.ElfInfo]:
    names = {info.path.name, *([info.soname] if info.soname else [])}
    return [parent for name in names for parent in loaders.get(name, [])]


def _relative(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if path.is_relative_to(root):
            return str(path.relative_to(root)) or "."
    return str(path)
