"""What each function would weigh as a Lambda deployment, against Lambda's size limits.

Code is the CodeUri (without its `model` folder, counted apart as the model artifact);
dependencies are the closure of the function's requirements.txt, resolved from the
distributions installed in this environment (what `pip install -r` would put in a layer);
layers are the template's. Zipped sizes are measured by deflating every file.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from workbench.template import FunctionSpec, Template

MB = 1024 * 1024
# Lambda quotas: a direct .zip upload of at most 50 MB; the function and all its layers
# at most 250 MB unzipped.
ZIPPED_LIMIT = 50 * MB
UNZIPPED_LIMIT = 250 * MB


@dataclass
class Size:
    unzipped: int = 0
    zipped: int = 0

    def add(self, other: Size) -> None:
        self.unzipped += other.unzipped
        self.zipped += other.zipped


@dataclass
class FunctionReport:
    function: str
    code: Size
    layers: Size
    dependencies: Size
    model: Size
    packages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(paths: list[Path], skip: tuple[str, ...] = ()) -> Size:
    size = Size()
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" in file.parts or any(part in skip for part in
                                                  file.relative_to(root).parts[:1]):
                continue
            data = file.read_bytes()
            size.unzipped += len(data)
            size.zipped += len(zlib.compress(data, 6)) + 100  # plus a zip entry's headers
    return size


def dependency_closure(requirements: Path) -> list[metadata.Distribution]:
    """The installed distributions `pip install -r requirements` would bring in."""
    wanted = [Requirement(line.split("#")[0].strip()) for line in
              requirements.read_text().splitlines() if line.split("#")[0].strip()]
    seen: dict[str, metadata.Distribution] = {}
    while wanted:
        requirement = wanted.pop()
        key = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if key in seen or (requirement.marker and not requirement.marker.evaluate({"extra": ""})):
            continue
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            continue  # not installed here: cannot be measured, reported as missing below
        seen[key] = distribution
        wanted += [Requirement(r) for r in distribution.requires or []]
    return list(seen.values())


def distribution_size(distribution: metadata.Distribution) -> Size:
    root = Path(str(distribution.locate_file("")))
    files = [root / f for f in distribution.files or [] if "__pycache__" not in str(f)]
    return measure([f for f in files if f.is_file()])


def report(template: Template) -> list[FunctionReport]:
    return [function_report(spec) for spec in template.functions.values()]


def function_report(spec: FunctionSpec) -> FunctionReport:
    model_dir = spec.code_uri / "model"
    result = FunctionReport(
        function=spec.name, code=measure([spec.code_uri], skip=("model",)),
        layers=measure(list(spec.layers)), dependencies=Size(),
        model=measure([model_dir.resolve()]) if model_dir.exists() else Size())
    requirements = spec.code_uri / "requirements.txt"
    if requirements.exists():
        for distribution in dependency_closure(requirements):
            result.dependencies.add(distribution_size(distribution))
            result.packages.append(f"{distribution.metadata['Name']}=={distribution.version}")
    result.problems = judge(result)
    return result


def judge(r: FunctionReport) -> list[str]:
    problems = []
    direct = r.code.zipped + r.dependencies.zipped
    if direct > ZIPPED_LIMIT:
        problems.append(f"code and dependencies zip to {direct / MB:.0f} MB: over the 50 MB "
                        "direct upload limit (upload through S3, or move the dependencies "
                        "into a layer)")
    total = r.code.unzipped + r.layers.unzipped + r.dependencies.unzipped
    if total > UNZIPPED_LIMIT:
        problems.append(f"code, layers and dependencies unzip to {total / MB:.0f} MB: over "
                        "the 250 MB limit; only a container image (10 GB) holds this")
    elif total + r.model.unzipped > UNZIPPED_LIMIT:
        problems.append(f"with its {r.model.unzipped / MB:.0f} MB model the package unzips to "
                        f"{(total + r.model.unzipped) / MB:.0f} MB, over 250 MB: load the model "
                        "from S3 at INIT instead of packaging it")
    return problems
