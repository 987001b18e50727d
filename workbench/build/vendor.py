"""Missing shared libraries, copied from a compatible manylinux wheel on PyPI.

A wheel that needs a library Lambda's image lacks (mxnet's libmxnet.so and its OpenBLAS
need libgomp.so.1; its libgfortran.so.3 needs libquadmath.so.0) fails on Lambda with
"cannot open shared object file". Other manylinux wheels ship copies built for glibc 2.17
(`libraries.VENDOR_SOURCES`); the wheel for the function's own platform is downloaded
(pip's cache makes that once), its copy checked like any binary of the package and put,
under the name the binary asks for, in the folder the loader searches first (beside the
binary, through its `$ORIGIN` RPATH).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from workbench.build import checks, elf, libraries, pip
from workbench.build.errors import BuildError
from workbench.build.platforms import Target
from workbench.config import cache_dir


def vendor(missing: list[checks.Missing], root: Path, target: Target,
           say: pip.Say) -> list[str]:
    """Copy in every missing library a known wheel ships; one note per copy."""
    notes = []
    for item in missing:
        source = libraries.VENDOR_SOURCES.get(item.library)
        if source is None or (item.place / item.library).exists():
            continue
        copy = _extract(item.library, source, target, say)
        item.place.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy, item.place / item.library)
        note = (f"vendored {item.library} from {source[0]}'s wheel ({copy.name}) into "
                f"{(item.place / item.library).relative_to(root)} for "
                f"{item.needed_by.relative_to(root)}")
        say(f"    {note}")
        notes.append(note)
    return notes


def _extract(library: str, source: tuple[str, str], target: Target, say: pip.Say) -> Path:
    """The library's copy from the source wheel for `target`, checked; cached on disk."""
    project, folder = source
    cache = cache_dir() / "build" / "vendor" / f"{target.abi}-{target.machine}"
    copies = cache / "libs"
    stem, suffix = libraries.vendor_stem(library), library[len(libraries.vendor_stem(library)):]
    for cached in sorted(copies.glob(f"{stem}-*{suffix}*")):
        return cached
    wheel = pip.download(project, target, cache / "wheels", say)
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.startswith(folder + "/")
                 and Path(n).name.startswith(stem + "-") and suffix in Path(n).name]
        if not names:
            raise BuildError(f"{library} is missing and {wheel.name} no longer ships a copy "
                             f"in {folder}/: add the library to the package yourself")
        copies.mkdir(parents=True, exist_ok=True)
        copy = copies / Path(names[0]).name
        copy.write_bytes(zf.read(names[0]))
    info = elf.read(copy)
    if info is None or (info.glibc and info.glibc > target.glibc) or \
            any(not libraries.provided(n) for n in info.needed):
        copy.unlink()
        raise BuildError(f"{library} is missing and the copy in {wheel.name} does not load on "
                         f"{target.runtime} either: add a compatible build to the package")
    return copy
