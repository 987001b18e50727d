"""Where a function's code is: a folder, a `.zip`, inline source, or a CDK asset.

Inline code (`InlineCode`, `ZipFile`) is written as `index.py`, the file Lambda makes of
it (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-lambda-function-code.html);
a `.zip` is extracted. Both land in the cache, keyed by their content, so the runtime
has a folder to run until the build (`workbench build`) puts them in `.aws-sam/build`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench import config
from workbench.errors import TemplateError


@dataclass(frozen=True)
class Code:
    folder: Path  # what the runtime runs as the task root
    inline: str | None = None
    archive: Path | None = None  # the .zip (or the single file) it came from
    # A CDK asset (`Metadata: aws:asset:path`): `cdk deploy` uploads it as it is, bundled
    # (`aws:asset:is-bundled`) or not, so it is built as it is.
    asset: bool = False


def local(path: Path, where: str, resource: str, prop: str, raw: str) -> Code:
    """A local CodeUri/ContentUri: a folder, or a .zip archive to extract."""
    if path.is_dir():
        return Code(path)
    if path.is_file() and path.suffix.lower() in (".zip", ".jar"):
        return Code(_extract(path, where, resource, prop), archive=path)
    if path.is_file():  # one source file: packaged alone, as `aws cloudformation package` does
        folder = _cache_folder("file", path.name.encode() + b"\0" + path.read_bytes())
        if not folder.is_dir():
            _fill(folder, lambda tmp: shutil.copyfile(path, tmp / path.name))
        return Code(folder, archive=path)
    if path.exists():
        raise TemplateError(where, resource, prop, f"'{raw}' is neither a folder nor a file")
    raise TemplateError(where, resource, prop, f"directory '{raw}' does not exist")


def inline(source: str) -> Code:
    folder = _cache_folder("inline", source.encode())
    if not (folder / "index.py").is_file():
        _fill(folder, lambda tmp: (tmp / "index.py").write_text(source, encoding="utf-8"))
    return Code(folder, inline=source)


def _extract(archive: Path, where: str, resource: str, prop: str) -> Path:
    folder = _cache_folder("zip", archive.read_bytes())
    if folder.is_dir():
        return folder
    try:
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise TemplateError(where, resource, prop,
                                        f"{archive.name} holds a path outside it: {member}")
            _fill(folder, zipped.extractall)
    except zipfile.BadZipFile:
        raise TemplateError(where, resource, prop, f"{archive.name} is not a zip archive") from None
    return folder


def _cache_folder(kind: str, content: bytes) -> Path:
    return config.cache_dir() / "code" / f"{kind}-{hashlib.sha256(content).hexdigest()[:20]}"


def _fill(folder: Path, write: Callable[[Path], object]) -> None:
    """Fill a temporary folder and rename it into place, so no reader sees half of it."""
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    write(tmp)
    try:
        tmp.rename(folder)
    except OSError:  # another process got there first: theirs is the same content
        shutil.rmtree(tmp, ignore_errors=True)
