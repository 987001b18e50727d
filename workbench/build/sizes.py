"""What a built function weighs, against Lambda's deployment package quotas.

From AWS's Lambda quotas page (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
262,144,000 bytes unzipped for a function's code with all its layers, and 52,428,800 bytes
zipped for a .zip uploaded directly (larger archives go through S3). Zipped sizes are
measured by deflating each file as `zip` would (level 6) plus each entry's headers.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

UNZIPPED_LIMIT = 262_144_000
ZIPPED_DIRECT_LIMIT = 52_428_800
MB = 1_000_000
_ZIP_ENTRY = 30 + 46  # local file header + central directory record, without the name
REMEDIES = ("move dependencies into layers (the limit counts them too, but each can be "
            "shared)", "load the model from S3 at INIT instead of packaging it",
            "drop unused dependencies", "deploy as a container image (10 GB)")


@dataclass(frozen=True)
class Size:
    unzipped: int = 0
    zipped: int = 0

    def __add__(self, other: Size) -> Size:
        return Size(self.unzipped + other.unzipped, self.zipped + other.zipped)

    def text(self) -> str:
        return f"{self.unzipped / MB:.1f} MB unzipped, {self.zipped / MB:.1f} MB zipped"


def file_size(path: Path, name: str) -> Size:
    data = path.read_bytes()
    return Size(len(data), len(zlib.compress(data, 6)) - 6 + _ZIP_ENTRY + 2 * len(name))


def measure(root: Path, skip: frozenset[Path] = frozenset()) -> Size:
    total = Size()
    for path in files(root):
        if path not in skip:
            total += file_size(path, str(path.relative_to(root)))
    return total


def files(root: Path) -> list[Path]:
    found = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        found += [Path(folder, n) for n in sorted(names) if not Path(folder, n).is_symlink()]
    return found


def by_distribution(root: Path) -> dict[str, Size]:
    """Each installed distribution's files (its RECORD, plus the pyc compiled beside
    them), measured; what no RECORD lists (vendored libraries) under "(other)"."""
    sizes: dict[str, Size] = {}
    owner: dict[Path, str] = {}
    for record in sorted(root.glob("*.dist-info/RECORD")):
        name = record.parent.name.removesuffix(".dist-info")
        for line in record.read_text(errors="replace").splitlines():
            relative = line.rsplit(",", 2)[0]
            if relative:
                owner[(root / relative).resolve()] = name
    for path in files(root):
        key = path.resolve()
        if key.parent.name == "__pycache__":  # a pyc belongs to its source's distribution
            key = key.parent.parent / (key.name.split(".")[0] + ".py")
        name = owner.get(key, "(other)")
        sizes[name] = sizes.get(name, Size()) + file_size(path, str(path.relative_to(root)))
    return sizes


def over_limit(function: str, total: Size, largest: list[tuple[str, Size]]) -> str | None:
    if total.unzipped <= UNZIPPED_LIMIT:
        return None
    listed = ", ".join(f"{name} {size.unzipped / MB:.1f} MB" for name, size in largest[:10])
    return (f"{function} unzips to {total.unzipped:,} bytes with its layers, over Lambda's "
            f"{UNZIPPED_LIMIT:,}-byte limit; largest packages: {listed}; remedies: "
            + "; ".join(REMEDIES))


def upload_note(function: str, zipped: int) -> str | None:
    if zipped <= ZIPPED_DIRECT_LIMIT:
        return None
    return (f"{function} zips to {zipped / MB:.1f} MB, over the {ZIPPED_DIRECT_LIMIT:,}-byte "
            "direct upload limit: it deploys through S3 (`sam deploy` and `workbench "
            "localstack deploy` do that)")
