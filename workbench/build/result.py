"""What a build produced: the folders `sam build` would, and what they weigh."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from workbench.build import sizes
from workbench.build.sizes import MB, Size


@dataclass(frozen=True)
class BuiltLayer:
    logical_id: str
    path: Path  # .aws-sam/build/<LogicalId>, holding python/ (what /opt holds)
    size: Size
    packages: dict[str, Size] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # The runtime and architecture its dependencies were installed for (BuildMethod
    # python3.x, or a stand-in's), e.g. ("python3.12", "x86_64"); None when copied or made.
    built_for: tuple[str, str] | None = None


@dataclass(frozen=True)
class BuiltFunction:
    name: str
    task_root: Path  # .aws-sam/build/<LogicalId> (what /var/task holds)
    layers: tuple[Path, ...]  # built layer folders, template order, each with python/
    runtime: str
    architecture: str
    code: Size
    dependencies: Size
    layer_size: Size
    packages: dict[str, Size] = field(default_factory=dict)  # its own dependencies
    # The default model left out of the package, as a `model` link in task_root.
    model: Path | None = None
    notes: tuple[str, ...] = ()  # vendored libraries, how it deploys
    problems: tuple[str, ...] = ()  # why it cannot deploy as a .zip (over the size limit)

    @property
    def total(self) -> Size:
        return self.code + self.dependencies + self.layer_size

    def against_limits(self, layers: list[BuiltLayer]) -> BuiltFunction:
        """This function with Lambda's size limits applied: over the unzipped limit its
        folder is still complete and runs here, but it cannot deploy as a .zip, which
        `problems` says (and `workbench build` fails on); over the direct upload limit, a
        note that it goes through S3."""
        problem = sizes.over_limit(self.name, self.total, self.largest(layers))
        upload = sizes.upload_note(self.name, self.code.zipped + self.dependencies.zipped)
        return replace(self, notes=(*self.notes, *([upload] if upload else [])),
                       problems=(problem,) if problem else ())

    def largest(self, layers: list[BuiltLayer]) -> list[tuple[str, Size]]:
        """The function's and its layers' distributions, largest first."""
        every = dict(self.packages)
        for layer in layers:
            every.update(layer.packages)
        return sorted(every.items(), key=lambda item: -item[1].unzipped)

    def to_dict(self) -> dict[str, Any]:
        def size(s: Size) -> dict[str, int]:
            return {"unzipped": s.unzipped, "zipped": s.zipped}

        return {"function": self.name, "task_root": str(self.task_root),
                "layers": [str(p) for p in self.layers], "runtime": self.runtime,
                "architecture": self.architecture, "code": size(self.code),
                "dependencies": size(self.dependencies), "layers_size": size(self.layer_size),
                "total": size(self.total), "model": str(self.model) if self.model else None,
                "largest": [[n, s.unzipped] for n, s in
                            sorted(self.packages.items(), key=lambda i: -i[1].unzipped)[:10]],
                "notes": list(self.notes), "problems": list(self.problems)}

    def summary(self) -> str:
        return (f"{self.name}: {self.total.unzipped / MB:.1f} MB unzipped, "
                f"{self.total.zipped / MB:.1f} MB zipped (code {self.code.unzipped / MB:.1f}, "
                f"dependencies {self.dependencies.unzipped / MB:.1f}, layers "
                f"{self.layer_size.unzipped / MB:.1f} MB)")


@dataclass(frozen=True)
class BuildResult:
    build_dir: Path  # .aws-sam/build
    template: Path  # .aws-sam/build/template.yaml
    functions: dict[str, BuiltFunction]
    layers: dict[str, BuiltLayer]
    # Functions left out by a `keep_going` build: the build's one-line error for each.
    failed: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"build_dir": str(self.build_dir), "template": str(self.template),
                "functions": {n: f.to_dict() for n, f in self.functions.items()},
                "layers": {n: {"path": str(layer.path), "unzipped": layer.size.unzipped,
                               "zipped": layer.size.zipped, "notes": list(layer.notes)}
                           for n, layer in self.layers.items()},
                "failed": self.failed}
