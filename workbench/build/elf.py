"""Reading what a shared object asks of the system that loads it (pyelftools).

For each ELF file: its machine, its SONAME, the libraries it NEEDs, where it asks the
loader to look (DT_RPATH / DT_RUNPATH, `$ORIGIN` relative to its folder) and the newest
`GLIBC_x.y` symbol version it needs (from `.gnu.version_r`, what ld.so checks at load), and
likewise the newest `GLIBCXX_`/`CXXABI_` versions it needs of libstdc++.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

ELF_MAGIC = b"\x7fELF"
LIBSTDCXX = "libstdc++.so.6"
# e_machine as pyelftools names it -> the wheel/Lambda machine name.
MACHINES = {"EM_X86_64": "x86_64", "EM_AARCH64": "aarch64"}


@dataclass(frozen=True)
class ElfInfo:
    path: Path
    machine: str  # "x86_64", "aarch64", or pyelftools' name for anything else
    soname: str | None
    needed: tuple[str, ...]
    rpath: tuple[str, ...]  # DT_RPATH entries (also searched for the libraries it loads)
    runpath: tuple[str, ...]  # DT_RUNPATH entries (only for its own NEEDED)
    glibc: tuple[int, int] | None  # the newest GLIBC_ version it needs
    # the newest GLIBCXX_ / CXXABI_ versions it needs of libstdc++.so.6: (3, 4, 24), (1, 3, 11)
    libstdcxx: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def search_dirs(self, own: bool = True) -> list[Path]:
        """Folders the loader searches for this file's NEEDED libraries (own=True), or for
        the NEEDED of a library it loads (DT_RPATH only, and only without DT_RUNPATH)."""
        entries = (self.runpath or self.rpath) if own else \
            (() if self.runpath else self.rpath)
        return [expand(entry, self.path.parent) for entry in entries]


def expand(entry: str, origin: Path) -> Path:
    text = entry.replace("${ORIGIN}", str(origin)).replace("$ORIGIN", str(origin))
    return Path(text).resolve() if text.startswith("/") else (origin / text).resolve()


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == ELF_MAGIC
    except OSError:
        return False


def elf_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and is_elf(path):
            yield path


def read(path: Path) -> ElfInfo | None:
    """The file's dynamic linking facts; None for an ELF with no dynamic section (an object
    file, a static binary) or one pyelftools cannot parse."""
    try:
        with path.open("rb") as f:
            elf = ELFFile(f)
            dynamic = next((s for s in elf.iter_sections() if isinstance(s, DynamicSection)),
                           None)
            if dynamic is None:
                return None
            tags = list(dynamic.iter_tags())
            return ElfInfo(
                path=path,
                machine=MACHINES.get(elf["e_machine"], str(elf["e_machine"])),
                soname=next((_value(t, "soname") for t in tags
                             if t.entry.d_tag == "DT_SONAME"), None),
                needed=tuple(_value(t, "needed") for t in tags
                             if t.entry.d_tag == "DT_NEEDED"),
                rpath=_paths(tags, "DT_RPATH", "rpath"),
                runpath=_paths(tags, "DT_RUNPATH", "runpath"),
                glibc=_newest_glibc(elf), libstdcxx=_newest_libstdcxx(elf))
    except (ELFError, ValueError, OSError, AttributeError):
        return None


def _value(tag: Any, name: str) -> str:
    """A dynamic tag's string (pyelftools sets it as an attribute named after the tag)."""
    return str(getattr(tag, name))


def _paths(tags: Sequence[Any], kind: str, attribute: str) -> tuple[str, ...]:
    found: list[str] = []
    for tag in tags:
        if tag.entry.d_tag == kind:
            found += [p for p in _value(tag, attribute).split(":") if p]
    return tuple(found)


def _newest_glibc(elf: ELFFile) -> tuple[int, int] | None:
    newest: tuple[int, int] | None = None
    for section in elf.iter_sections():
        if not isinstance(section, GNUVerNeedSection):
            continue
        for _, auxiliaries in section.iter_versions():
            for aux in auxiliaries:
                version = glibc_version(aux.name)
                if version and (newest is None or version > newest):
                    newest = version
    return newest


def _newest_libstdcxx(elf: ELFFile) -> dict[str, tuple[int, ...]]:
    newest: dict[str, tuple[int, ...]] = {}
    for section in elf.iter_sections():
        if not isinstance(section, GNUVerNeedSection):
            continue
        for needed, auxiliaries in section.iter_versions():
            if needed.name != LIBSTDCXX:
                continue
            for aux in auxiliaries:
                found = libstdcxx_version(aux.name)
                if found and found[1] > newest.get(found[0], ()):
                    newest[found[0]] = found[1]
    return newest


def libstdcxx_version(name: str) -> tuple[str, tuple[int, ...]] | None:
    """("GLIBCXX", (3, 4, 26)) for "GLIBCXX_3.4.26", ("CXXABI", (1, 3, 11)) likewise;
    None for other names (GLIBCXX_TUNABLES, CXXABI_TM_1)."""
    prefix, _, version = name.partition("_")
    if prefix not in ("GLIBCXX", "CXXABI") or not re.fullmatch(r"\d+(\.\d+)*", version):
        return None
    return prefix, tuple(int(part) for part in version.split("."))


def glibc_version(name: str) -> tuple[int, int] | None:
    """(2, 28) for "GLIBC_2.28" (and "GLIBC_2.2.5" -> (2, 2)); None for other names."""
    if not name.startswith("GLIBC_") or not name[6:7].isdigit():
        return None
    parts = name[6:].split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None
